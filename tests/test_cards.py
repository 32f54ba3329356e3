"""The shipped persona and scenario cards, and the card loader's errors."""

import re

import pytest

from coach.errors import InputError
from personas import loader
from personas.cards import PersonaCard


def test_the_shipped_set_covers_sales_interviews_both_sides_and_no_fits():
    personas = {i: item.card for i, item in loader.personas().items() if item.builtin}
    kinds = [c.kind for c in personas.values()]
    verdicts = [c.fit.verdict for c in personas.values()]
    assert len(personas) >= 12
    assert kinds.count("prospect") >= 6
    assert kinds.count("interviewer") + kinds.count("candidate") >= 4
    assert kinds.count("interviewer") >= 1 and kinds.count("candidate") >= 1
    assert verdicts.count("no_fit") >= 3
    assert {c.difficulty for c in personas.values()} == {"easy", "normal", "hard"}
    for card in personas.values():
        scenario = loader.scenario_for(card)
        side = {"prospect": "seller", "interviewer": "candidate", "candidate": "interviewer"}
        assert scenario.user_role == side[card.kind], card.id
        for fact_id in card.decision_rules.accept_requires:
            card.fact(fact_id)


def test_public_fields_do_not_give_away_hidden_numbers():
    for item in loader.personas().values():
        card = item.card
        public = " ".join([card.role, card.style, card.opening, card.background])
        for fact in card.hidden_facts:
            for number in re.findall(r"\d[\d,.]*\d|\d", fact.fact):
                if len(number) > 1:
                    assert number not in public, (card.id, fact.id, number)


MINIMAL = """
id: min-card
kind: prospect
name: Noa Katz
role: A shop owner.
style: Brief.
opening: Hi.
background: She owns a shop.
hidden_facts:
  - id: secret
    fact: She is moving in June.
    unlock_topics: [her plans for the year]
    say: We're moving in June.
fit:
  verdict: fit
  why: It fits.
"""


def test_a_card_with_only_the_required_fields_loads():
    card = loader.parse_card(PersonaCard, MINIMAL, "min-card.yaml")
    assert card.difficulty == "normal" and card.objections == [] and card.lines.decline


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("kind: prospect", "kind: buyer"), "kind: Input should be 'prospect'"),
        (("    say: We're moving in June.\n", ""), "hidden_facts.0.say: Field required"),
        (("verdict: fit", "verdict: maybe"), "fit.verdict: Input should be"),
        (("name: Noa Katz", "name: Noa Katz\nmood: grumpy"), "mood: Extra inputs"),
        (("id: min-card", "id: Min Card!"), "id: String should match pattern"),
        (("hidden_facts:", "hidden_facts: []\nold:"), "hidden_facts: List should have at least"),
    ],
)
def test_errors_name_the_file_and_the_field(change, message):
    with pytest.raises(InputError) as info:
        loader.parse_card(PersonaCard, MINIMAL.replace(*change), "cards/min-card.yaml")
    assert "cards/min-card.yaml" in str(info.value) and message in str(info.value)


def test_user_cards_appear_next_to_builtin_ones_and_override_by_id():
    (loader.user_dir() / "cards" / "min-card.yaml").write_text(MINIMAL)
    listed = loader.personas()
    assert not listed["min-card"].builtin and listed["dana-bakery-owner"].builtin
