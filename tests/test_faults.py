"""Faults from model providers, against a real OpenAI-compatible HTTP server on 127.0.0.1.

litellm talks to :class:`tests.fault_server.FaultServer` as ``openai/<model>`` with an
``api_base``, exactly as it would to vLLM or a hosted provider, and the server injects each
fault on demand. Nothing is mocked. For every fault the tests check what the user ends up with:
the reply (after retries, or from the fallback model), or a clear :class:`CandorError` that
names the model and the fault and holds no key; the user's turn always stored; a reply that
broke off stored as incomplete, never as complete; and sending again working afterwards.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import traceback
import urllib.request
from collections.abc import Iterator

import pytest

from coach import llm
from coach.chat import ChatSession
from coach.config import ModelSettings
from coach.errors import (
    CandorError,
    ConfigError,
    InputError,
    ModelAuthError,
    ModelUnavailableError,
)
from coach.store import Store
from tests.fault_server import BAD_JSON, MODES, FaultServer

pytestmark = pytest.mark.scripted_server

FAULTS = [mode for mode in MODES if mode not in {"ok", "slow"}]
"""Every fault the server injects and this file tests."""

OUTCOMES: dict[str, str] = {
    # retried with backoff before any text, then answered; when it persists, a clear error
    # (and the fallback model answers, if one is set)
    "timeout": "retried",
    "429": "retried",
    "500": "retried",
    "502": "retried",
    "503": "retried",
    # never retried (text was already shown): the partial reply is stored as incomplete,
    # the error says it broke off, and resend() asks again
    "drop": "incomplete",
    "truncated": "incomplete",
    # not retried: a clear error naming the model (the fallback answers, if one is set)
    "malformed": "error",
    "empty": "error",
    # the reply arrives but its JSON does not parse: the builder retries once, then a clear
    # error; the claim judge retries once, then guesses nothing
    "bad_json": "error",
    # a setting to fix: not retried, no fallback, and the echoed key is scrubbed
    "401": "error",
}
"""What the user gets for each fault. No fault loses the user's turn or leaks a key."""

LOST_TURNS = 0
LEAKED_KEYS = 0

KEY = "cand0r-test-key-7f3a9b2c1d5e"
"""The API key the client presents: not shaped like a known key, so only the environment
scrub (not the pattern redaction) can keep it out of messages."""

USER_TEXT = "Can you tell me what the onboarding looks like?"
FAILING = ["timeout", "429", "500", "502", "503"]
NAMED = {
    "timeout": "timed out",
    "429": "rate-limited (HTTP 429)",
    "500": "HTTP 500",
    "502": "HTTP 502",
    "503": "HTTP 503",
    "drop": "broke off after",
    "truncated": "broke off after",
    "malformed": "malformed reply",
    "empty": "empty reply",
    "401": "refused the API key",
}


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultServer]:
    """The fault server, and settings that keep the tests fast: short backoff and timeout."""
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("CANDOR_RETRY_BASE", "0.01")
    monkeypatch.setenv("CANDOR_TIMEOUT", "3")
    with FaultServer(slow_s=10) as fault:
        yield fault


def settings_for(server: FaultServer, model: str = "candor-test", **kw: object) -> ModelSettings:
    return ModelSettings(f"openai/{model}", server.api_base, **kw)


def stored(session: ChatSession) -> list[tuple[str, str, str]]:
    return [(t.role, t.status, t.text) for t in Store().turns_of(session.record.id)]


def fails(session: ChatSession, *, resend: bool = False) -> CandorError:
    """Send USER_TEXT (or resend) and return the error it raises."""
    with pytest.raises(CandorError) as caught:
        "".join(session.resend() if resend else session.send(USER_TEXT))
    return caught.value


def assert_clean(message: str, model: str) -> None:
    assert model in message
    assert KEY not in message and "Traceback" not in message


def test_the_fault_list_is_complete():
    assert set(OUTCOMES) == set(FAULTS) and set(FAULTS) <= set(MODES)
    assert sorted(set(OUTCOMES.values())) == ["error", "incomplete", "retried"]


def test_the_server_speaks_the_openai_api(server):
    with urllib.request.urlopen(server.api_base + "/models", timeout=5) as response:
        models = json.load(response)
    assert "fault-503" in {m["id"] for m in models["data"]}
    reply = llm.complete([{"role": "user", "content": "hello there"}], settings_for(server))
    assert reply.text == "You said: hello there"
    assert reply.model == "openai/candor-test" and reply.completion_tokens == 4
    assert reply.finish_reason == "stop" and reply.attempts == 1 and not reply.fell_back
    (request,) = server.chat_requests
    assert request.body["stream"] is True and request.headers["authorization"] == "Bearer ***"
    # and without streaming: one JSON body
    body = json.dumps({"model": "x", "messages": [{"role": "user", "content": "hi"}]}).encode()
    post = urllib.request.Request(server.api_base + "/chat/completions", body, method="POST")
    with urllib.request.urlopen(post, timeout=5) as response:
        data = json.load(response)
    assert data["choices"][0]["message"]["content"] == "You said: hi"


# transient faults: retried before any text


@pytest.mark.parametrize("fault", FAILING)
def test_a_transient_fault_is_retried_then_answered(server, monkeypatch, fault):
    if fault == "timeout":
        monkeypatch.setenv("CANDOR_TIMEOUT", "1.5")
    server.script(fault, "ok")
    session = ChatSession.start(Store(), settings_for(server))
    reply = "".join(session.send(USER_TEXT))
    assert reply == f"You said: {USER_TEXT}"
    assert [r.mode for r in server.chat_requests] == [fault, "ok"]
    assert stored(session) == [("user", "complete", USER_TEXT), ("assistant", "complete", reply)]
    assert Store().turns_of(session.record.id)[1].events == {"attempts": 2}


def test_retries_back_off_and_stop_after_candor_retries(server, monkeypatch):
    server.script("500", "502", "503", "ok")
    monkeypatch.setenv("CANDOR_RETRIES", "3")
    reply = llm.complete([{"role": "user", "content": "hi"}], settings_for(server))
    assert reply.attempts == 4 and reply.text == "You said: hi"
    monkeypatch.setenv("CANDOR_RETRIES", "0")
    server.script("500", "ok")
    with pytest.raises(ModelUnavailableError, match="HTTP 500"):
        llm.complete([{"role": "user", "content": "hi"}], settings_for(server))
    assert len(server.chat_requests) == 5


def test_retry_after_is_honoured_and_a_long_one_is_not_waited_for(server):
    server.retry_after_ms = 400
    server.script("429", "ok")
    started = time.perf_counter()
    assert llm.complete([{"role": "user", "content": "hi"}], settings_for(server)).attempts == 2
    assert time.perf_counter() - started >= 0.4
    server.retry_after_ms = 120_000  # two minutes: say so now rather than hang
    server.script("429", "ok")
    with pytest.raises(ModelUnavailableError, match="rate-limited"):
        llm.complete([{"role": "user", "content": "hi"}], settings_for(server))
    assert len(server.chat_requests) == 3


@pytest.mark.parametrize("fault", FAILING)
def test_a_fault_that_persists_is_a_clear_error_and_the_turn_is_kept(server, monkeypatch, fault):
    if fault == "timeout":
        monkeypatch.setenv("CANDOR_TIMEOUT", "0.5")
    settings = settings_for(server, f"fault-{fault}")
    session = ChatSession.start(Store(), settings)
    error = fails(session)
    assert isinstance(error, ModelUnavailableError)
    assert_clean(str(error), "openai/fault-" + fault)
    assert NAMED[fault] in str(error) and "tried 3 times" in str(error)
    if fault == "timeout":
        assert "CANDOR_TIMEOUT" in str(error)
    assert len(server.chat_requests) == 3  # the first call and CANDOR_RETRIES=2 retries
    assert stored(session) == [("user", "complete", USER_TEXT)]
    # the session stays open: send it again once the provider is back
    server.script("ok")
    assert "".join(session.resend()) == f"You said: {USER_TEXT}"
    assert stored(session) == [
        ("user", "complete", USER_TEXT),
        ("assistant", "complete", f"You said: {USER_TEXT}"),
    ]
    with pytest.raises(InputError, match="nothing to send again"):
        session.resend()


def test_an_unreachable_server_is_retried_then_reported(monkeypatch):
    import socket

    monkeypatch.setenv("CANDOR_RETRY_BASE", "0.01")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = ModelSettings("openai/gone", f"http://127.0.0.1:{port}/v1")
    session = ChatSession.start(Store(), settings)
    error = fails(session)
    assert isinstance(error, ModelUnavailableError)
    assert "Could not reach" in str(error) and "CANDOR_API_BASE" in str(error)
    assert "tried 3 times" in str(error)
    assert stored(session) == [("user", "complete", USER_TEXT)]


# a stream that breaks: never retried after text, kept as incomplete


@pytest.mark.parametrize("fault", ["drop", "truncated"])
def test_a_broken_stream_is_kept_as_incomplete_and_can_be_sent_again(server, fault):
    server.script(fault)
    session = ChatSession.start(Store(), settings_for(server))
    shown: list[str] = []
    with pytest.raises(ModelUnavailableError) as caught:
        for piece in session.send(USER_TEXT):
            shown.append(piece)
    assert "".join(shown) == "You said: Can "
    assert_clean(str(caught.value), "openai/candor-test")
    assert NAMED[fault] in str(caught.value)
    assert len(server.chat_requests) == 1  # text was shown: re-sending would repeat it
    assert stored(session) == [
        ("user", "complete", USER_TEXT),
        ("assistant", "incomplete", "You said: Can "),
    ]
    # resend: the partial reply stays, marked, and is not put in the model's mouth
    server.text = "The onboarding takes two weeks."
    assert "".join(session.resend()) == "The onboarding takes two weeks."
    sent = server.chat_requests[-1].messages
    assert sent[-1] == {"role": "user", "content": USER_TEXT}
    assert all(m["role"] != "assistant" for m in sent)
    assert stored(session) == [
        ("user", "complete", USER_TEXT),
        ("assistant", "incomplete", "You said: Can "),
        ("assistant", "complete", "The onboarding takes two weeks."),
    ]
    resumed = ChatSession.resume(Store(), session.record.id, session.settings)
    assert [m["role"] for m in resumed.messages()] == ["system", "user", "assistant"]


def test_a_stream_without_a_finish_reason_is_broken_for_any_provider():
    """litellm itself refuses an OpenAI stream that ends early (``truncated`` above), and fills
    in a finish reason for others; the gateway still tells them apart."""
    from litellm import CustomLLM
    from litellm.types.utils import GenericStreamingChunk

    class Cut(CustomLLM):
        def streaming(self, *args, **kwargs):  # type: ignore[override]
            for word in ["Half ", "a ", "reply"]:
                yield GenericStreamingChunk(
                    text=word, is_finished=False, finish_reason="", usage=None, index=0,
                    tool_use=None,
                )  # fmt: skip

    llm.register_provider("cut", Cut())
    try:
        session = ChatSession.start(Store(), ModelSettings("cut/x"))
        error = fails(session)
    finally:
        llm.unregister_provider("cut")
    assert "broke off after 12 characters" in str(error) and "'cut/x'" in str(error)
    assert stored(session) == [
        ("user", "complete", USER_TEXT),
        ("assistant", "incomplete", "Half a reply"),
    ]


def test_a_broken_stream_never_falls_back_after_text(server):
    server.script("drop")
    settings = settings_for(server, fallback="local/smollm2-135m-instruct")
    session = ChatSession.start(Store(), settings)
    error = fails(session)
    assert "broke off after" in str(error)
    assert [t.status for t in Store().turns_of(session.record.id)] == ["complete", "incomplete"]
    assert Store().turns_of(session.record.id)[1].model == "openai/candor-test"


# output that cannot be used


@pytest.mark.parametrize("fault", ["malformed", "empty"])
def test_unusable_output_is_a_clear_error_not_an_empty_reply(server, fault):
    server.script(fault)
    session = ChatSession.start(Store(), settings_for(server))
    error = fails(session)
    assert isinstance(error, ModelUnavailableError)
    assert_clean(str(error), "openai/candor-test")
    assert NAMED[fault] in str(error)
    assert len(server.chat_requests) == 1  # the server answered; asking again is the user's call
    assert stored(session) == [("user", "complete", USER_TEXT)]
    assert "".join(session.resend()) == f"You said: {USER_TEXT}"


def test_json_that_does_not_parse_is_a_clear_error_from_the_persona_builder(server):
    from coach import persona_builder

    server.script("bad_json", "bad_json")
    settings = settings_for(server)
    with pytest.raises(InputError) as caught:
        persona_builder.draft("# Sourdough classes\n\nWeekend baking.", "", "sales", settings)
    message = str(caught.value)
    assert "could not draft a valid card" in message and "openai/candor-test" in message
    assert KEY not in message
    assert len(server.chat_requests) == 2  # retried once, with the parse error
    assert "Fix these problems" in server.chat_requests[1].text


def test_json_that_does_not_parse_is_never_guessed_from_by_the_claim_judge(server):
    from coach.critique.analyze import CallReading
    from coach.critique.judge import contradicted_claims
    from coach.critique.transcript import parse_plain

    t = parse_plain(
        "Lena: When would it be ready?\nMaya: You'll have it all back within two days, "
        "I promise.\nLena: Great.\nMaya: I have done this for ten years.",
        "Maya",
    )
    t = CallReading.of(t)
    server.text = '{"verdict": "supported", "reason": "fine"}'
    assert contradicted_claims(t, "Delivery within 8 weeks.", set(), settings_for(server)) == []
    assert len(server.chat_requests) == 2  # two claims, each read at the first try
    server.reset()
    bad = settings_for(server, "fault-bad_json")
    found = contradicted_claims(t, "Delivery within 8 weeks.", set(), bad)
    assert found == [] and len(server.chat_requests) == 4  # one retry per claim, no guess
    assert all(r.mode == "bad_json" for r in server.chat_requests)
    server.reset()
    down = settings_for(server, "fault-503")
    assert contradicted_claims(t, "Delivery within 8 weeks.", set(), down) == []
    assert len(server.chat_requests) == 3  # gave up after the first claim's retries


def test_bad_json_mode_streams_unparseable_json(server):
    reply = llm.complete([{"role": "user", "content": "JSON please"}], settings_for(server))
    assert reply.text.startswith("You said")
    server.script("bad_json")
    text = llm.complete([{"role": "user", "content": "JSON please"}], settings_for(server)).text
    assert text == BAD_JSON
    with pytest.raises(ValueError):
        json.loads(text)


# keys and secrets


def test_a_refused_key_is_not_retried_and_never_shown(server):
    settings = settings_for(server, "fault-401", fallback="local/smollm2-135m-instruct")
    session = ChatSession.start(Store(), settings)
    error = fails(session)
    assert isinstance(error, ModelAuthError)
    assert_clean(str(error), "openai/fault-401")
    assert NAMED["401"] in str(error) and "[redacted key]" in str(error)
    assert len(server.chat_requests) == 1  # a setting to fix: no retry, no fallback
    assert stored(session) == [("user", "complete", USER_TEXT)]
    rows = [t.__dict__ for t in Store().turns_of(session.record.id)]
    assert KEY not in json.dumps(rows, default=str)


def test_a_provider_shaped_key_is_scrubbed_too(server, monkeypatch):
    key = "sk-proj-" + "Zx9" * 12
    monkeypatch.setenv("OPENAI_API_KEY", key)
    with pytest.raises(ModelAuthError) as caught:
        llm.complete([{"role": "user", "content": "hi"}], settings_for(server, "fault-401"))
    assert key not in str(caught.value) and key[:20] not in str(caught.value)


def test_credentials_in_the_api_base_are_not_shown_or_stored(server):
    base = server.api_base.replace("http://", "http://bob:s3cret-pass-42@")
    settings = ModelSettings("openai/fault-503", base)
    session = ChatSession.start(Store(), settings)
    error = fails(session)
    assert "s3cret-pass-42" not in str(error) and "fault-503" in str(error)
    assert "s3cret-pass-42" not in (Store().session(session.record.id).api_base or "")
    # a 401 echoes what it was given: here HTTP Basic, the base64 of "bob:s3cret-pass-42"
    basic = base64.b64encode(b"bob:s3cret-pass-42").decode()
    with pytest.raises(ModelAuthError) as caught:
        llm.complete([{"role": "user", "content": "hi"}], ModelSettings("openai/fault-401", base))
    assert server.chat_requests[-1].headers["authorization"] == "Basic ***"
    assert basic not in str(caught.value) and "[redacted key]" in str(caught.value)


def test_the_error_carries_no_raw_provider_error_that_quotes_the_key(server):
    with pytest.raises(ModelAuthError) as caught:
        llm.complete([{"role": "user", "content": "hi"}], settings_for(server, "fault-401"))
    assert KEY not in "".join(traceback.format_exception(caught.value))


TRANSCRIPT = """Paste from yesterday's call:
Maya: Our staging key is sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234, use that.
Dana: And the admin login?
Maya: user dana, password: Hunter22-bakery
Dana: Thanks."""


def test_secrets_in_a_pasted_transcript_are_redacted_before_they_leave(server):
    session = ChatSession.start(Store(), settings_for(server))
    "".join(session.send(TRANSCRIPT))
    sent = server.chat_requests[-1].text
    assert "sk-proj-AbCdEfGh" not in sent and "Hunter22-bakery" not in sent
    assert "[redacted API key]" in sent and "password: [redacted secret]" in sent
    assert "Dana: And the admin login?" in sent  # the rest goes as it was
    assert Store().turns_of(session.record.id)[1].events == {"redacted": 2}
    # the user's own copy is kept as she wrote it
    assert Store().turns_of(session.record.id)[0].text == TRANSCRIPT


def test_redaction_can_be_turned_off(server, monkeypatch):
    monkeypatch.setenv("CANDOR_REDACT", "0")
    settings = ModelSettings.from_env("openai/candor-test", server.api_base)
    assert settings.redact is False
    reply = llm.complete([{"role": "user", "content": TRANSCRIPT}], settings)
    sent = server.chat_requests[-1].text
    assert "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234" in sent and "Hunter22-bakery" in sent
    assert reply.redacted == 0


def test_an_in_process_model_gets_the_text_verbatim(fake):
    reply = llm.complete([{"role": "user", "content": TRANSCRIPT}], ModelSettings("fake/x"))
    assert fake.prompts[-1][-1]["content"] == TRANSCRIPT and reply.redacted == 0


# the built-in models are not retried


def test_an_in_process_model_is_not_retried(fake):
    import litellm

    fake.fail_with = litellm.RateLimitError(message="slow down", llm_provider="fake", model="x")
    settings = ModelSettings("fake/x", fallback="local/smollm2-135m-instruct")
    with pytest.raises(ModelUnavailableError, match="rate-limited"):
        llm.complete([{"role": "user", "content": "hi"}], settings)
    assert len(fake.prompts) == 1


def test_bad_fault_settings_name_the_variable(server, monkeypatch):
    monkeypatch.setenv("CANDOR_TIMEOUT", "soon")
    with pytest.raises(ConfigError, match="CANDOR_TIMEOUT='soon'"):
        llm.complete([{"role": "user", "content": "hi"}], settings_for(server))
    monkeypatch.setenv("CANDOR_TIMEOUT", "3")
    monkeypatch.setenv("CANDOR_RETRIES", "-1")
    with pytest.raises(ConfigError, match="CANDOR_RETRIES"):
        llm.complete([{"role": "user", "content": "hi"}], settings_for(server))


def test_the_async_stream_is_retried_the_same_way(server):
    server.script("503", "ok")

    async def collect() -> str:
        pieces = llm.astream_chat([{"role": "user", "content": "hi async"}], settings_for(server))
        return "".join([p async for p in pieces])

    assert asyncio.run(collect()) == "You said: hi async"
    assert [r.mode for r in server.chat_requests] == ["503", "ok"]


# fallback to the built-in model


@pytest.mark.integration
@pytest.mark.parametrize("fault", ["503", "malformed", "empty"])
def test_the_fallback_model_answers_when_the_primary_keeps_failing(server, smollm2, fault):
    settings = settings_for(server, f"fault-{fault}", fallback=smollm2)
    if fault != "503":
        stream = llm.stream_chat([{"role": "user", "content": "Say hi."}], settings, max_tokens=6)
        assert "".join(stream).strip() and stream.reply is not None
        assert stream.reply.model == smollm2 and stream.reply.fell_back
        assert NAMED[fault] in (stream.reply.fallback_reason or "")
        assert len(server.chat_requests) == 1  # not retried, replaced
        return
    # through a chat session: the stored reply names the model that answered, and why
    session = ChatSession.start(Store(), settings)
    reply = "".join(session.send(USER_TEXT, max_tokens=8))
    assert len(server.chat_requests) == 3  # retried first
    turns = Store().turns_of(session.record.id)
    assert [(t.role, t.status) for t in turns] == [("user", "complete"), ("assistant", "complete")]
    assert turns[1].text == reply and reply.strip() and turns[1].model == smollm2
    fallback = turns[1].events["fallback"]
    assert fallback["from"] == "openai/fault-503" and "HTTP 503" in fallback["reason"]


# a practice call


@pytest.mark.parametrize("fault", ["500", "401"])
def test_a_practice_call_keeps_every_turn_and_her_authored_line(server, fault):
    from coach.practice import PracticeSession
    from personas import loader

    dana = loader.persona("dana-bakery-owner")
    settings = settings_for(server, f"fault-{fault}")
    session = PracticeSession.start(Store(), dana, loader.scenario_for(dana), settings)
    lines = ["Hi Dana, thanks for making time.", "How do you handle the books today?"]
    replies = ["".join(session.send(line)) for line in lines]
    turns = Store().turns_of(session.record.id)
    assert [t.role for t in turns] == ["assistant", "user", "assistant", "user", "assistant"]
    assert [turns[1].text, turns[3].text] == lines
    for turn, reply in zip([turns[2], turns[4]], replies, strict=True):
        assert turn.text == reply and reply.strip()
        assert turn.events["fallback"] is True and turn.events["attempts"] == 2
        problems = turn.events["problems"]
        assert len(problems) == 2 and all(p.startswith("model_error: ") for p in problems)
        assert all(f"openai/fault-{fault}" in p and NAMED[fault] in p for p in problems)
    per_turn = 2 * (3 if fault == "500" else 1)  # two voice attempts, each with its retries
    assert len(server.chat_requests) == 2 * per_turn
    assert KEY not in json.dumps([t.events for t in turns])
