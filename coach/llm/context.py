"""Fit a conversation into a model's context window by dropping turns from the middle.

The system prompt (the leading system messages) and the latest turns are kept. Turns are
dropped from the oldest end of the middle in fixed blocks, counted from the start of the
conversation, so the cut point moves only once every block: between two moves the kept prompt
grows by appending, and llama.cpp can reuse its cached prefix.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

Message = dict[str, str]
Counter = Callable[[Sequence[Message]], int]

DROP_BLOCK = 8
"""Messages dropped at a time: four exchanges."""


def trim_middle(
    messages: Sequence[Message], budget: int, count: Counter, block: int = DROP_BLOCK
) -> list[Message]:
    """The messages that fit ``budget`` tokens: leading system messages plus the latest turns.

    Returns the messages unchanged when they fit. The last message is always kept, even when it
    alone does not fit: the caller then gets a context error from the model rather than a
    silently empty prompt.
    """
    messages = list(messages)
    if count(messages) <= budget:
        return messages
    n_head = 0
    while n_head < len(messages) and messages[n_head].get("role") == "system":
        n_head += 1
    head, body = messages[:n_head], messages[n_head:]
    drop = 0
    while drop < len(body) - 1:
        drop = min(drop + block, len(body) - 1)
        candidate = head + body[drop:]
        if count(candidate) <= budget:
            return candidate
    return head + body[-1:]
