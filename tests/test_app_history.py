"""The history page: past sessions with their critiques, progress charts, and deleting data."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from coach.critique import critique
from coach.critique.transcript import parse_plain
from coach.store import Store

APP = str(Path(__file__).resolve().parent.parent / "app.py")
CALL = """Maya: Hi Dana, what made you reach out?
Dana: I'm worried about my books.
Maya: Don't worry about that, everyone says that."""


@pytest.fixture
def history(monkeypatch, fake):
    monkeypatch.setenv("CANDOR_MODEL", "fake/scripted")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("app_pages/history.py")
    return at


def test_an_empty_history_says_so(history):
    history.run()
    assert not history.exception
    assert history.info[0].value.startswith("Nothing here yet")


def test_a_review_shows_with_its_critique_and_charts(history):
    critique(parse_plain(CALL, "Maya"), store=Store(), use_model=False)
    history.run()
    assert not history.exception
    charts = []

    def walk(node):
        if getattr(node, "type", None) == "vega_lite_chart":
            charts.append(node)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(history._tree)
    assert len(charts) == 2
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
