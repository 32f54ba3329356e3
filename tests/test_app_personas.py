"""The personas page, driven headless with AppTest: browse, draft, edit with field errors."""

import json

import pytest

from personas import loader
from tests.test_practice import DRAFTED


@pytest.fixture
def page(open_page):
    return open_page("personas")


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def test_every_card_is_listed_without_giving_away_her_facts(page):
    assert not page.exception
    names = [e.label for e in page.expander]
    assert len(names) == len(loader.personas()) >= 14
    assert any("Dana Whitfield" in n for n in names)
    shown = " ".join(m.value for m in page.markdown) + " ".join(c.value for c in page.caption)
    dana = loader.persona("dana-bakery-owner")
    assert dana.opening in shown
    assert all(f.say not in shown and f.fact not in shown for f in dana.hidden_facts)


def test_practise_with_her_opens_the_practice_page_on_her(page):
    _button_key = "practise-tom-cafe-owner"
    next(b for b in page.button if b.key == _button_key).click().run()
    assert not page.exception
    assert page.title[0].value == "Practice a call"
    assert page.selectbox[0].value.id == "tom-cafe-owner"


def test_a_broken_edit_shows_each_error_under_its_field_and_saves_nothing(page):
    page.selectbox(key="card_pick").set_value("dana-bakery-owner").run()
    text = page.text_area(key="card_text").value
    assert text.startswith("id: dana-bakery-owner")
    broken = text.replace("kind: prospect", "kind: customer").replace(
        "difficulty: normal", "difficulty: brutal"
    )
    page.text_area(key="card_text").set_value(broken).run()
    _button(page, "Save").click().run()
    assert not page.exception
    assert page.error[0].value.startswith("2 problems in this card")
    annotated = page.code[0].value.splitlines()
    at = annotated.index("kind: customer")
    assert annotated[at + 1].startswith("# ^ kind: Input should be")
    at = annotated.index("difficulty: brutal")
    assert annotated[at + 1].startswith("# ^ difficulty:")
    assert list((loader.user_dir() / "cards").iterdir()) == []


def test_a_good_edit_is_saved_as_my_own_card(page):
    page.selectbox(key="card_pick").set_value("dana-bakery-owner").run()
    text = page.text_area(key="card_text").value
    page.text_area(key="card_text").set_value(text.replace("Dana Whitfield", "Dana Q")).run()
    _button(page, "Save").click().run()
    assert not page.exception
    assert "Saved `dana-bakery-owner`" in page.success[0].value
    listed = loader.personas()["dana-bakery-owner"]
    assert not listed.builtin and listed.card.name == "Dana Q"
    _button(page, "Delete my card").click().run()
    assert not page.exception
    assert loader.personas()["dana-bakery-owner"].builtin


def test_draft_from_a_pasted_job_description(page, fake):
    fake.queue(json.dumps(DRAFTED))
    page.text_area[0].set_value("# Studio Manager\n\nRun a small pottery studio.\n").run()
    page.radio[0].set_value("interview").run()
    _button(page, "Draft a persona").click().run()
    assert not page.exception
    assert "Drafted Mara Levin" in page.success[0].value
    card = loader.persona("mara-levin-studio-manager")
    assert card.kind == "interviewer" and card.scenario == "studio-manager"
    assert page.text_area(key="card_text").value.startswith("id: mara-levin-studio-manager")


def test_a_failed_draft_is_an_error_with_what_to_do(page, fake):
    fake.queue("nope", "still nope")
    page.text_area[0].set_value("# Offer\n\nSomething.\n").run()
    _button(page, "Draft a persona").click().run()
    assert not page.exception
    assert "could not draft a valid card" in page.error[0].value
    assert "stronger model in Settings" in page.error[0].value
