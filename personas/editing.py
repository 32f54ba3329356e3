"""Edit a card's YAML in place: check it field by field, and save it with the user's cards.

The checks give one :class:`Problem` per broken field, with the line of the YAML it sits on, so
an editor can show each error next to its field instead of as one long message.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from coach.errors import InputError
from personas import loader
from personas.cards import PersonaCard, ScenarioCard

MAX_CARD_CHARS = 100_000


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a card: which field, on which line, and what."""

    field: str
    """Dotted path such as ``hidden_facts.0.say``; empty for the card as a whole."""
    message: str
    line: int | None
    """1-based line in the YAML text, when it can be placed."""

    def __str__(self) -> str:
        where = f"line {self.line}, " if self.line else ""
        return f"{where}{self.field or 'the card'}: {self.message}"


@dataclass(frozen=True)
class Checked:
    """The result of checking a card's text: the card if valid, else its problems."""

    card: PersonaCard | ScenarioCard | None
    problems: list[Problem]


def _node_line(root: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The line of the deepest YAML node on the path ``loc`` (a missing field: its parent)."""
    node, line = root, None
    if node is not None:
        line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
            if match is None:
                return line
            key = next(k for k, v in node.value if v is match)
            node, line = match, key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def check(model: type[PersonaCard] | type[ScenarioCard], text: str) -> Checked:
    """Parse and validate ``text`` as a card of ``model``; never raises for bad input."""
    if len(text) > MAX_CARD_CHARS:
        size = f"{len(text):,}"
        return Checked(None, [Problem("", f"is {size} characters; the limit is 100,000.", None)])
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        return Checked(None, [Problem("", f"is not valid YAML: {reason}", line)])
    if not isinstance(data, dict):
        kind = "nothing" if data is None else type(data).__name__
        return Checked(None, [Problem("", f"must be a mapping of fields, not {kind}.", 1)])
    try:
        card = model.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(
                ".".join(str(p) for p in err["loc"]),
                err["msg"],
                _node_line(root, tuple(err["loc"])),
            )
            for err in exc.errors()
        ]
        return Checked(None, problems)
    return Checked(card, [])


def annotate(text: str, problems: list[Problem]) -> str:
    """``text`` with each problem written as a comment under the line it belongs to."""
    lines = text.splitlines()
    notes: dict[int, list[str]] = {}
    for problem in problems:
        at = min(problem.line or 1, max(len(lines), 1))
        notes.setdefault(at, []).append(f"{problem.field or 'card'}: {problem.message}")
    out: list[str] = []
    for number, line in enumerate(lines or [""], start=1):
        out.append(line)
        indent = line[: len(line) - len(line.lstrip())]
        out.extend(f"{indent}# ^ {note}" for note in notes.get(number, []))
    return "\n".join(out)


def save(model: type[PersonaCard] | type[ScenarioCard], text: str) -> Path:
    """Validate ``text`` and write it, comments and all, to the user's folder under its id.

    A card with a built-in card's id takes that card's place for this user. A persona must
    name a scenario that exists, so that it can be practised.
    """
    checked = check(model, text)
    if checked.card is None:
        raise InputError("; ".join(str(p) for p in checked.problems))
    card = checked.card
    if isinstance(card, PersonaCard):
        if not card.scenario:
            raise InputError("scenario: name the scenario this persona is for.")
        known = loader.scenarios()
        if card.scenario not in known:
            names = ", ".join(sorted(known))
            raise InputError(f"scenario: there is no scenario '{card.scenario}'. Known: {names}.")
    sub = "cards" if isinstance(card, PersonaCard) else "scenarios"
    path = loader.user_dir() / sub / f"{card.id}.yaml"
    if isinstance(card, ScenarioCard):
        loader.resolve_facts(card, path.parent)  # a facts file it names must exist
    partial = path.with_suffix(".yaml.partial")
    partial.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    partial.replace(path)
    return path


def delete(model: type[PersonaCard] | type[ScenarioCard], ident: str) -> Path:
    """Remove one of the user's own cards; built-in cards cannot be deleted."""
    sub = "cards" if model is PersonaCard else "scenarios"
    path = loader.user_dir() / sub / f"{ident}.yaml"
    if not path.is_file():
        raise InputError(f"'{ident}' is not one of your own cards; built-in cards stay.")
    path.unlink()
    return path
