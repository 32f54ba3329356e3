"""Run the built-in models in-process with llama.cpp.

Each process holds at most one ``Llama`` object per built-in model, loaded on first use and used
under a lock (a llama.cpp context is not thread-safe, and Streamlit runs each session in its own
thread). Prompts are rendered with the chat template stored in the ``.gguf`` file and tokenized
here, so the token counts are exact. ``Llama.generate`` keeps the KV cache of the previous call
and evaluates only what follows the longest common prefix: as long as a conversation grows by
appending, each turn costs only its new tokens and latency stays flat.
"""

from __future__ import annotations

import atexit
import codecs
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from coach.errors import ModelError, ModelWeightsError
from coach.llm.builtin import BuiltinModel
from coach.llm.weights import Progress

_END_MARKERS = ("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end|>")


@dataclass
class Generation:
    """What one generation produced, filled in as it runs."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = "stop"


class LoadedModel:
    """A loaded built-in model: the llama.cpp object, its chat template and its lock."""

    def __init__(self, spec: BuiltinModel, llama: Any) -> None:
        from llama_cpp import llama_vocab_is_eog
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.spec = spec
        self.llama = llama
        self.lock = threading.Lock()
        self.users = 0
        """Generations running or waiting for the lock (a queue of one at most is running)."""
        self._users_lock = threading.Lock()
        self._is_eog = llama_vocab_is_eog
        template = llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelWeightsError(f"{spec.model_string} has no chat template in its weights.")
        eos_id = llama.token_eos()
        bos_id = llama.token_bos()
        self.formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=self._piece(eos_id),
            bos_token=self._piece(bos_id) if bos_id >= 0 else "",
        )
        self.stop_ids = {eos_id}
        for marker in _END_MARKERS:
            ids = llama.tokenize(marker.encode(), add_bos=False, special=True)
            if len(ids) == 1:
                self.stop_ids.add(ids[0])

    def _piece(self, token: int) -> str:
        return self.llama.detokenize([token], special=True).decode("utf-8", errors="replace")

    def prompt_tokens(self, messages: Sequence[dict[str, str]]) -> list[int]:
        """The token ids of the rendered chat prompt, ending with the assistant's cue."""
        rendered = self.formatter(messages=list(messages))  # type: ignore[arg-type]
        return self.llama.tokenize(rendered.prompt.encode("utf-8"), add_bos=False, special=True)

    def generate(
        self,
        messages: Sequence[dict[str, str]],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        top_k: int | None = None,
        repeat_penalty: float | None = None,
        seed: int | None = None,
        stop: Sequence[str] = (),
        stats: Generation | None = None,
    ) -> Iterator[str]:
        """Yield the reply to ``messages`` piece by piece; ``stats`` is filled in as it goes.

        Holds the model's lock until the generator is exhausted or closed.
        """
        stats = stats if stats is not None else Generation()
        sampling = {**self.spec.sampling}
        for key, value in (
            ("temperature", temperature),
            ("top_p", top_p),
            ("top_k", top_k),
            ("repeat_penalty", repeat_penalty),
        ):
            if value is not None:
                sampling[key] = value
        with self._users_lock:
            self.users += 1
        try:
            with self.lock:
                yield from self._locked(messages, max_tokens, seed, stop, stats, sampling)
        finally:
            with self._users_lock:
                self.users -= 1

    def _locked(
        self,
        messages: Sequence[dict[str, str]],
        max_tokens: int | None,
        seed: int | None,
        stop: Sequence[str],
        stats: Generation,
        sampling: dict[str, Any],
    ) -> Iterator[str]:
        tokens = self.prompt_tokens(messages)
        stats.prompt_tokens = len(tokens)
        room = self.spec.n_ctx - len(tokens)
        if room <= 0:
            raise ModelError(
                f"The conversation ({len(tokens)} tokens) does not fit "
                f"{self.spec.model_string}'s context of {self.spec.n_ctx} tokens."
            )
        limit = min(max_tokens or room, room)
        if seed is not None:
            self.llama.set_seed(seed)
        yield from self._decode(tokens, limit, sampling, list(stop), stats)

    def _decode(
        self,
        tokens: list[int],
        limit: int,
        sampling: dict[str, float],
        stop: list[str],
        stats: Generation,
    ) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        produced: list[int] = []
        text = ""  # everything decoded so far
        sent = 0  # how much of `text` has been yielded
        holdback = max((len(s) for s in stop), default=1) - 1
        stats.finish_reason = "length"
        for token in self.llama.generate(
            tokens,
            temp=float(sampling.get("temperature", 0.7)),
            top_p=float(sampling.get("top_p", 0.9)),
            top_k=int(sampling.get("top_k", 40)),
            repeat_penalty=float(sampling.get("repeat_penalty", 1.0)),
            reset=True,
        ):
            if token in self.stop_ids or self._is_eog(self.llama._model.vocab, token):
                stats.finish_reason = "stop"
                break
            piece = self.llama.detokenize([token], prev_tokens=tokens + produced)
            produced.append(token)
            stats.completion_tokens = len(produced)
            text += decoder.decode(piece)
            cut = min(
                (i for s in stop if (i := text.find(s, max(0, sent - len(s)))) >= 0), default=-1
            )
            if cut >= 0:
                text = text[:cut]
                stats.finish_reason = "stop"
                break
            safe = len(text) - holdback
            if safe > sent:
                yield text[sent:safe]
                sent = safe
            if len(produced) >= limit:
                break
        text += decoder.decode(b"", final=True)
        if len(text) > sent:
            yield text[sent:]


_loaded: dict[str, LoadedModel] = {}
_load_lock = threading.Lock()


def load(spec: BuiltinModel, progress: Progress | None = None) -> LoadedModel:
    """The process-wide loaded model for ``spec``, loading it on first use."""
    with _load_lock:
        if spec.name in _loaded:
            return _loaded[spec.name]
        path = spec.weights_path(progress)
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise ModelWeightsError(
                "The built-in models need llama-cpp-python. Install it with 'make install'."
            ) from exc
        threads = int(os.environ.get("CANDOR_LOCAL_THREADS") or os.cpu_count() or 2)
        try:
            llama = Llama(
                model_path=str(path),
                n_ctx=spec.n_ctx,
                n_batch=512,
                n_threads=threads,
                n_threads_batch=threads,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise ModelWeightsError(f"llama.cpp could not load {path}: {exc}") from exc
        _loaded[spec.name] = LoadedModel(spec, llama)
        return _loaded[spec.name]


def queue_depth(model_string: str) -> int:
    """How many generations are running or waiting on this built-in model in this process
    (0 for a model that is not loaded, or not built in)."""
    for loaded in list(_loaded.values()):
        if loaded.spec.model_string == model_string:
            return loaded.users
    return 0


@atexit.register
def _close_all() -> None:
    """Free llama.cpp models while the interpreter can still run their destructors cleanly."""
    with _load_lock:
        for loaded in _loaded.values():
            loaded.llama.close()
        _loaded.clear()
