"""Keep secrets out of what leaves the machine and out of what Candor shows or keeps.

- :func:`redact` replaces obvious credentials in text (API keys, tokens, passwords, private
  keys, card numbers) with a marker; the gateway applies it to every message sent to a remote
  model, unless the user turns it off (``CANDOR_REDACT=0``, or the Settings page).
- :func:`scrub` removes the values of the secrets in this process's environment (any
  ``*_API_KEY``, ``*_TOKEN``, ``*_SECRET`` or ``*_PASSWORD`` variable) and credentials in URLs;
  it is applied to error messages and to anything stored that came from a provider.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

MARK = "[redacted {kind}]"
_MIN_SECRET = 8
"""Shorter environment values are not treated as secrets: they would match ordinary words."""

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "private key",
        re.compile(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)",
            re.DOTALL,
        ),
    ),
    ("API key", re.compile(r"\b(?:sk|pk|rk)-(?:[A-Za-z0-9_-]+-)?[A-Za-z0-9_-]{16,}")),
    ("API key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{16,}")),
    ("API key", re.compile(r"\bAIza[0-9A-Za-z_-]{30,}")),
    ("access key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("token", re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{20,}")),
    ("token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("token", re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")),
    ("token", re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{16,}")),
    (
        "secret",
        re.compile(
            r"(?i)\b((?:password|passwd|pwd|passcode|api[_ -]?key|secret|token)\s*[:=]\s*)"
            r"(\"[^\"\n]{4,}\"|'[^'\n]{4,}'|[^\s\"',;]{4,})"
        ),
    ),
    ("URL credentials", re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@")),
]
_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
_SECRET_VARS = re.compile(r"(?:_API_KEY|_TOKEN|_SECRET|_PASSWORD|_KEY)$")


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def redact(text: str) -> tuple[str, int]:
    """``text`` with obvious credentials replaced by a marker, and how many were replaced."""
    count = 0

    def mark(kind: str, keep_group: bool) -> Callable[[re.Match[str]], str]:
        def replace(match: re.Match[str]) -> str:
            nonlocal count
            count += 1
            prefix = match.group(1) if keep_group and match.groups() else ""
            suffix = "@" if kind == "URL credentials" else ""
            return prefix + MARK.format(kind=kind) + suffix

        return replace

    for kind, pattern in _PATTERNS:
        keep = kind in {"secret", "token", "URL credentials"} and pattern.groups > 0
        text = pattern.sub(mark(kind, keep), text)

    def card(match: re.Match[str]) -> str:
        nonlocal count
        digits = re.sub(r"\D", "", match.group(0))
        if 13 <= len(digits) <= 19 and _luhn(digits):
            count += 1
            return MARK.format(kind="card number")
        return match.group(0)

    return _CARD.sub(card, text), count


def environment_secrets() -> list[str]:
    """The values of this process's secret-looking environment variables, longest first."""
    values = {
        value
        for name, value in os.environ.items()
        if _SECRET_VARS.search(name.upper()) and len(value) >= _MIN_SECRET
    }
    return sorted(values, key=len, reverse=True)


def scrub(text: str) -> str:
    """``text`` without any secret from the environment, credentials in URLs, or obvious keys."""
    for value in environment_secrets():
        text = text.replace(value, MARK.format(kind="key"))
    return redact(text)[0]


def redact_url(url: str | None) -> str | None:
    """``url`` without a ``user:password@`` part, so credentials never reach the database."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
