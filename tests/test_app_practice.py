"""The practice page, driven headless with AppTest against a scripted model."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from coach.store import Store

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def app(monkeypatch, fake):
    monkeypatch.setenv("CANDOR_MODEL", "fake/scripted")
    return AppTest.from_file(APP, default_timeout=120)


def test_a_practice_call_from_start_to_critique(app, fake):
    app.run()
    assert not app.exception
    assert app.title[0].value == "Practice a call"
    names = app.selectbox[0].options
    assert any("Dana Whitfield" in n for n in names) and len(names) >= 12
    box = app.selectbox[0]
    box.set_value(next(c for c in box.options if "Dana Whitfield" in c)).run()
    assert "bakery" in app.markdown[0].value.lower() or any(
        "bakery" in m.value.lower() for m in app.markdown
    )
    app.button[0].click().run()  # Start the call
    assert not app.exception
    assert app.chat_message[0].markdown[0].value.startswith("Hi, sorry, flour")
    fake.queue("It's a spreadsheet and a box of receipts.", "Honestly, payroll is the worst.")
    app.chat_input[0].set_value("How do you track your expenses today?").run()
    app.session_state["personal_code"] = ["I don't discount more than 10%"]
    app.chat_input[0].set_value("This price ends today, so sign now and get 30% off.").run()
    assert not app.exception
    said = [m.markdown[0].value for m in app.chat_message]
    assert "How do you track your expenses today?" in said
    end = next(b for b in app.button if "critique" in b.label)
    end.click().run()
    assert not app.exception
    assert any(s.value == "Your critique" for s in app.subheader)
    assert any("pressure" in m.value for m in app.markdown)
    (session,) = [s for s in Store().list_sessions() if s.kind == "practice"]
    report = Store().latest_report(session.id)
    assert report is not None
    # the rules saved on Settings are checked after a practice call too
    assert [f["kind"] for f in report["flags"]].count("code_breach") == 1


def test_filters_narrow_the_people(app):
    app.run()
    everyone = len(app.selectbox[0].options)
    app.segmented_control[1].set_value("hard").run()
    assert not app.exception
    assert 0 < len(app.selectbox[0].options) < everyone
    assert all("(hard)" in o for o in app.selectbox[0].options)


def test_a_model_error_is_shown_not_raised(monkeypatch):
    monkeypatch.setenv("CANDOR_MODEL", "openai/gpt-4o-mini")
    app = AppTest.from_file(APP, default_timeout=120).run()
    app.button[0].click().run()
    assert not app.exception
    assert "OPENAI_API_KEY" in app.error[0].value
