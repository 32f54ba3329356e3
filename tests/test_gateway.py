"""The model gateway, against a scripted model served through litellm's custom-provider path."""

import asyncio
import socket

import pytest

from coach import llm
from coach.config import ModelSettings
from coach.errors import (
    InputError,
    ModelAuthError,
    ModelNotFoundError,
    ModelUnavailableError,
)

FAKE = ModelSettings("fake/scripted")
HELLO = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}]


def test_stream_yields_pieces_and_fills_the_reply(fake):
    fake.queue("Nice to meet you, Dana.")
    stream = llm.stream_chat(HELLO, FAKE, max_tokens=20, temperature=0.2)
    pieces = list(stream)
    assert len(pieces) > 1
    assert "".join(pieces) == "Nice to meet you, Dana."
    assert stream.reply.text == "Nice to meet you, Dana."
    assert stream.reply.completion_tokens == len(pieces)
    assert stream.reply.prompt_tokens == 7
    assert stream.reply.ttft_s is not None and stream.reply.latency_s >= stream.reply.ttft_s
    assert fake.prompts[-1][-1]["content"] == "Hello"
    assert fake.params[-1]["max_tokens"] == 20 and fake.params[-1]["temperature"] == 0.2


def test_complete_returns_the_full_text(fake):
    fake.queue("One.", "Two.")
    assert llm.complete(HELLO, FAKE).text == "One."
    assert llm.complete(HELLO, FAKE).text == "Two."
    assert len(fake.prompts) == 2


def test_async_stream(fake):
    fake.queue("async works fine")

    async def collect():
        return [p async for p in llm.astream_chat(HELLO, FAKE)]

    assert "".join(asyncio.run(collect())) == "async works fine"


def test_long_conversation_is_trimmed_from_the_middle(fake):
    messages = [{"role": "system", "content": "SYSTEM PROMPT"}]
    for i in range(400):
        messages.append({"role": "user", "content": f"turn {i}: " + "word " * 40})
        messages.append({"role": "assistant", "content": "ok " * 20})
    messages.append({"role": "user", "content": "the latest question"})
    assert llm.count_tokens(messages, FAKE.model) > llm.context_window(FAKE)
    llm.complete(messages, FAKE)
    seen = fake.prompts[-1]
    assert seen[0]["content"] == "SYSTEM PROMPT"
    assert seen[-1]["content"] == "the latest question"
    assert 2 < len(seen) < len(messages)
    assert llm.count_tokens(seen, FAKE.model) <= llm.context_window(FAKE)


def test_count_tokens_grows_with_text():
    short = llm.count_tokens([{"role": "user", "content": "hi"}])
    long = llm.count_tokens([{"role": "user", "content": "hi " * 100}])
    assert 0 < short < long


def test_unknown_model_string_names_the_setting():
    with pytest.raises(ModelNotFoundError, match="CANDOR_MODEL='gpt-nonsense-9'"):
        llm.complete(HELLO, ModelSettings("gpt-nonsense-9"))


def test_unknown_builtin_model_lists_the_known_ones():
    with pytest.raises(ModelNotFoundError, match="local/smollm2-135m-instruct"):
        llm.complete(HELLO, ModelSettings("local/llama-99b"))


def test_missing_key_names_the_env_var_without_a_network_call(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("network used")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    with pytest.raises(ModelAuthError, match="OPENAI_API_KEY"):
        llm.complete(HELLO, ModelSettings("openai/gpt-4o-mini"))
    with pytest.raises(ModelAuthError, match="ANTHROPIC_API_KEY"):
        llm.complete(HELLO, ModelSettings("anthropic/claude-3-5-haiku-latest"))


@pytest.mark.scripted_server
def test_unreachable_api_base_is_reported_as_unavailable():
    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = ModelSettings("openai/served-model", f"http://127.0.0.1:{port}/v1")
    with pytest.raises(ModelUnavailableError, match="CANDOR_API_BASE"):
        llm.complete(HELLO, settings, num_retries=0, max_retries=0, timeout=5)


def test_candor_errors_raised_by_a_provider_come_out_unchanged(fake):
    fake.fail_with = InputError("bad card field 'name'")
    with pytest.raises(InputError, match="bad card field 'name'"):
        llm.complete(HELLO, FAKE)


def test_unit_tests_cannot_reach_a_real_model_by_accident(fake, monkeypatch):
    from coach.llm import runtime
    from coach.llm.guard import ModelRequestBlocked

    loaded = []
    monkeypatch.setattr(runtime, "load", lambda *a, **k: loaded.append(a))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")  # so only the switch stops it
    message = [{"role": "user", "content": "hi"}]
    for model in ("local/qwen2.5-1.5b-instruct", "openai/gpt-4o-mini"):
        with pytest.raises(ModelRequestBlocked, match="CANDOR_ALLOW_MODEL_REQUESTS=0"):
            llm.complete(message, ModelSettings(model))
    with pytest.raises(ModelRequestBlocked):
        llm.prepare(ModelSettings("local/smollm2-135m-instruct"))
    assert loaded == []
    fake.queue("still here")
    assert llm.complete(message, ModelSettings("fake/x")).text == "still here"
    # not a CandorError: the product's own error handling cannot swallow it
    from coach.errors import CandorError

    assert not issubclass(ModelRequestBlocked, CandorError)
