"""A switch that stops real model requests: off in unit tests, so one that forgets the fake fails.

Like pydantic-ai's ``ALLOW_MODEL_REQUESTS``: with ``CANDOR_ALLOW_MODEL_REQUESTS=0`` in the
environment, every request to a real model (the built-in ones, whose weights would be loaded,
and every remote provider) raises :class:`ModelRequestBlocked`. Providers a test registers in
this process (``fake/...``) still answer. ``tests/conftest.py`` turns it off for every test not
marked ``integration``. It is an environment variable, so subprocesses (the CLI run by a test)
obey it too. It is not a :class:`~coach.errors.CandorError`: the product's error handling must
not turn it into a friendly message and carry on.
"""

from __future__ import annotations

import os

ENV = "CANDOR_ALLOW_MODEL_REQUESTS"


class ModelRequestBlocked(RuntimeError):
    """A real model was asked for while model requests are switched off."""


def allowed() -> bool:
    """Whether real model requests are allowed (they are unless the switch says otherwise)."""
    return os.environ.get(ENV, "1").strip().lower() not in {"0", "false", "no", "off"}


def ensure_allowed(model: str) -> None:
    """Raise :class:`ModelRequestBlocked` for ``model`` when requests are switched off."""
    if not allowed():
        raise ModelRequestBlocked(
            f"A request to the real model '{model}' was blocked: {ENV}=0. Unit tests use the "
            "fake model (the `fake` fixture); mark a test `integration` to run a real one."
        )
