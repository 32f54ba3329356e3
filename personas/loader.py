"""Find and load persona and scenario cards: built in, or the user's own.

Built-in cards live in ``personas/cards`` and ``personas/scenarios``; the user's cards (drafted
by the persona builder or written by hand) in ``$CANDOR_HOME/personas/cards`` and
``.../scenarios``. A user card with the same id as a built-in one takes its place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from coach import config
from coach.errors import InputError, describe_validation
from personas.cards import PersonaCard, ScenarioCard

BUILTIN_DIR = Path(__file__).resolve().parent
Card = TypeVar("Card", PersonaCard, ScenarioCard)


def user_dir() -> Path:
    """Where the user's own cards live (created if missing)."""
    path = config.home_dir() / "personas"
    for sub in ("cards", "scenarios"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    return path


def parse_card(model: type[Card], text: str, where: str) -> Card:
    """Validate YAML ``text`` as a card; errors name ``where`` and the field."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"{where}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(f"{where}: a card must be a mapping of fields, not {type(data).__name__}.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"{where}: {describe_validation(exc)}") from exc


def load_card(model: type[Card], path: Path | str) -> Card:
    """Load one card file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read as UTF-8 text ({exc}).") from exc
    card = parse_card(model, text, str(path))
    if isinstance(card, ScenarioCard):
        return resolve_facts(card, path.parent)  # type: ignore[return-value]
    return card


def resolve_facts(card: ScenarioCard, base: Path) -> ScenarioCard:
    """A scenario whose ``offer.facts`` names a Markdown file gets that file's text."""
    facts = card.offer.facts
    if "\n" not in facts and facts.endswith((".md", ".txt")):
        path = (base / facts).resolve()
        if not path.is_file():
            raise InputError(f"{base}: offer.facts names {facts}, which does not exist.")
        offer = card.offer.model_copy(update={"facts": path.read_text(encoding="utf-8")})
        return card.model_copy(update={"offer": offer})
    return card


@dataclass(frozen=True)
class Listed:
    """A card found on disk, and where."""

    card: BaseModel
    path: Path
    builtin: bool


def _scan(model: type[Card], sub: str) -> dict[str, Listed]:
    found: dict[str, Listed] = {}
    for root, builtin in ((BUILTIN_DIR, True), (user_dir(), False)):
        for path in sorted((root / sub).glob("*.yaml")):
            card = load_card(model, path)
            found[card.id] = Listed(card, path, builtin)
    return found


def personas() -> dict[str, Listed]:
    """Every persona card by id, the user's own overriding built-in ones."""
    return _scan(PersonaCard, "cards")


def scenarios() -> dict[str, Listed]:
    """Every scenario card by id."""
    return _scan(ScenarioCard, "scenarios")


def _one(found: dict[str, Listed], what: str, ident: str) -> BaseModel:
    if ident not in found:
        raise InputError(f"There is no {what} '{ident}'. Known: {', '.join(sorted(found))}.")
    return found[ident].card


def persona(ident: str) -> PersonaCard:
    """The persona with this id, or an error listing the known ones."""
    card = _one(personas(), "persona", ident)
    assert isinstance(card, PersonaCard)
    return card


def scenario(ident: str) -> ScenarioCard:
    """The scenario with this id, or an error listing the known ones."""
    card = _one(scenarios(), "scenario", ident)
    assert isinstance(card, ScenarioCard)
    return card


def scenario_for(card: PersonaCard) -> ScenarioCard:
    """The scenario a persona was written for."""
    if not card.scenario:
        raise InputError(f"Persona '{card.id}' names no scenario; pass one explicitly.")
    return scenario(card.scenario)


def save_user_cards(persona: PersonaCard, scenario: ScenarioCard) -> tuple[Path, Path]:
    """Write a persona and its scenario to the user's folder; returns their paths."""
    folder = user_dir()
    persona_path = folder / "cards" / f"{persona.id}.yaml"
    scenario_path = folder / "scenarios" / f"{scenario.id}.yaml"
    for path, card in ((persona_path, persona), (scenario_path, scenario)):
        data = card.model_dump(exclude_defaults=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return persona_path, scenario_path
