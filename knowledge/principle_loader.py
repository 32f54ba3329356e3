"""Load the principles of honest selling from ``knowledge/principles/*.md``.

Each file holds one principle: YAML front matter (id, English and Hebrew title and summary, and
its practices) and an English body. The files are validated at load; an error names the file
and the field. The critique cites the ids: ``P1``..``P6`` and practice ids like ``P4.walk-away``.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from coach.errors import InputError, describe_validation

PRINCIPLES_DIR = Path(__file__).resolve().parent / "principles"

_PRINCIPLE_ID = re.compile(r"^P[1-9]$")
_PRACTICE_ID = re.compile(r"^P[1-9]\.[a-z0-9]+(?:-[a-z0-9]+)*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Bilingual(_Strict):
    """A text in English (used for retrieval) and Hebrew (for a Hebrew UI)."""

    en: str = Field(min_length=1)
    he: str = Field(min_length=1)


class Practice(_Strict):
    """A concrete behaviour that puts a principle into practice."""

    id: str
    """Stable id, ``P<n>.<slug>``; the critique cites it."""
    name: str = Field(min_length=1)
    looks_like: str = Field(min_length=1)
    """What it looks like in a conversation."""
    asks: list[str] = Field(default_factory=list)
    """Situations in a user's own words where this practice is the answer; indexed for search."""
    good: str = Field(min_length=1)
    """A line that does it well."""
    bad: str = Field(min_length=1)
    """A line that violates it."""

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _PRACTICE_ID.match(value):
            raise ValueError("must look like 'P4.walk-away'")
        return value

    def text(self, principle: Principle) -> str:
        """The practice as one retrievable passage."""
        return (
            f"{principle.title.en}: {self.name}. {self.looks_like}\n"
            f'Good: "{self.good}"\nBad: "{self.bad}"'
        )


class Principle(_Strict):
    """One of the six principles, with its practices and body text."""

    id: str
    title: Bilingual
    summary: Bilingual
    practices: list[Practice] = Field(min_length=1)
    body: str = ""
    source: str = ""
    """The file it was loaded from."""

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _PRINCIPLE_ID.match(value):
            raise ValueError("must look like 'P1'")
        return value


def _split_front_matter(path: Path, text: str) -> tuple[str, str]:
    if not text.startswith("---"):
        raise InputError(f"{path}: the file must start with YAML front matter ('---').")
    parts = text.split("\n---", 1)
    if len(parts) != 2:
        raise InputError(f"{path}: the front matter has no closing '---' line.")
    return parts[0].removeprefix("---"), parts[1].lstrip("-").strip()


def load_principle(path: Path) -> Principle:
    """Parse and validate one principle file; errors name the file and the field."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read as UTF-8 text ({exc}).") from exc
    front, body = _split_front_matter(path, text)
    try:
        data = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: the front matter is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(f"{path}: the front matter must be a mapping of fields.")
    try:
        principle = Principle(**data, body=body, source=path.name)
    except ValidationError as exc:
        raise InputError(f"{path}: {describe_validation(exc)}") from exc
    for practice in principle.practices:
        if not practice.id.startswith(principle.id + "."):
            raise InputError(
                f"{path}: practices.{practice.id}: a practice of {principle.id} must have an "
                f"id starting with '{principle.id}.'"
            )
    return principle


def load_principles(directory: Path = PRINCIPLES_DIR) -> list[Principle]:
    """All principles in ``directory``, in id order, with ids checked for uniqueness."""
    principles = [load_principle(p) for p in sorted(directory.glob("P*.md"))]
    seen: dict[str, str] = {}
    for principle in principles:
        for item_id in [principle.id] + [p.id for p in principle.practices]:
            if item_id in seen:
                raise InputError(
                    f"{principle.source}: id '{item_id}' is already used in {seen[item_id]}."
                )
            seen[item_id] = principle.source
    return sorted(principles, key=lambda p: p.id)


@cache
def principles() -> tuple[Principle, ...]:
    """The built-in principles, loaded once."""
    return tuple(load_principles())


def find(item_id: str) -> tuple[Principle, Practice | None]:
    """The principle (and practice, for a practice id) with this id."""
    principle_id = item_id.split(".", 1)[0]
    for principle in principles():
        if principle.id == principle_id:
            if principle_id == item_id:
                return principle, None
            for practice in principle.practices:
                if practice.id == item_id:
                    return principle, practice
    raise InputError(f"There is no principle or practice with id '{item_id}'.")
