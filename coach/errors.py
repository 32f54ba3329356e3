"""The errors Candor shows to people.

Every error meant for a user is a :class:`CandorError`. Its message says what is wrong and, where
it can, which setting or file to change. The edges convert them: the CLI prints the message and
exits non-zero, the UI shows it with ``st.error``. Anything else is a bug and is allowed to raise.
"""

from __future__ import annotations


class CandorError(Exception):
    """Base class for errors that are shown to the user as a message, not a traceback."""

    exit_code = 1


class ConfigError(CandorError):
    """A setting is missing or invalid (an env var, a model string, a path)."""

    exit_code = 2


class InputError(CandorError):
    """Something the user typed or uploaded cannot be used."""

    exit_code = 2


class ModelError(CandorError):
    """A model could not be reached or did not answer."""


class ModelNotFoundError(ModelError, ConfigError):
    """The model string names no model that Candor or the provider knows."""

    exit_code = 2


class ModelAuthError(ModelError, ConfigError):
    """The provider needs an API key that is missing or was refused."""

    exit_code = 2


class ModelUnavailableError(ModelError):
    """The provider could not be reached, timed out, or failed on its side."""


class ModelWeightsError(ModelError):
    """The built-in model's weights are missing, incomplete or corrupt."""


class StorageError(CandorError):
    """The database could not be opened or written."""


def describe_validation(exc: Exception) -> str:
    """A pydantic ``ValidationError`` as ``field.path: message`` pairs, for a user to act on."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return str(exc)
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}" for err in errors()
    )


def user_message(text: str, limit: int) -> str:
    """``text`` stripped, or an :class:`InputError` if it is empty or longer than ``limit``.

    Everything else is kept exactly (other control characters, right-to-left marks, emoji),
    except NUL, which is dropped: PostgreSQL text cannot hold it and it means nothing in speech.
    """
    text = text.replace("\x00", "").strip()
    if not text:
        raise InputError("The message is empty.")
    if len(text) > limit:
        raise InputError(f"The message is {len(text):,} characters long; the limit is {limit:,}.")
    return text
