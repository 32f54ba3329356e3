"""The history page: past sessions with their critiques, progress charts, and deleting data."""

import pytest

from coach.critique import critique
from coach.critique.transcript import parse_plain
from coach.store import Store

CALL = """Maya: Hi Dana, what made you reach out?
Dana: I'm worried about my books.
Maya: Don't worry about that, everyone says that."""


@pytest.fixture
def history(open_page):
    return open_page("history", run=False)


def test_an_empty_history_says_so(history):
    history.run()
    assert not history.exception
    assert history.info[0].value.startswith("Nothing here yet")


def test_a_review_shows_with_its_critique_and_charts(history):
    critique(parse_plain(CALL, "Maya"), store=Store(), use_model=False)
    history.run()
    assert not history.exception
    assert len(history.get("vega_lite_chart")) == 2
    assert "review" in history.selectbox[0].options[0]
    assert any(s.value == "Your critique" for s in history.subheader)
    assert any("dismissed concern" in m.value for m in history.markdown)
    history.text_input[0].set_value("no such thing").run()
    assert history.info[0].value == "No session matches that search."


def test_deleting_a_session_and_everything(history):
    for _ in range(2):
        critique(parse_plain(CALL, "Maya"), store=Store(), use_model=False)
    history.run()
    next(b for b in history.button if b.label == "Delete this session").click().run()
    assert not history.exception
    assert len(Store().list_sessions()) == 1 and len(Store().all_reports()) == 1
    next(b for b in history.button if b.label == "Yes, delete everything").click().run()
    assert Store().list_sessions() == [] and Store().all_reports() == []


def test_an_unfinished_call_resumes_from_history(history, fake):
    from coach.config import ModelSettings
    from coach.practice import PracticeSession
    from personas import loader

    dana = loader.persona("dana-bakery-owner")
    fake.default = "Fair question. We're a small bakery. Tell me more?"
    session = PracticeSession.start(
        Store(), dana, loader.scenario_for(dana), ModelSettings("fake/scripted")
    )
    stream = session.send("Who runs payroll for your staff today?")
    next(stream)
    stream.close()  # the process died mid-reply
    history.run()
    assert not history.exception
    assert "never finished" in history.info[0].value
    assert any(c.value.startswith("Cut off") for c in history.caption)
    next(b for b in history.button if b.label == "Resume this call").click().run()
    assert not history.exception
    assert history.title[0].value == "Practice a call"
    said = [m.value for m in history.markdown]
    assert any("payroll" in m for m in said)
    turns = Store().turns_of(session.record.id)
    assert turns[-1].role == "assistant" and turns[-1].status == "complete"
    assert sum(t.role == "user" for t in turns) == 1
