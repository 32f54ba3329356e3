"""The ``local`` litellm provider: the built-in models behind the same seam as any other.

``litellm.completion(model="local/qwen2.5-1.5b-instruct", ...)`` lands here, sync or async,
streaming or not. Registration goes through :func:`coach.llm.gateway.register_provider`, the
same path the test fake model takes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import litellm
from litellm import CustomLLM
from litellm.types.utils import GenericStreamingChunk, ModelResponse

from coach.llm import runtime
from coach.llm.builtin import builtin_model

_SAMPLING_PARAMS = ("max_tokens", "temperature", "top_p", "top_k", "repeat_penalty", "seed")


def text_of(content: Any) -> str:
    """The plain text of an OpenAI-style message content (a string or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return "" if content is None else str(content)


def _plain(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"role": m["role"], "content": text_of(m.get("content"))} for m in messages]


def _params(optional_params: dict[str, Any]) -> dict[str, Any]:
    params = {k: optional_params[k] for k in _SAMPLING_PARAMS if optional_params.get(k) is not None}
    if "max_completion_tokens" in optional_params and "max_tokens" not in params:
        params["max_tokens"] = optional_params["max_completion_tokens"]
    stop = optional_params.get("stop")
    params["stop"] = [stop] if isinstance(stop, str) else list(stop or [])
    return params


def _usage(stats: runtime.Generation) -> dict[str, int]:
    return {
        "prompt_tokens": stats.prompt_tokens,
        "completion_tokens": stats.completion_tokens,
        "total_tokens": stats.prompt_tokens + stats.completion_tokens,
    }


class LocalProvider(CustomLLM):
    """Serves ``local/<name>`` from the built-in model registry through llama.cpp."""

    def _run(
        self, model: str, messages: list, optional_params: dict
    ) -> tuple[Iterator[str], runtime.Generation]:
        loaded = runtime.load(builtin_model(model))
        stats = runtime.Generation()
        pieces = loaded.generate(_plain(messages), stats=stats, **_params(optional_params))
        return pieces, stats

    def completion(  # type: ignore[override]
        self,
        model: str,
        messages: list,
        model_response: ModelResponse,
        optional_params: dict,
        **kwargs: Any,
    ) -> ModelResponse:
        pieces, stats = self._run(model, messages, optional_params)
        text = "".join(pieces)
        choice: Any = model_response.choices[0]
        choice.message.content = text
        choice.finish_reason = stats.finish_reason
        model_response.model = f"local/{builtin_model(model).name}"
        model_response.created = int(time.time())
        usage = _usage(stats)
        model_response.usage = litellm.Usage(  # type: ignore[attr-defined]
            prompt_tokens=usage["prompt_tokens"],
            completion_tokens=usage["completion_tokens"],
            total_tokens=usage["total_tokens"],
        )
        return model_response

    def streaming(  # type: ignore[override]
        self, model: str, messages: list, optional_params: dict, **kwargs: Any
    ) -> Iterator[GenericStreamingChunk]:
        pieces, stats = self._run(model, messages, optional_params)
        for piece in pieces:
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
            finish_reason=stats.finish_reason,
            usage=_usage(stats),  # type: ignore[typeddict-item]
            index=0,
            tool_use=None,
        )

    async def acompletion(  # type: ignore[override]
        self,
        model: str,
        messages: list,
        model_response: ModelResponse,
        optional_params: dict,
        **kwargs: Any,
    ) -> ModelResponse:
        return await asyncio.to_thread(
            self.completion, model, messages, model_response, optional_params
        )

    async def astreaming(  # type: ignore[override]
        self, model: str, messages: list, optional_params: dict, **kwargs: Any
    ) -> AsyncIterator[GenericStreamingChunk]:
        chunks = self.streaming(model, messages, optional_params)
        done = object()
        try:
            while (chunk := await asyncio.to_thread(next, chunks, done)) is not done:
                yield chunk  # type: ignore[misc]
        finally:
            chunks.close()  # type: ignore[attr-defined]
