"""Ask a model for one JSON object of a known shape: validated, asked again once, never guessed."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from coach.config import ModelSettings

T = TypeVar("T", bound=BaseModel)


def ask_json(
    messages: list[dict[str, Any]],
    schema: type[T],
    settings: ModelSettings | None,
    max_tokens: int = 80,
) -> T | None:
    """The model's reply as ``schema``, or None if two replies in a row could not be read.

    A model error (after the gateway's retries) propagates: the caller decides to stop."""
    from coach import llm

    for _ in range(2):
        text = llm.complete(messages, settings, max_tokens=max_tokens, temperature=0).text
        start, end = text.find("{"), text.rfind("}")
        try:
            return schema.model_validate(json.loads(text[start : end + 1]))
        except (ValueError, ValidationError):
            continue
    return None
