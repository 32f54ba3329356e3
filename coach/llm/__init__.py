"""The model gateway: the only package that imports litellm.

Import from here: :func:`stream_chat`, :func:`complete`, :func:`astream_chat`,
:func:`count_tokens`, :func:`fit_to_context`, :func:`check`, :func:`prepare`. The first use of
any of them imports litellm (a few seconds) and registers the built-in ``local`` provider;
modules that only need the model registry (:mod:`coach.llm.builtin`) stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from coach.llm.gateway import (
        ChatStream,
        Reply,
        astream_chat,
        check,
        complete,
        context_window,
        count_tokens,
        fit_to_context,
        prepare,
        register_provider,
        stream_chat,
        unregister_provider,
        warm,
    )

__all__ = [
    "ChatStream",
    "Reply",
    "astream_chat",
    "check",
    "is_remote",
    "complete",
    "context_window",
    "count_tokens",
    "fit_to_context",
    "prepare",
    "register_provider",
    "stream_chat",
    "unregister_provider",
    "warm",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from coach.llm import gateway

        return getattr(gateway, name)
    raise AttributeError(f"module 'coach.llm' has no attribute {name!r}")
