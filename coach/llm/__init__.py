"""The model gateway: the only package that imports litellm.

Import from here: :func:`stream_chat`, :func:`complete`, :func:`astream_chat`,
:func:`count_tokens`, :func:`fit_to_context`, :func:`check`. Importing this package registers
the built-in ``local`` provider. It takes a few seconds (litellm is large), so modules that only
need the model registry import :mod:`coach.llm.builtin` instead.
"""

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
)

__all__ = [
    "ChatStream",
    "Reply",
    "astream_chat",
    "check",
    "complete",
    "context_window",
    "count_tokens",
    "fit_to_context",
    "prepare",
    "register_provider",
    "stream_chat",
    "unregister_provider",
]
