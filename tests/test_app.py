"""The Streamlit app, driven headless with AppTest against a scripted model."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from coach.store import Store

APP = str(Path(__file__).resolve().parent.parent / "app.py")


class ChatPage:
    """The app opened on its chat page."""

    def __init__(self) -> None:
        self.at = AppTest.from_file(APP, default_timeout=60)
        self.opened = False

    def run(self) -> AppTest:
        if not self.opened:
            self.at.run()
            self.at.switch_page("app_pages/chat.py")
            self.opened = True
        return self.at.run()

    def __getattr__(self, name):
        return getattr(self.at, name)


@pytest.fixture
def app(monkeypatch):
    monkeypatch.setenv("CANDOR_MODEL", "fake/scripted")
    return ChatPage()


def test_page_names_the_active_model(app, fake):
    app.run()
    assert not app.exception
    assert "fake/scripted" in app.caption[0].value
    assert len(app.chat_input) == 1


def test_chat_streams_a_reply_and_stores_the_turns(app, fake):
    fake.queue("Glad you asked. What does your team need?", "Thursday works.")
    app.run()
    app.chat_input[0].set_value("I sell bookkeeping to small shops.").run()
    assert not app.exception
    texts = [m.markdown[0].value for m in app.chat_message]
    assert texts == [
        "I sell bookkeeping to small shops.",
        "Glad you asked. What does your team need?",
    ]
    app.chat_input[0].set_value("Can we meet Thursday?").run()
    assert [m.markdown[0].value for m in app.chat_message][-2:] == [
        "Can we meet Thursday?",
        "Thursday works.",
    ]
    (session,) = Store().list_sessions()
    assert [t.text for t in Store().turns_of(session.id)] == [
        "I sell bookkeeping to small shops.",
        "Glad you asked. What does your team need?",
        "Can we meet Thursday?",
        "Thursday works.",
    ]


def test_new_chat_button_starts_over(app, fake):
    fake.queue("first", "second")
    app.run()
    app.chat_input[0].set_value("hello").run()
    app.sidebar.button[0].click().run()
    assert len(app.chat_message) == 0
    app.chat_input[0].set_value("again").run()
    assert not app.exception
    assert len(Store().list_sessions()) == 2


def test_model_errors_are_shown_not_raised(monkeypatch):
    monkeypatch.setenv("CANDOR_MODEL", "openai/gpt-4o-mini")
    app = ChatPage()
    app.run()
    assert not app.exception
    assert "OPENAI_API_KEY" in app.error[0].value
    assert "Traceback" not in app.error[0].value


def test_a_failing_reply_keeps_the_message(app, fake):
    import litellm

    fake.fail_with = litellm.RateLimitError(message="slow down", llm_provider="fake", model="x")
    app.run()
    app.chat_input[0].set_value("Are you still there?").run()
    assert not app.exception
    assert "rate-limited" in app.error[0].value
    assert "saved" in app.error[0].value
    (session,) = Store().list_sessions()
    assert [t.text for t in Store().turns_of(session.id)] == ["Are you still there?"]
    # The message is not lost, and one click asks again without storing it twice.
    app.run()
    assert "no complete reply" in app.warning[0].value
    fake.fail_with = None
    fake.queue("Yes, still here.")
    next(b for b in app.button if b.label == "Send it again").click().run()
    assert not app.exception and not app.warning
    assert [t.text for t in Store().turns_of(session.id)] == [
        "Are you still there?",
        "Yes, still here.",
    ]


def test_keys_from_streamlit_secrets_are_used(monkeypatch):
    monkeypatch.setenv("CANDOR_MODEL", "openai/gpt-4o-mini")
    monkeypatch.setenv("OPENAI_API_KEY", "")  # restored (to unset) after the test
    app = ChatPage()
    app.at.secrets["OPENAI_API_KEY"] = "sk-from-secrets"
    app.run()
    assert not app.exception
    assert not app.error  # the key was found, so the model check passed
    assert "openai/gpt-4o-mini" in app.caption[0].value
