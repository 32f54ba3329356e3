"""What can go wrong with a model provider, and what Candor does about it.

The gateway (:mod:`coach.llm.gateway`) asks here whether a failure is worth retrying and how long
to wait (:func:`retryable`, :func:`retry_wait`), whether a quiet stream was cut off
(:func:`ended_early`), and turns litellm's exceptions into :mod:`coach.errors` types that name
the model and the setting to change (:func:`translate`, :func:`translated_errors`). Every
message is scrubbed of keys first (:func:`scrubbed`): the environment's, and the credentials
this process has sent (:func:`remember_credentials`), including an API base's password in the
base64 form of HTTP Basic that a provider may echo back. litellm's and the HTTP clients' log
records are scrubbed the same way.
"""

from __future__ import annotations

import base64
import email.utils
import json
import logging
import os
import random
import re
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

import httpx
import litellm

from coach.config import ModelSettings
from coach.errors import (
    CandorError,
    ConfigError,
    ModelAuthError,
    ModelError,
    ModelNotFoundError,
    ModelUnavailableError,
)
from coach.llm.provider import text_of
from coach.redact import scrub

DEFAULT_TIMEOUT_S = 60.0
"""``CANDOR_TIMEOUT`` when unset."""
DEFAULT_RETRIES = 2
"""``CANDOR_RETRIES`` when unset."""
DEFAULT_RETRY_BASE_S = 0.5
"""``CANDOR_RETRY_BASE`` when unset."""
MAX_RETRY_WAIT_S = 20.0
"""The longest wait before a retry; a provider asking for longer is not retried."""

_E = TypeVar("_E", bound=CandorError)

PLACEHOLDER_KEY = "no-key-needed"
_SENT_SECRETS: set[str] = set()
"""Credentials this process has sent that the environment does not hold (see :func:`_scrub`)."""
_PROVIDER_LOGGERS = (
    "LiteLLM",
    "LiteLLM Router",
    "LiteLLM Proxy",
    "openai",
    "openai._base_client",
    "httpx",
    "httpcore",
)


def _number(name: str, default: float, minimum: float, *, whole: bool = False) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        kind = "a whole number" if whole else "a number of seconds"
        raise ConfigError(f"{name}='{raw}' must be {kind}, at least {minimum:g}.")
    return value


def timeout() -> float:
    return _number("CANDOR_TIMEOUT", DEFAULT_TIMEOUT_S, 0.001)


def retries() -> int:
    return int(_number("CANDOR_RETRIES", DEFAULT_RETRIES, 0, whole=True))


def retry_base() -> float:
    return _number("CANDOR_RETRY_BASE", DEFAULT_RETRY_BASE_S, 0)


_RETRYABLE = (
    litellm.RateLimitError,
    litellm.Timeout,
    litellm.APIConnectionError,
    litellm.InternalServerError,
    litellm.ServiceUnavailableError,
    litellm.BadGatewayError,
)
_RETRYABLE_STATUS = {408, 409, 429, 500, 502, 503, 504}


def _original(exc: BaseException) -> BaseException:
    """The error litellm wrapped (a mid-stream failure comes as ``MidStreamFallbackError``)."""
    for _ in range(5):
        inner = getattr(exc, "original_exception", None)
        if not isinstance(inner, BaseException) or inner is exc:
            break
        exc = inner
    return exc


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it wraps, was caused by, or happened while handling."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo and len(seen) < 20:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [
            getattr(current, "original_exception", None),
            current.__cause__,
            current.__context__,
        ]


def _malformed(exc: BaseException) -> bool:
    """Whether the provider's reply could not be parsed (not a transport failure)."""
    return any(isinstance(e, json.JSONDecodeError) for e in _chain(exc))


def _unreachable(exc: BaseException) -> bool:
    """Whether no answer came back at all: a refused or dropped connection (not a timeout)."""
    return any(
        isinstance(e, litellm.APIConnectionError | httpx.TransportError | ConnectionError)
        and not isinstance(e, litellm.Timeout | httpx.TimeoutException)
        for e in _chain(exc)
    )


def retryable(exc: BaseException) -> bool:
    """Safe and useful to send again: rate limits, server errors, connection errors, timeouts."""
    if _malformed(exc):
        return False
    inner = _original(exc)
    if isinstance(inner, _RETRYABLE):
        return True
    return _status(inner) in _RETRYABLE_STATUS


def _retry_after(exc: BaseException) -> float | None:
    """Seconds the provider asked us to wait (``retry-after-ms`` or ``Retry-After``), if any."""
    for error in (exc, _original(exc)):
        headers: Mapping[str, str] | None = getattr(error, "litellm_response_headers", None)
        if headers is None:
            headers = getattr(getattr(error, "response", None), "headers", None)
        if not headers:
            continue
        try:
            if (ms := headers.get("retry-after-ms")) is not None:
                return max(0.0, float(ms) / 1000)
            if (value := headers.get("retry-after")) is not None:
                try:
                    return max(0.0, float(value))
                except ValueError:
                    when = email.utils.parsedate_to_datetime(value)
                    return max(0.0, when.timestamp() - time.time())
        except (TypeError, ValueError, AttributeError):
            continue
    return None


def retry_wait(exc: BaseException, retry: int, base: float) -> float | None:
    """Seconds to wait before retry number ``retry`` (from 0), or ``None``: do not retry."""
    asked = _retry_after(exc)
    if asked is not None:
        return asked if asked <= MAX_RETRY_WAIT_S else None
    return min(base * 2**retry, MAX_RETRY_WAIT_S) * random.uniform(0.5, 1.0)


def ended_early(stream: Any) -> bool:
    """Whether a stream that ended quietly never said it was finished (a cut connection).

    litellm raises this itself for OpenAI-style streams, and fills in a finish reason for some
    other providers; its wrapper still records whether one was received.
    """
    if not hasattr(stream, "received_any_finish_reason"):
        return False
    return not (
        getattr(stream, "received_finish_reason", None)
        or getattr(stream, "intermittent_finish_reason", None)
        or stream.received_any_finish_reason
    )


def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    return status if isinstance(status, int) and status >= 400 else None


def describe(settings: ModelSettings) -> str:
    """The model, and its API base if any, as error messages name it."""
    return f"'{settings.model}'" + (f" at {settings.api_base}" if settings.api_base else "")


def broken_off(settings: ModelSettings, received: int, detail: str) -> ModelUnavailableError:
    said = f"after {received} characters" if received else "before any text"
    return scrubbed(
        ModelUnavailableError(
            f"The reply from {describe(settings)} broke off {said} ({detail}); send it again."
        )
    )


def _scrub(text: str) -> str:
    """``text`` without the environment's keys (:func:`coach.redact.scrub`), and without the
    credentials this process has sent: an API base's password, also in the base64 form of
    HTTP Basic that a provider may echo back, and an explicit ``api_key``."""
    text = scrub(text)
    for secret in sorted(_SENT_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "[redacted key]")
    return text


def remember_credentials(api_base: str | None, api_key: Any) -> None:
    if isinstance(api_key, str) and len(api_key) >= 8 and api_key != PLACEHOLDER_KEY:
        _SENT_SECRETS.add(api_key)
    if not api_base:
        return
    try:
        parts = urllib.parse.urlsplit(api_base)
        user, password = parts.username, parts.password
    except ValueError:
        return
    if not password:
        return
    for raw_user, raw_password in {(user or "", password)} | {
        (urllib.parse.unquote(user or ""), urllib.parse.unquote(password))
    }:
        if len(raw_password) >= 4:
            _SENT_SECRETS.add(raw_password)
        _SENT_SECRETS.add(base64.b64encode(f"{raw_user}:{raw_password}".encode()).decode())


def scrubbed(error: _E) -> _E:
    """``error`` with its message scrubbed of keys and credentials (see :func:`_scrub`)."""
    message = str(error)
    clean = _scrub(message)
    if clean != message:
        error.args = (clean,)
    return error


class _ScrubbedLogs(logging.Filter):
    """Scrub the records of litellm's and the HTTP clients' loggers: at DEBUG they carry the
    provider's raw replies, which may quote the key they refused."""

    def filter(self, record: logging.LogRecord) -> bool:
        with suppress(Exception):  # logging must never fail because of us
            message = record.getMessage()
            clean = _scrub(message)
            if clean != message:
                record.msg, record.args = clean, None
            if record.exc_info and not record.exc_text:
                record.exc_text = _scrub(logging.Formatter().formatException(record.exc_info))
            elif record.exc_text:
                record.exc_text = _scrub(record.exc_text)
        return True


_LOG_FILTER = _ScrubbedLogs()
for _name in _PROVIDER_LOGGERS:
    logging.getLogger(_name).addFilter(_LOG_FILTER)


@contextmanager
def translated_errors(settings: ModelSettings) -> Iterator[None]:
    """litellm's exceptions, raised inside the block, come out as :mod:`coach.errors` types."""
    try:
        yield
    except CandorError as exc:
        raise scrubbed(exc) from exc.__cause__
    except Exception as exc:
        cause = candor_cause(exc)
        if cause is not None:
            raise scrubbed(cause) from None
        raise translate(exc, settings) from None  # the provider's raw error may quote a key


def candor_cause(exc: BaseException) -> CandorError | None:
    """A Candor error that litellm wrapped on its way out of a custom provider, if any."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        if isinstance(seen, CandorError):
            return seen
        seen = getattr(seen, "original_exception", None) or seen.__cause__ or seen.__context__
    return None


_LITELLM_PREFIX = re.compile(r"^(?:litellm\.\w+:\s*)?(?:\w+(?:Error|Exception)(?::| -)\s*)*")


def _detail(exc: BaseException) -> str:
    """The first line of the provider's own message, without litellm's prefixes."""
    text = text_of(getattr(exc, "message", None) or str(exc)).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return _LITELLM_PREFIX.sub("", line)[:300] or type(exc).__name__


def translate(
    exc: Exception, settings: ModelSettings, received: int | None = None, attempts: int = 1
) -> CandorError:
    """A litellm error as a :mod:`coach.errors` type, scrubbed of secrets.

    ``received`` is ``None`` when the request itself failed, else how many characters of the
    reply had arrived when its stream failed; ``attempts`` counts the requests made.
    """
    return scrubbed(_translated(exc, settings, received, attempts))


def _translated(
    exc: Exception, settings: ModelSettings, received: int | None, attempts: int
) -> CandorError:
    malformed = _malformed(exc)
    inner = _original(exc)
    if isinstance(inner, Exception) and inner is not exc:
        exc = inner
    where = describe(settings)
    detail = _detail(exc)
    tried = f" (tried {attempts} times)" if attempts > 1 else ""
    # litellm gives connection errors a status of 500 too; only a real response has one.
    unreachable = _unreachable(exc)
    status = None if unreachable else _status(exc)
    http = f"HTTP {status}" if status else ""
    if malformed:
        return ModelUnavailableError(
            f"The model {where} sent a malformed reply that Candor could not read{tried}: {detail}"
        )
    if received and not isinstance(exc, litellm.Timeout):
        return broken_off(settings, received, detail + tried)
    if received == 0 and unreachable:  # the stream opened, then the connection went
        return broken_off(settings, received, detail + tried)
    if isinstance(exc, litellm.AuthenticationError):
        return ModelAuthError(f"The provider refused the API key for {where}: {detail}")
    if isinstance(exc, litellm.NotFoundError):
        return ModelNotFoundError(
            f"The provider does not know the model {where} (CANDOR_MODEL): {detail}"
        )
    if isinstance(exc, litellm.ContextWindowExceededError):
        return ModelError(f"The conversation is too long for {where}: {detail}")
    if isinstance(exc, litellm.Timeout):
        return ModelUnavailableError(
            f"The model {where} timed out{tried}"
            + (f" after {received} characters" if received else "")
            + f" (CANDOR_TIMEOUT={timeout():g} s): {detail}"
        )
    if isinstance(exc, litellm.RateLimitError):
        return ModelUnavailableError(
            f"The model {where} is rate-limited (HTTP 429){tried}; retry later: {detail}"
        )
    if unreachable:
        hint = (
            "check CANDOR_API_BASE and that the server is running"
            if settings.api_base
            else "check the network and the provider's status"
        )
        return ModelUnavailableError(f"Could not reach the model {where}{tried}; {hint}: {detail}")
    if isinstance(
        exc,
        litellm.InternalServerError | litellm.ServiceUnavailableError | litellm.BadGatewayError,
    ) or (status and status >= 500):
        return ModelUnavailableError(
            f"The model {where} failed on the provider's side ({http or 'server error'}){tried}; "
            f"try again later: {detail}"
        )
    if isinstance(exc, litellm.BadRequestError):
        return ModelError(f"The model {where} rejected the request: {detail}")
    if isinstance(exc, litellm.APIError):
        return ModelUnavailableError(f"The model {where} failed{tried}: {detail}")
    return ModelError(f"The model {where} failed: {type(exc).__name__}: {detail}")
