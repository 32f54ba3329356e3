"""Settings, read from the environment.

Every setting has one env var and one default, so that the CLI, the UI and the tests agree:

- ``CANDOR_HOME``: where Candor keeps the user's data (database, indexes). Defaults to the
  per-user data directory (``~/.local/share/candor`` on Linux).
- ``CANDOR_CACHE``: where prepared model weights live. Defaults to the per-user cache directory
  (``~/.cache/candor``). Kept apart from ``CANDOR_HOME`` so that deleting data keeps the model.
- ``CANDOR_MODEL``: any litellm model string. Defaults to the built-in Qwen model.
- ``CANDOR_API_BASE``: an OpenAI-compatible base URL (vLLM, a llama.cpp server), optional.
- ``CANDOR_DB_URL``: a SQLAlchemy URL; set it to use PostgreSQL instead of SQLite.
- ``CANDOR_CHROMA_URL``: ``http://host:port`` of a Chroma server; default: a local index in
  ``CANDOR_HOME/chroma``.
- ``CANDOR_FALLBACK_MODEL``: a model to answer when ``CANDOR_MODEL`` fails (e.g. the built-in
  one), optional.
- ``CANDOR_REDACT``: ``0`` stops redacting obvious secrets from what is sent to a remote model
  (on by default; the built-in models never send anything anywhere).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

DEFAULT_MODEL = "local/qwen2.5-1.5b-instruct"


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def home_dir() -> Path:
    """The user's data directory, created if missing."""
    path = Path(_env("CANDOR_HOME") or platformdirs.user_data_dir("candor")).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """The directory for prepared model weights, created if missing."""
    path = Path(_env("CANDOR_CACHE") or platformdirs.user_cache_dir("candor")).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def chroma_url() -> str | None:
    """``CANDOR_CHROMA_URL``: a Chroma server to use instead of the local index, if set."""
    return _env("CANDOR_CHROMA_URL")


def db_url() -> str:
    """The SQLAlchemy URL of the database: ``CANDOR_DB_URL`` or SQLite in ``CANDOR_HOME``."""
    return _env("CANDOR_DB_URL") or f"sqlite:///{home_dir() / 'candor.db'}"


@dataclass(frozen=True)
class ModelSettings:
    """Which model to talk to. Keys are not part of it: they stay in the environment."""

    model: str = DEFAULT_MODEL
    api_base: str | None = None
    fallback: str | None = None
    """A model to use when this one fails before it has said anything."""
    redact: bool = True
    """Redact obvious secrets from messages sent to a remote model."""

    @classmethod
    def from_env(
        cls,
        model: str | None = None,
        api_base: str | None = None,
        fallback: str | None = None,
        redact: bool | None = None,
    ) -> ModelSettings:
        """Settings from explicit values, else ``CANDOR_MODEL``, ``CANDOR_API_BASE``,
        ``CANDOR_FALLBACK_MODEL`` and ``CANDOR_REDACT``."""
        if redact is None:
            redact = (_env("CANDOR_REDACT") or "1").lower() not in {"0", "false", "no", "off"}
        return cls(
            model=(model or "").strip() or _env("CANDOR_MODEL") or DEFAULT_MODEL,
            api_base=(api_base or "").strip() or _env("CANDOR_API_BASE"),
            fallback=(fallback or "").strip() or _env("CANDOR_FALLBACK_MODEL"),
            redact=redact,
        )
