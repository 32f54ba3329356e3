"""Editing a card's YAML in place: field problems on their lines, saving, deleting."""

from pathlib import Path

import pytest

from coach.errors import InputError
from personas import editing, loader
from personas.cards import PersonaCard, ScenarioCard

DANA = loader.BUILTIN_DIR / "cards" / "dana-bakery-owner.yaml"


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_shipped_card_checks_clean():
    checked = editing.check(PersonaCard, DANA.read_text(encoding="utf-8"))
    assert checked.problems == []
    assert isinstance(checked.card, PersonaCard) and checked.card.id == "dana-bakery-owner"


def test_a_broken_nested_field_is_placed_on_its_own_line():
    text = DANA.read_text(encoding="utf-8")
    text = text.replace("    sensitive: true", "    sensitive: maybe-later", 1)
    text = text.replace("kind: prospect", "kind: customer")
    checked = editing.check(PersonaCard, text)
    assert checked.card is None
    by_field = {p.field: p for p in checked.problems}
    assert set(by_field) == {"kind", "hidden_facts.2.sensitive"}
    assert by_field["kind"].line == _line_of(text, "kind: customer")
    assert by_field["hidden_facts.2.sensitive"].line == _line_of(text, "sensitive: maybe-later")


def test_a_missing_field_points_at_its_parent_and_an_unknown_one_at_itself():
    text = "id: x-card\nkind: prospect\nname: X\nmood: grumpy\n"
    problems = {p.field: p for p in editing.check(PersonaCard, text).problems}
    assert problems["mood"].line == 4
    assert "Extra inputs" in problems["mood"].message
    assert problems["role"].line == 1 and "required" in problems["role"].message.lower()


def test_yaml_syntax_errors_and_non_mappings_name_the_line():
    bad = editing.check(PersonaCard, "id: a\nname: [unclosed\nrole: b\n")
    assert bad.card is None and bad.problems[0].line is not None
    assert "not valid YAML" in bad.problems[0].message
    assert "not list" in str(editing.check(PersonaCard, "- a\n- b\n").problems[0])
    assert "not nothing" in str(editing.check(PersonaCard, "").problems[0])
    huge = editing.check(PersonaCard, "a" * (editing.MAX_CARD_CHARS + 1))
    assert "limit" in huge.problems[0].message


def test_annotate_writes_each_problem_under_its_line():
    text = "id: x-card\nkind: customer\n"
    problems = editing.check(PersonaCard, text).problems
    shown = editing.annotate(text, problems).splitlines()
    at = shown.index("kind: customer")
    assert shown[at + 1].startswith("# ^ kind: Input should be")
    assert shown[1].startswith("# ^ ") and "required" in shown[1]  # missing fields: line 1


def test_saving_an_edited_builtin_card_overrides_it_for_this_user():
    text = DANA.read_text(encoding="utf-8").replace("Dana Whitfield", "Dana W. Edited")
    path = editing.save(PersonaCard, "# my edit\n" + text)
    assert path.parent == loader.user_dir() / "cards"
    assert path.read_text(encoding="utf-8").startswith("# my edit")  # comments are kept
    listed = loader.personas()["dana-bakery-owner"]
    assert not listed.builtin and listed.card.name == "Dana W. Edited"
    editing.delete(PersonaCard, "dana-bakery-owner")
    assert loader.personas()["dana-bakery-owner"].builtin


def test_an_invalid_card_or_unknown_scenario_is_refused_and_nothing_is_written():
    text = DANA.read_text(encoding="utf-8")
    with pytest.raises(InputError, match="kind"):
        editing.save(PersonaCard, text.replace("kind: prospect", "kind: customer"))
    with pytest.raises(InputError, match="no scenario 'nowhere'"):
        editing.save(
            PersonaCard,
            text.replace("scenario: bookkeeping-for-a-bakery", "scenario: nowhere"),
        )
    assert list((loader.user_dir() / "cards").iterdir()) == []


def test_a_scenario_naming_a_missing_facts_file_is_refused():
    source = loader.BUILTIN_DIR / "scenarios" / "bookkeeping-for-a-bakery.yaml"
    card = loader.load_card(ScenarioCard, source)
    offer = card.offer.model_copy(update={"facts": "missing.md"})
    import yaml

    text = yaml.safe_dump(card.model_copy(update={"offer": offer}).model_dump(), sort_keys=False)
    with pytest.raises(InputError, match="missing.md"):
        editing.save(ScenarioCard, text)
    assert list((loader.user_dir() / "scenarios").iterdir()) == []


def test_builtin_cards_cannot_be_deleted(tmp_path: Path):
    with pytest.raises(InputError, match="built-in"):
        editing.delete(PersonaCard, "dana-bakery-owner")
    assert DANA.is_file()
