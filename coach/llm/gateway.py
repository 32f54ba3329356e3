"""The one place where Candor talks to models.

Every model call goes through litellm, here: the built-in models are the ``local`` custom
provider, and any other litellm model string (``openai/…``, ``anthropic/…``, ``ollama/…``, or
``openai/…`` with an API base for vLLM or a llama.cpp server) works the same way. Errors from
providers are turned into :mod:`coach.errors` types whose messages name the setting to change.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from coach import offline

offline.apply()  # before litellm is imported, whoever imports this module first

import litellm  # noqa: E402
from litellm import CustomLLM  # noqa: E402

from coach.config import ModelSettings  # noqa: E402
from coach.errors import (  # noqa: E402
    CandorError,
    ModelAuthError,
    ModelError,
    ModelNotFoundError,
    ModelUnavailableError,
)
from coach.llm import builtin, runtime  # noqa: E402
from coach.llm.context import Message, trim_middle  # noqa: E402
from coach.llm.provider import LocalProvider, text_of  # noqa: E402
from coach.llm.weights import Progress  # noqa: E402

litellm.telemetry = False
litellm.suppress_debug_info = True
# litellm hands every streamed chunk to a logging thread; with no callbacks configured that is
# pure overhead, and the thread competes with llama.cpp for the CPU.
litellm.disable_streaming_logging = True

DEFAULT_CONTEXT = 8192
"""Context window assumed for a model litellm knows nothing about."""

CONTEXT_MARGIN = 0.85
"""Share of the window we fill: our token counts come from a generic tokenizer, not the model's."""


def register_provider(name: str, handler: CustomLLM) -> None:
    """Serve ``name/<model>`` model strings with ``handler`` (replacing any earlier one)."""
    unregister_provider(name)
    litellm.custom_provider_map.append({"provider": name, "custom_handler": handler})
    litellm.utils.custom_llm_setup()


def unregister_provider(name: str) -> None:
    """Stop serving ``name/<model>`` model strings."""
    litellm.custom_provider_map[:] = [
        p for p in litellm.custom_provider_map if p["provider"] != name
    ]


register_provider(builtin.PROVIDER, LocalProvider())


def provider_of(settings: ModelSettings) -> str:
    """The litellm provider of the model string, or a :class:`ModelNotFoundError`."""
    try:
        _, provider, _, _ = litellm.get_llm_provider(settings.model, api_base=settings.api_base)
    except Exception as exc:  # litellm raises BadRequestError and others, not one type
        raise ModelNotFoundError(
            f"CANDOR_MODEL='{settings.model}' is not a model string litellm understands. "
            "Use 'provider/model', e.g. 'openai/gpt-4o-mini', 'ollama/llama3.1', or "
            f"'{builtin.QWEN.model_string}' for the built-in model."
        ) from exc
    return provider


def check(settings: ModelSettings) -> None:
    """Fail early, without a network call, if the model cannot be used as configured.

    Checks that the model string names a known provider (for ``local/``, a built-in model) and
    that the provider's API key is set, unless an API base points at a server that needs none.
    Built-in weights are checked by :func:`prepare`, which also loads them.
    """
    provider = provider_of(settings)
    if provider == builtin.PROVIDER:
        builtin.builtin_model(settings.model)
        return
    if settings.api_base:
        return
    report = litellm.validate_environment(model=settings.model)
    missing = report.get("missing_keys") or []
    if missing:
        raise ModelAuthError(
            f"The model '{settings.model}' (CANDOR_MODEL) needs {', '.join(missing)}. "
            "Set it in the environment or in .streamlit/secrets.toml."
        )


def prepare(settings: ModelSettings, progress: Progress | None = None) -> None:
    """Check the settings and, for a built-in model, ready its weights and load it."""
    check(settings)
    if provider_of(settings) == builtin.PROVIDER:
        runtime.load(builtin.builtin_model(settings.model), progress)


def warm(messages: Sequence[Message], settings: ModelSettings) -> None:
    """Have a built-in model evaluate ``messages`` now, so the next turn reuses the prefix.

    A long system prompt then costs nothing on the first turn. Other providers: no-op.
    """
    if provider_of(settings) == builtin.PROVIDER:
        complete(messages, settings, max_tokens=1)


def context_window(settings: ModelSettings) -> int:
    """How many tokens the model accepts in one prompt."""
    if provider_of(settings) == builtin.PROVIDER:
        return builtin.builtin_model(settings.model).n_ctx
    try:
        info = litellm.get_model_info(settings.model)
    except Exception:  # unknown to litellm's bundled map: fall back to a safe default
        return DEFAULT_CONTEXT
    return int(info.get("max_input_tokens") or info.get("max_tokens") or DEFAULT_CONTEXT)


def count_tokens(messages: Sequence[Message], model: str = "") -> int:
    """Tokens in ``messages`` as litellm counts them (tiktoken for unknown models)."""
    return int(litellm.token_counter(model=model, messages=list(messages)))


def fit_to_context(
    messages: Sequence[Message], settings: ModelSettings, reserve: int = 512
) -> list[Message]:
    """``messages`` trimmed from the middle to leave ``reserve`` tokens for the reply."""
    budget = int(context_window(settings) * CONTEXT_MARGIN) - reserve
    return trim_middle(messages, budget, lambda ms: count_tokens(ms, settings.model))


@dataclass
class Reply:
    """A finished reply and what it cost."""

    text: str
    model: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    ttft_s: float | None = None
    """Seconds from the request to the first text."""
    latency_s: float = 0.0
    """Seconds from the request to the end of the reply."""
    finish_reason: str | None = None


@dataclass
class ChatStream:
    """The reply to a chat, as an iterator of text pieces.

    Iterate it (or hand it to ``st.write_stream``); when it is exhausted, :attr:`reply` holds
    the full text and the token counts and timings.
    """

    messages: list[Message]
    settings: ModelSettings
    params: dict[str, Any] = field(default_factory=dict)
    reply: Reply | None = None

    def __iter__(self) -> Iterator[str]:
        start = time.perf_counter()
        first: float | None = None
        parts: list[str] = []
        usage: Any = None
        finish: str | None = None
        with translated_errors(self.settings):
            stream = litellm.completion(
                **_request(self.messages, self.settings, self.params),
                stream=True,
                stream_options={"include_usage": True},
            )
            try:
                for chunk in stream:
                    usage = getattr(chunk, "usage", None) or usage
                    if not chunk.choices:
                        continue
                    choice = chunk.choices[0]
                    finish = choice.finish_reason or finish
                    piece = choice.delta.content or ""
                    if piece:
                        if first is None:
                            first = time.perf_counter() - start
                        parts.append(piece)
                        yield piece
            finally:
                # A reader that stops early must release the provider now (a built-in model
                # holds its lock until its generator is closed), not whenever GC runs.
                close = getattr(getattr(stream, "completion_stream", None), "close", None)
                if callable(close):
                    close()
        self.reply = Reply(
            text="".join(parts),
            model=self.settings.model,
            prompt_tokens=getattr(usage, "prompt_tokens", None),
            completion_tokens=getattr(usage, "completion_tokens", None),
            ttft_s=first,
            latency_s=time.perf_counter() - start,
            finish_reason=finish,
        )


def stream_chat(
    messages: Sequence[Message], settings: ModelSettings | None = None, **params: Any
) -> ChatStream:
    """Stream the model's reply to ``messages``; see :class:`ChatStream`.

    ``params`` are OpenAI-style options: ``max_tokens``, ``temperature``, ``stop``, ``seed``.
    """
    settings = settings or ModelSettings.from_env()
    check(settings)
    return ChatStream(fit_to_context(messages, settings), settings, params)


def complete(
    messages: Sequence[Message], settings: ModelSettings | None = None, **params: Any
) -> Reply:
    """The model's full reply to ``messages``, built on the stream."""
    stream = stream_chat(messages, settings, **params)
    for _ in stream:
        pass
    assert stream.reply is not None
    return stream.reply


async def astream_chat(
    messages: Sequence[Message], settings: ModelSettings | None = None, **params: Any
) -> AsyncIterator[str]:
    """Async variant of :func:`stream_chat`: yields the reply's text pieces."""
    settings = settings or ModelSettings.from_env()
    await asyncio.to_thread(check, settings)
    fitted = await asyncio.to_thread(fit_to_context, messages, settings)
    with translated_errors(settings):
        stream = await litellm.acompletion(**_request(fitted, settings, params), stream=True)
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                yield chunk.choices[0].delta.content


def _request(messages: Sequence[Message], settings: ModelSettings, params: dict) -> dict:
    request: dict[str, Any] = {"model": settings.model, "messages": list(messages), **params}
    if settings.api_base:
        request["api_base"] = settings.api_base
        if provider_of(settings) == "openai" and not litellm.validate_environment(
            model=settings.model
        ).get("keys_in_environment"):
            # vLLM and llama.cpp servers take any key; the OpenAI client insists on one.
            request["api_key"] = "no-key-needed"
    return request


@contextmanager
def translated_errors(settings: ModelSettings) -> Iterator[None]:
    """litellm's exceptions, raised inside the block, come out as :mod:`coach.errors` types."""
    try:
        yield
    except CandorError:
        raise
    except Exception as exc:
        cause = _candor_cause(exc)
        if cause is not None:
            raise cause from exc
        raise _translate(exc, settings) from exc


def _candor_cause(exc: BaseException) -> CandorError | None:
    """A Candor error that litellm wrapped on its way out of a custom provider, if any."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        if isinstance(seen, CandorError):
            return seen
        seen = getattr(seen, "original_exception", None) or seen.__cause__ or seen.__context__
    return None


def _translate(exc: Exception, settings: ModelSettings) -> CandorError:
    # litellm wraps errors raised inside a stream (MidStreamFallbackError); judge the original.
    inner = getattr(exc, "original_exception", None)
    if isinstance(inner, Exception) and inner is not exc:
        return _translate(inner, settings)
    where = f"'{settings.model}'" + (f" at {settings.api_base}" if settings.api_base else "")
    detail = text_of(getattr(exc, "message", None) or str(exc)).splitlines()[0][:300]
    if isinstance(exc, litellm.AuthenticationError):
        return ModelAuthError(f"The provider refused the API key for {where}: {detail}")
    if isinstance(exc, litellm.NotFoundError):
        return ModelNotFoundError(
            f"The provider does not know the model {where} (CANDOR_MODEL): {detail}"
        )
    if isinstance(exc, litellm.ContextWindowExceededError):
        return ModelError(f"The conversation is too long for {where}: {detail}")
    if isinstance(exc, litellm.Timeout):
        return ModelUnavailableError(f"The model {where} timed out: {detail}")
    if isinstance(exc, litellm.RateLimitError):
        return ModelUnavailableError(f"The model {where} is rate-limited; retry later: {detail}")
    if isinstance(
        exc,
        litellm.APIConnectionError | litellm.InternalServerError | litellm.ServiceUnavailableError,
    ):
        hint = (
            "check CANDOR_API_BASE and that the server is running"
            if settings.api_base
            else "check the network and the provider's status"
        )
        return ModelUnavailableError(f"Could not reach the model {where}; {hint}: {detail}")
    if isinstance(exc, litellm.BadRequestError):
        return ModelError(f"The model {where} rejected the request: {detail}")
    if isinstance(exc, litellm.APIError):
        return ModelUnavailableError(f"The model {where} failed: {detail}")
    return ModelError(f"The model {where} failed: {type(exc).__name__}: {detail}")
