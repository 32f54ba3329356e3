"""A scripted model for tests, served through litellm like any other provider.

Register it with :func:`fake_model` and talk to ``fake/<anything>``: it answers with the canned
replies queued on it (or echoes a fixed default), streams them a word at a time, and records
every prompt it saw. Nothing is mocked: the call goes through litellm's custom-provider path.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import litellm
from litellm import CustomLLM
from litellm.types.utils import GenericStreamingChunk, ModelResponse

from coach.llm.gateway import register_provider, unregister_provider

FAKE_PROVIDER = "fake"


@dataclass
class FakeModel(CustomLLM):
    """Canned replies in, recorded prompts out."""

    replies: list[str] = field(default_factory=list)
    default: str = "I am a fake model."
    prompts: list[list[dict[str, Any]]] = field(default_factory=list)
    params: list[dict[str, Any]] = field(default_factory=list)
    on_call: Callable[[list[dict[str, Any]]], None] | None = None
    """Called with the messages before the reply is produced (e.g. to inspect the DB)."""
    fail_with: Exception | None = None
    """Raised instead of replying; with ``fail_after``, raised mid-stream instead."""
    fail_after: int | None = None
    """Number of streamed pieces sent before ``fail_with`` is raised."""

    def __post_init__(self) -> None:
        super().__init__()

    def queue(self, *replies: str) -> FakeModel:
        self.replies.extend(replies)
        return self

    def _reply(self, messages: list[dict[str, Any]], optional_params: dict) -> str:
        self.prompts.append([dict(m) for m in messages])
        self.params.append(dict(optional_params))
        if self.on_call:
            self.on_call(messages)
        if self.fail_with is not None and self.fail_after is None:
            raise self.fail_with
        return self.replies.pop(0) if self.replies else self.default

    def completion(  # type: ignore[override]
        self,
        model: str,
        messages: list,
        model_response: ModelResponse,
        optional_params: dict,
        **kwargs: Any,
    ) -> ModelResponse:
        text = self._reply(messages, optional_params)
        model_response.choices[0].message.content = text
        model_response.usage = litellm.Usage(  # type: ignore[attr-defined]
            prompt_tokens=7, completion_tokens=len(text.split()), total_tokens=7
        )
        return model_response

    def streaming(  # type: ignore[override]
        self, model: str, messages: list, optional_params: dict, **kwargs: Any
    ) -> Iterator[GenericStreamingChunk]:
        text = self._reply(messages, optional_params)
        pieces = re.findall(r"\S+\s*|\s+", text)
        for sent, piece in enumerate(pieces):
            if self.fail_with is not None and sent == self.fail_after:
                raise self.fail_with
            time.sleep(0.001)
            yield GenericStreamingChunk(
                text=piece,
                is_finished=False,
                finish_reason="",
                usage=None,
                index=0,
                tool_use=None,
            )
        yield GenericStreamingChunk(
            text="",
            is_finished=True,
            finish_reason="stop",
            index=0,
            tool_use=None,
            usage={
                "prompt_tokens": 7,
                "completion_tokens": len(pieces),
                "total_tokens": 7 + len(pieces),
            },
        )

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        return self.completion(*args, **kwargs)

    async def astreaming(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> AsyncIterator[GenericStreamingChunk]:
        for chunk in self.streaming(*args, **kwargs):
            yield chunk


@contextmanager
def fake_model(*replies: str, **options: Any) -> Iterator[FakeModel]:
    """Register a :class:`FakeModel` as the ``fake`` provider for the duration of the block."""
    model = FakeModel(replies=list(replies), **options)
    register_provider(FAKE_PROVIDER, model)
    try:
        yield model
    finally:
        unregister_provider(FAKE_PROVIDER)
