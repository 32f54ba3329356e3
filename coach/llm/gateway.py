"""The one place where Candor talks to models.

Every model call goes through litellm, here: the built-in models are the ``local`` custom
provider, and any other litellm model string (``openai/…``, ``anthropic/…``, ``ollama/…``, or
``openai/…`` with an API base for vLLM or a llama.cpp server) works the same way. Errors from
providers are turned into :mod:`coach.errors` types whose messages name the model and the
setting to change. Every such message is scrubbed (:func:`coach.redact.scrub`, plus the
credentials this process sent: an API base's password, also as the base64 of HTTP Basic), and
raised without the provider's raw exception behind it; litellm's and the HTTP clients' log
records are scrubbed the same way. So no key reaches an error message, a traceback, a log or
the turn events that keep the message, even when a provider echoes the key it was given.

**Faults.** A model is *remote* unless its provider is served in this process (the built-in
``local`` models, and the test ``fake``; see :func:`register_provider`). For a remote model:

- Rate limits (429), server errors (5xx), connection errors and timeouts are retried with
  exponential backoff and jitter, and a provider's ``retry-after-ms`` or ``Retry-After`` header
  is honoured (up to :data:`~coach.llm.failures.MAX_RETRY_WAIT_S`; a longer wait is not
  retried). A call is retried only before it has produced any text: re-sending after a
  partial reply would repeat it.
  The gateway is the only retry layer (litellm's and the OpenAI client's own retries are off),
  so every provider behaves alike.
- If ``CANDOR_FALLBACK_MODEL`` is set and the model is unavailable before it has said anything
  (after its retries, or with a broken, malformed or empty reply), the fallback model answers
  and :attr:`Reply.fell_back` says so. Settings to fix (a refused key, an unknown model, a
  rejected request) are reported, not papered over by a fallback.
- A stream that ends without a finish reason, or breaks in the middle, raises
  :class:`ModelUnavailableError` after the text it did send; a reply with no text, or one that
  cannot be read, is an error too, never a silent empty reply.
- Obvious secrets in the messages are redacted (:func:`coach.redact.redact`) before they leave,
  unless ``CANDOR_REDACT=0``.

The built-in models are neither retried nor replaced: their errors are about weights or the
prompt, and trying again would fail the same way.

Environment (read on every call):

- ``CANDOR_TIMEOUT``: seconds a remote model may take to connect, to start answering, or
  between two pieces of a streamed reply (default 60).
- ``CANDOR_RETRIES``: how many times a failed remote call is retried (default 2).
- ``CANDOR_RETRY_BASE``: seconds before the first retry (default 0.5); each further retry
  waits twice as long, with jitter.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Generator, Iterator, Sequence
from contextlib import suppress
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
    ModelNotFoundError,
    ModelUnavailableError,
)
from coach.llm import builtin, failures, guard, runtime  # noqa: E402
from coach.llm.context import Message, trim_middle  # noqa: E402
from coach.llm.provider import LocalProvider  # noqa: E402
from coach.llm.weights import Progress  # noqa: E402
from coach.redact import redact  # noqa: E402

litellm.telemetry = False
litellm.suppress_debug_info = True
# litellm hands every streamed chunk to a logging thread; with no callbacks configured that is
# pure overhead, and the thread competes with llama.cpp for the CPU.
litellm.disable_streaming_logging = True

DEFAULT_CONTEXT = 8192
"""Context window assumed for a model litellm knows nothing about."""

CONTEXT_MARGIN = 0.85
"""Share of the window we fill: our token counts come from a generic tokenizer, not the model's."""

_IN_PROCESS: set[str] = set()
"""Providers registered here: served in this process, so nothing is sent anywhere."""


def register_provider(name: str, handler: CustomLLM) -> None:
    """Serve ``name/<model>`` model strings with ``handler`` (replacing any earlier one)."""
    unregister_provider(name)
    litellm.custom_provider_map.append({"provider": name, "custom_handler": handler})
    litellm.utils.custom_llm_setup()
    _IN_PROCESS.add(name)


def unregister_provider(name: str) -> None:
    """Stop serving ``name/<model>`` model strings."""
    litellm.custom_provider_map[:] = [
        p for p in litellm.custom_provider_map if p["provider"] != name
    ]
    _IN_PROCESS.discard(name)


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


def _guard(settings: ModelSettings) -> None:
    """Refuse a real model while model requests are switched off (:mod:`coach.llm.guard`);
    a provider registered in this process other than the built-in one (a test's fake) is
    not a real model."""
    provider = provider_of(settings)
    if provider == builtin.PROVIDER or provider not in _IN_PROCESS:
        guard.ensure_allowed(settings.model)


def is_remote(settings: ModelSettings) -> bool:
    """Whether messages to this model leave the process (every provider not served here)."""
    return provider_of(settings) not in _IN_PROCESS


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
        guard.ensure_allowed(settings.model)
        runtime.load(builtin.builtin_model(settings.model), progress)


def warm(messages: Sequence[Message], settings: ModelSettings) -> None:
    """Have a built-in model evaluate ``messages`` now, so the next turn reuses the prefix.

    A long system prompt then costs nothing on the first turn. Other providers: no-op.
    """
    if provider_of(settings) == builtin.PROVIDER:
        stream = ChatStream(fit_to_context(messages, settings), settings, {"max_tokens": 1})
        stream.allow_empty = True  # one token may well be the end of the turn
        for _ in stream:
            pass


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
    """The model that answered: the configured one, or the fallback."""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    ttft_s: float | None = None
    """Seconds from the request to the first text (retries and a fallback included)."""
    latency_s: float = 0.0
    """Seconds from the request to the end of the reply."""
    finish_reason: str | None = None
    attempts: int = 1
    """Requests made to the model that answered (1 + its retries)."""
    fell_back: bool = False
    """The configured model failed before saying anything, and the fallback model answered."""
    fallback_reason: str | None = None
    """Why the configured model was replaced (its error message), when :attr:`fell_back`."""
    redacted: int = 0
    """Secrets redacted from the messages before they were sent."""


class _NoText(Exception):
    """A model failed before producing any text: the caller may fall back. Never escapes."""

    def __init__(self, error: CandorError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass
class ChatStream:
    """The reply to a chat, as an iterator of text pieces.

    Iterate it (or hand it to ``st.write_stream``); when it is exhausted, :attr:`reply` holds
    the full text and the token counts and timings. A failure raises a :class:`CandorError`:
    before any text, after the retries and any fallback (see the module docs); after some text,
    at once, and the text already yielded is all there is.
    """

    messages: list[Message]
    settings: ModelSettings
    params: dict[str, Any] = field(default_factory=dict)
    reply: Reply | None = None
    model: str = ""
    """The model answering now: the configured one, or the fallback once it has taken over."""
    allow_empty: bool = False
    """Accept a reply with no text (e.g. a one-token warm-up) instead of raising."""

    def __post_init__(self) -> None:
        self.model = self.model or self.settings.model

    def __iter__(self) -> Generator[str, None, None]:
        start = time.perf_counter()
        try:
            yield from self._answer(self.settings, self.messages, start)
            return
        except _NoText as failed:
            error = failed.error
            fallback = _fallback_of(self.settings)
            if fallback is None or not isinstance(error, ModelUnavailableError):
                raise error from None  # the provider's raw error may quote a key
        reason = str(error)
        try:
            check(fallback)
            messages = fit_to_context(self.messages, fallback)
        except CandorError as exc:
            raise ModelUnavailableError(
                f"{reason} The fallback model '{fallback.model}' (CANDOR_FALLBACK_MODEL) cannot "
                f"be used either: {failures.scrubbed(exc)}"
            ) from None
        self.model = fallback.model
        try:
            yield from self._answer(fallback, messages, start, fallback_reason=reason)
        except _NoText as failed:
            raise type(failed.error)(
                f"{reason} The fallback model '{fallback.model}' (CANDOR_FALLBACK_MODEL) "
                f"failed too: {failed.error}"
            ) from None

    def _answer(
        self,
        settings: ModelSettings,
        messages: list[Message],
        start: float,
        fallback_reason: str | None = None,
    ) -> Iterator[str]:
        """One model's reply, retried while it is safe; :class:`_NoText` if it says nothing."""
        remote = is_remote(settings)
        params = dict(self.params)
        asked = params.pop("num_retries", None)
        retries = (failures.retries() if asked is None else int(asked)) if remote else 0
        request, redacted = _prepare(messages, settings, params)
        attempt = 0
        while True:
            attempt += 1
            parts: list[str] = []
            first: float | None = None
            usage: Any = None
            finish: str | None = None
            opened = False
            try:
                stream = litellm.completion(
                    **request, stream=True, stream_options={"include_usage": True}
                )
                opened = True
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
                    if failures.ended_early(stream):
                        raise failures.broken_off(
                            settings, sum(map(len, parts)), "no finish reason"
                        )
                finally:
                    # A reader that stops early must release the provider now (a built-in
                    # model holds its lock until its generator is closed), not at GC time.
                    close = getattr(getattr(stream, "completion_stream", None), "close", None)
                    if callable(close):
                        close()
            except CandorError as exc:
                failures.scrubbed(exc)
                if parts:
                    raise
                raise _NoText(exc) from exc
            except Exception as exc:
                cause = failures.candor_cause(exc)
                received = sum(map(len, parts)) if opened else None
                error = (
                    failures.scrubbed(cause)
                    if cause
                    else failures.translate(exc, settings, received, attempt)
                )
                if parts:
                    raise error from None  # the provider's raw error may quote a key
                if cause is None and attempt <= retries and failures.retryable(exc):
                    wait = failures.retry_wait(exc, attempt - 1, failures.retry_base())
                    if wait is not None:
                        time.sleep(wait)
                        continue
                raise _NoText(error) from exc
            break
        text = "".join(parts)
        if not text and not self.allow_empty:
            raise _NoText(
                ModelUnavailableError(
                    f"The model {failures.describe(settings)} sent an empty reply"
                    + (f" (finish reason: {finish})" if finish and finish != "stop" else "")
                    + ". Send it again, or try another model."
                )
            )
        self.reply = Reply(
            text=text,
            model=settings.model,
            prompt_tokens=getattr(usage, "prompt_tokens", None),
            completion_tokens=getattr(usage, "completion_tokens", None),
            ttft_s=first,
            latency_s=time.perf_counter() - start,
            finish_reason=finish,
            attempts=attempt,
            fell_back=fallback_reason is not None,
            fallback_reason=fallback_reason,
            redacted=redacted,
        )


def stream_chat(
    messages: Sequence[Message], settings: ModelSettings | None = None, **params: Any
) -> ChatStream:
    """Stream the model's reply to ``messages``; see :class:`ChatStream`.

    ``params`` are OpenAI-style options: ``max_tokens``, ``temperature``, ``stop``, ``seed``;
    ``timeout`` and ``num_retries`` override ``CANDOR_TIMEOUT`` and ``CANDOR_RETRIES``.
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
    """Async variant of :func:`stream_chat`: yields the reply's text pieces.

    The same stream runs in a worker thread, so retries, the fallback, redaction and errors are
    exactly those of :func:`stream_chat`.
    """
    stream = await asyncio.to_thread(stream_chat, messages, settings, **params)
    pieces = iter(stream)
    done = object()
    try:
        while (piece := await asyncio.to_thread(next, pieces, done)) is not done:
            yield piece  # type: ignore[misc]
    finally:
        with suppress(ValueError):  # still running in its thread (a cancelled task): let it be
            pieces.close()


def _outgoing(messages: Sequence[Message], settings: ModelSettings) -> tuple[list[Message], int]:
    """The messages as they leave: with obvious secrets redacted for a remote model, unless
    ``settings.redact`` is off; and how many were redacted."""
    if not settings.redact or not is_remote(settings):
        return list(messages), 0
    outgoing: list[Message] = []
    total = 0
    for message in messages:
        content: Any = message.get("content")
        if isinstance(content, str):
            content, count = redact(content)
        elif isinstance(content, list):
            parts, count = [], 0
            for part in content:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    text, n = redact(part["text"])
                    part, count = {**part, "text": text}, count + n
                parts.append(part)
            content = parts
        else:
            count = 0
        outgoing.append({**message, "content": content})
        total += count
    return outgoing, total


def _prepare(
    messages: Sequence[Message], settings: ModelSettings, params: dict
) -> tuple[dict[str, Any], int]:
    """The litellm request for ``messages``, and how many secrets were redacted from it."""
    _guard(settings)
    outgoing, redacted = _outgoing(messages, settings)
    request: dict[str, Any] = {"model": settings.model, "messages": outgoing}
    if is_remote(settings):
        # One retry layer, ours: the same for every provider, and never after partial text.
        request["timeout"] = failures.timeout()
        request["max_retries"] = 0
    request.update({k: v for k, v in params.items() if k != "num_retries"})
    if settings.api_base:
        request["api_base"] = settings.api_base
        if provider_of(settings) == "openai" and not litellm.validate_environment(
            model=settings.model
        ).get("keys_in_environment"):
            # vLLM and llama.cpp servers take any key; the OpenAI client insists on one.
            request["api_key"] = failures.PLACEHOLDER_KEY
    failures.remember_credentials(settings.api_base, request.get("api_key"))
    return request, redacted


def _request(messages: Sequence[Message], settings: ModelSettings, params: dict) -> dict:
    """The litellm request for ``messages`` (see :func:`_prepare`)."""
    return _prepare(messages, settings, params)[0]


def _fallback_of(settings: ModelSettings) -> ModelSettings | None:
    """The settings of the fallback model, if one is set and may stand in for this one."""
    if not settings.fallback or settings.fallback == settings.model or not is_remote(settings):
        return None
    return ModelSettings(model=settings.fallback, redact=settings.redact)
