"""Optional login: with [auth] in the secrets, everyone signs in and sees only her own data."""

import pytest
from streamlit.testing.v1 import AppTest

from coach.critique import critique
from coach.critique.transcript import parse_plain
from coach.store import Store
from tests.conftest import ROOT

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "not-a-real-secret-for-tests",
    "client_id": "candor-test",
    "client_secret": "not-a-real-secret-either",
    "server_metadata_url": "https://accounts.example.com/.well-known/openid-configuration",
}


@pytest.fixture
def app(monkeypatch, fake):
    monkeypatch.setenv("CANDOR_MODEL", "fake/scripted")

    def opener(user: dict) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.secrets["auth"] = AUTH
        at.user = user
        return at

    return opener


def test_signed_out_visitors_see_only_the_sign_in_button(app):
    at = app({"is_logged_in": False}).run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.chat_input and not at.selectbox


def test_each_user_sees_only_her_own_history(app):
    alice = {"is_logged_in": True, "sub": "alice-123", "email": "alice@example.com"}
    bob = {"is_logged_in": True, "sub": "bob-456", "email": "bob@example.com"}
    call = "Maya: What made you reach out?\nDana: The books.\nMaya: Sign today, it ends tonight."
    critique(parse_plain(call, "Maya"), store=Store().for_user("alice-123"), use_model=False)

    at = app(alice)
    at.run()
    at.switch_page("app_pages/history.py").run()
    assert not at.exception
    assert "review" in at.selectbox[0].options[0]
    assert any("Signed in as alice@example.com" in c.value for c in at.sidebar.caption)

    at = app(bob)
    at.run()
    at.switch_page("app_pages/history.py").run()
    assert not at.exception
    assert at.info[0].value.startswith("Nothing here yet")
    assert Store().list_sessions() == []  # and nothing was filed under the local user
