"""The built-in models, for real, through litellm's `local` provider.

SmolLM2 (135M) checks the plumbing: sync, streaming, async, prefix reuse, offline. One test on
the default Qwen model checks that it answers coherently.
"""

import asyncio

import litellm
import pytest

from coach import llm  # noqa: F401  (registers the local provider)
from coach.config import ModelSettings
from coach.llm import builtin, runtime
from tests.offline import run_offline

pytestmark = pytest.mark.integration

HI = [{"role": "user", "content": "Say hello to Maya."}]


def test_completion(smollm2):
    response = litellm.completion(model=smollm2, messages=HI, max_tokens=16, temperature=0)
    text = response.choices[0].message.content
    assert isinstance(text, str) and text.strip()
    assert 0 < response.usage.completion_tokens <= 16
    assert response.usage.prompt_tokens > 5


def test_streaming(smollm2):
    chunks = litellm.completion(model=smollm2, messages=HI, max_tokens=16, stream=True)
    pieces = [
        c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content
    ]
    assert len(pieces) > 1
    assert "".join(pieces).strip()


def test_async_completion_and_streaming(smollm2):
    async def both():
        full = await litellm.acompletion(model=smollm2, messages=HI, max_tokens=8)
        stream = await litellm.acompletion(model=smollm2, messages=HI, max_tokens=8, stream=True)
        pieces = [
            c.choices[0].delta.content
            async for c in stream
            if c.choices and c.choices[0].delta.content
        ]
        return full.choices[0].message.content, pieces

    text, pieces = asyncio.run(both())
    assert text.strip() and len(pieces) > 1


def test_max_tokens_and_stop_are_honoured(smollm2):
    reply = llm.complete(
        [{"role": "user", "content": "Count from 1 to 50, separated by commas."}],
        ModelSettings(smollm2),
        max_tokens=6,
        temperature=0,
    )
    assert reply.completion_tokens <= 6
    assert reply.finish_reason == "length"
    stopped = llm.complete(
        [{"role": "user", "content": "Count from 1 to 50, separated by commas."}],
        ModelSettings(smollm2),
        max_tokens=60,
        temperature=0,
        stop=["5"],
    )
    assert "5" not in stopped.text


def test_a_growing_conversation_only_evaluates_its_new_tokens(smollm2, monkeypatch):
    """The prompt prefix stays stable between turns, so llama.cpp reuses its KV cache."""
    loaded = runtime.load(builtin.SMOLLM2)
    evaluated = []
    original = loaded.llama.eval
    monkeypatch.setattr(
        loaded.llama, "eval", lambda toks: (evaluated.append(len(toks)), original(toks))[1]
    )
    settings = ModelSettings(smollm2)
    messages = [{"role": "system", "content": "You are a buyer for a bakery. " * 20}]
    prompt_sizes, new_tokens = [], []
    for question in ["What do you sell?", "How much is it?", "Who else uses it?"]:
        messages.append({"role": "user", "content": question})
        evaluated.clear()
        reply = llm.complete(messages, settings, max_tokens=12, temperature=0)
        messages.append({"role": "assistant", "content": reply.text})
        prompt_sizes.append(reply.prompt_tokens)
        new_tokens.append(evaluated[0])  # the first eval is the prompt suffix not in cache
    assert prompt_sizes[2] > 150
    # after the first turn, only the new user turn (plus chat markup) is evaluated
    assert new_tokens[1] < 40 and new_tokens[2] < 40
    assert new_tokens[0] > 150


def test_no_network_is_used(smollm2):
    """Import litellm and run a completion with every socket connection refused."""
    run_offline(
        f"""
        from coach import llm
        from coach.config import ModelSettings
        reply = llm.complete([{{"role": "user", "content": "Hi"}}],
                             ModelSettings("{smollm2}"), max_tokens=5)
        assert reply.text.strip(), "no reply"
        """,
        drop_env=("LITELLM_LOCAL_MODEL_COST_MAP",),
    )


@pytest.mark.qwen
def test_default_qwen_model_answers_coherently():
    assert builtin.QWEN.model_string == ModelSettings.from_env().model
    reply = llm.complete(
        [{"role": "user", "content": "Reply with the single word: yes"}],
        ModelSettings(),
        max_tokens=8,
        temperature=0,
    )
    assert "yes" in reply.text.lower()
    assert reply.completion_tokens <= 8


@pytest.mark.qwen
def test_qwen_chat_through_the_cli_stores_a_real_reply():
    from click.testing import CliRunner

    from coach.cli import cli
    from coach.store import Store

    result = CliRunner().invoke(
        cli,
        [
            "chat",
            "--max-tokens",
            "20",
            "--once",
            "What is the capital of France? Answer in one word.",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    assert "paris" in result.output.lower()
    (session,) = Store().list_sessions()
    reply = Store().turns_of(session.id)[1]
    assert reply.model == "local/qwen2.5-1.5b-instruct" and reply.completion_tokens > 0
