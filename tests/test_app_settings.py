"""The settings page: choose a model, refuse a bad one, show only whether keys are set."""

import pytest


@pytest.fixture
def settings(open_page):
    return open_page("settings")


def test_a_bad_model_string_is_refused_and_the_old_one_kept(settings):
    assert not settings.exception
    settings.text_input[0].set_value("gpt-nonsense-9").run()
    next(b for b in settings.button if b.label == "Use this model").click().run()
    assert not settings.exception
    assert "not a model string litellm understands" in settings.error[0].value
    assert settings.session_state.model_settings.model == "fake/scripted"


def test_a_missing_key_is_named_and_a_good_model_is_taken(settings, monkeypatch):
    settings.text_input[0].set_value("openai/gpt-4o-mini").run()
    next(b for b in settings.button if b.label == "Use this model").click().run()
    assert "OPENAI_API_KEY" in settings.error[0].value
    settings.selectbox[0].set_value("local/smollm2-135m-instruct").run()
    next(b for b in settings.button if b.label == "Use this model").click().run()
    assert settings.session_state.model_settings.model == "local/smollm2-135m-instruct"
    assert "Now using local/smollm2-135m-instruct" in settings.success[0].value
    assert not settings.exception


def test_test_connection_and_key_presence(settings, monkeypatch, fake):
    fake.queue("ok")
    next(b for b in settings.button if b.label == "Test connection").click().run()
    assert "answered 'ok'" in settings.success[0].value
    shown = " ".join(m.value for m in settings.markdown)
    assert "`OPENAI_API_KEY`: not set" in shown
    assert "sk-" not in shown
    assert not settings.exception


def test_personal_rules_carry_over_to_the_review_page(settings):
    settings.text_area[0].set_value("I don't discount more than 10%").run()
    assert settings.session_state.personal_code == ["I don't discount more than 10%"]
    settings.switch_page("app_pages/review.py").run()
    settings.text_area[0].set_value("Maya: Hi.\nDana: Hello.").run()
    assert settings.text_area[1].value == "I don't discount more than 10%"
    assert not settings.exception


def test_fallback_and_redaction_are_settings(settings):
    assert settings.toggle[0].value is True  # redaction is on by default
    settings.text_input[2].set_value("local/smollm2-135m-instruct").run()
    settings.toggle[0].set_value(False).run()
    next(b for b in settings.button if b.label == "Use this model").click().run()
    assert not settings.exception
    chosen = settings.session_state.model_settings
    assert chosen.fallback == "local/smollm2-135m-instruct" and chosen.redact is False


def test_credentials_in_the_api_base_are_never_shown(open_page, monkeypatch):
    base = "http://bob:pw-SENTINEL-123@127.0.0.1:9/v1"
    monkeypatch.setenv("CANDOR_API_BASE", base)
    at = open_page("settings")
    assert not at.exception
    assert at.text_input[1].value == "http://127.0.0.1:9/v1"
    shown = [w.value for w in (*at.text_input, *at.markdown, *at.caption, *at.error)]
    assert not [v for v in shown if "SENTINEL" in str(v)]
    at.toggle[0].set_value(False).run()
    next(b for b in at.button if b.label == "Use this model").click().run()
    assert at.session_state.model_settings.api_base == base  # kept, though never shown
