"""The knowledge index: principles and the user's documents in chroma, searched by meaning.

Local by default (``chromadb.PersistentClient`` at ``$CANDOR_HOME/chroma``); set
``CANDOR_CHROMA_URL=http://host:port`` to use a Chroma server instead. Both use Candor's own
offline MiniLM embedding function, never chroma's default one (it downloads a model).

Chunks are indexed by content hash: each chunk's metadata records the hash of its text, so
indexing an unchanged document or an unchanged set of principles writes nothing.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from coach import config
from coach.errors import ConfigError, InputError, StorageError
from knowledge.chunking import chunk_text
from knowledge.documents import Document, read_document
from knowledge.lexical import Bm25
from knowledge.principle_loader import find, principles

PRINCIPLES = "principles"
"""The collection of the built-in principles and practices."""
DEFAULT_COLLECTION = "my-documents"
BATCH = 512
PRINCIPLE_CHUNK_TOKENS = 180
"""The principles' own prose is written in whole paragraphs; longer chunks keep them whole."""

Progress = Callable[[int, int, str], None]
_COLLECTION_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,126}[a-zA-Z0-9]$")
_lock = threading.Lock()


@dataclass(frozen=True)
class Hit:
    """One search result, best first in a result list."""

    id: str
    """``P4.walk-away#0`` for a principle chunk, ``<file>#<n>`` for a document chunk."""
    source: str
    text: str
    score: float
    """Relevance, higher is better: cosine similarity plus a keyword (BM25) bonus and, for a
    practice, half the score of its second-best chunk."""
    collection: str
    principle_id: str | None = None
    practice_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "text": self.text,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class IndexReport:
    """What indexing one document or collection did."""

    source: str
    collection: str
    chunks: int
    written: int
    """Chunks embedded and written; 0 when nothing had changed."""
    removed: int = 0


@dataclass(frozen=True)
class CollectionInfo:
    name: str
    chunks: int
    sources: list[str]


@cache
def _client(location: str) -> Any:
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if location.startswith(("http://", "https://")):
        parts = urlsplit(location)
        if not parts.hostname:
            raise ConfigError(f"CANDOR_CHROMA_URL='{location}' has no host.")
        try:
            return chromadb.HttpClient(
                host=parts.hostname,
                port=parts.port or (443 if parts.scheme == "https" else 80),
                ssl=parts.scheme == "https",
                settings=settings,
            )
        except Exception as exc:  # chroma raises ValueError/ConnectError variants
            raise StorageError(
                f"Cannot reach the Chroma server at CANDOR_CHROMA_URL={location}: {exc}"
            ) from exc
    return chromadb.PersistentClient(path=location, settings=settings)


def _location() -> str:
    return config.chroma_url() or str(config.home_dir() / "chroma")


def client() -> Any:
    """The chroma client named by the settings (one per location per process)."""
    return _client(_location())


_handles: dict[tuple[str, str], Any] = {}
_principles_synced: set[str] = set()


def _collection(name: str) -> Any:
    """The collection called ``name``, created on first use; handles are reused."""
    from knowledge.embedding import MiniLMEmbedding

    if not _COLLECTION_NAME.match(name):
        raise InputError(
            f"'{name}' is not a usable collection name: use 3-128 letters, digits, '.', '_' "
            "or '-', starting and ending with a letter or digit."
        )
    key = (_location(), name)
    if key not in _handles:
        _handles[key] = client().get_or_create_collection(
            name,
            embedding_function=MiniLMEmbedding(),
            configuration={"hnsw": {"space": "cosine"}},
        )
    return _handles[key]


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _sync(
    collection: Any,
    source: str,
    items: Sequence[tuple[str, str, dict[str, Any]]],
    progress: Progress | None = None,
) -> IndexReport:
    """Make ``source``'s chunks in ``collection`` exactly ``items`` (id, text, metadata).

    Only chunks whose text changed are embedded; new chunks are written before stale ones are
    removed, so a failure half-way leaves the old content searchable.
    """
    existing = collection.get(where={"source": source}, include=["metadatas"])
    have = {
        i: (m or {}).get("content_hash")
        for i, m in zip(existing["ids"], existing["metadatas"], strict=True)
    }
    todo = [(i, t, {**m, "source": source, "content_hash": _hash(t)}) for i, t, m in items]
    todo = [x for x in todo if have.get(x[0]) != x[2]["content_hash"]]
    from knowledge.embedding import embed

    for start in range(0, len(todo), BATCH):
        batch = todo[start : start + BATCH]
        texts = [t for _, t, _ in batch]
        collection.upsert(  # embedded here, a whole batch at once: it is sorted by length
            ids=[i for i, _, _ in batch],
            documents=texts,
            embeddings=embed(texts),
            metadatas=[m for _, _, m in batch],
        )
        if progress:
            progress(start + len(batch), len(todo), source)
    stale = sorted(set(have) - {i for i, _, _ in items})
    if stale:
        collection.delete(ids=stale)
    if todo or stale:
        _keyword_indexes.pop((_location(), collection.name), None)
    return IndexReport(source, collection.name, len(items), len(todo), len(stale))


def _principle_items() -> list[tuple[str, str, dict[str, Any]]]:
    items: list[tuple[str, str, dict[str, Any]]] = []
    for principle in principles():
        intro = f"# {principle.title.en}\n\n{principle.summary.en}\n\n{principle.body}"
        for chunk in chunk_text(intro, max_tokens=PRINCIPLE_CHUNK_TOKENS):
            items.append(
                (
                    f"{principle.id}#{chunk.index}",
                    chunk.text,
                    {"principle_id": principle.id, "practice_id": ""},
                )
            )
        for practice in principle.practices:
            meta = {"principle_id": principle.id, "practice_id": practice.id}
            # the passage with the situations it answers, then each situation on its own:
            # a user's question is often closest to one of them
            passage = "\n".join([practice.text(principle), *practice.asks])
            items.append((f"{practice.id}#0", passage, meta))
            items += [
                (f"{practice.id}#{n}", ask, meta) for n, ask in enumerate(practice.asks, start=1)
            ]
    return items


def ensure_principles(progress: Progress | None = None) -> IndexReport:
    """Index the built-in principles and practices; a no-op when they have not changed."""
    with _lock:
        report = _sync(_collection(PRINCIPLES), "principles", _principle_items(), progress)
        _principles_synced.add(_location())
        return report


def add_document(
    document: Document, collection: str = DEFAULT_COLLECTION, progress: Progress | None = None
) -> IndexReport:
    """Index ``document`` into ``collection``, replacing an earlier version with its name."""
    if collection == PRINCIPLES:
        raise InputError(f"The collection '{PRINCIPLES}' holds the built-in principles only.")
    items = [
        (
            f"{document.name}#{c.index}",
            c.text,
            {"heading": c.heading, "doc_sha256": document.sha256},
        )
        for c in chunk_text(document.text)
    ]
    with _lock:
        return _sync(_collection(collection), document.name, items, progress)


def add_files(
    paths: Iterable[Path | str],
    collection: str = DEFAULT_COLLECTION,
    progress: Progress | None = None,
) -> list[IndexReport]:
    """Read every file first, then index them; one bad file refuses the batch, naming it.

    Reading first means a refused upload changes nothing that was already indexed.
    """
    documents = [read_document(p) for p in paths]
    return [add_document(d, collection, progress) for d in documents]


def collections() -> list[CollectionInfo]:
    """Every collection with its chunk count and sources."""
    infos = []
    for name in _collection_names():
        coll = _collection(name)
        metas = coll.get(include=["metadatas"])["metadatas"] or []
        sources = sorted({str((m or {}).get("source", "")) for m in metas})
        infos.append(CollectionInfo(name, len(metas), sources))
    return sorted(infos, key=lambda c: (c.name != PRINCIPLES, c.name))


def search(query: str, k: int = 5, collections: Sequence[str] | None = None) -> list[Hit]:
    """The ``k`` passages that best match ``query``, best first, across ``collections``.

    By default every collection is searched, the principles included; the principles are
    indexed first if needed. Each collection returns its closest chunks by meaning and by
    keywords (BM25); the two are fused (:data:`KEYWORD_WEIGHT`). A practice appears once, with
    its full passage, however many of its chunks matched (:data:`SECOND_CHUNK_WEIGHT`).
    """
    query = query.strip()
    if not query:
        raise InputError("The search query is empty.")
    if k < 1:
        raise InputError(f"k must be at least 1, not {k}.")
    if _location() not in _principles_synced:
        ensure_principles()
    from knowledge.embedding import embed

    vector = embed([query])[0]
    hits: list[Hit] = []
    for name in list(collections) if collections else _collection_names():
        hits += _search_collection(_collection(name), query, vector, k)
    groups: dict[str, list[Hit]] = {}
    for hit in sorted(hits, key=lambda h: h.score, reverse=True):
        groups.setdefault(f"{hit.collection}/{hit.practice_id or hit.id}", []).append(hit)
    merged = [
        replace(g[0], score=g[0].score + SECOND_CHUNK_WEIGHT * (g[1].score if len(g) > 1 else 0))
        for g in groups.values()
    ]
    return sorted(merged, key=lambda h: h.score, reverse=True)[:k]


KEYWORD_WEIGHT = 0.03
"""Weight of the raw BM25 score added to cosine similarity (chosen on the retrieval evaluation,
where 0.02-0.05 all did well)."""
SECOND_CHUNK_WEIGHT = 0.5
"""A practice matched by two of its chunks (its passage, its situations) outranks one matched
by a single chunk at the same strength."""


def _search_collection(collection: Any, query: str, vector: Any, k: int) -> list[Hit]:
    want = 4 * k + 10  # room for several chunks of one practice to collapse into one hit
    total = collection.count()
    if total == 0:
        return []
    result = collection.query(
        query_embeddings=[vector.tolist()],
        n_results=min(want, total),
        include=["documents", "metadatas", "distances"],
    )
    rows: dict[str, tuple[str, dict[str, Any], float]] = {
        i: (t or "", m or {}, 1.0 - float(d))
        for i, t, m, d in zip(
            result["ids"][0],
            result["documents"][0],
            result["metadatas"][0],
            result["distances"][0],
            strict=True,
        )
    }
    keyword = _keywords(collection, total).scores(query)
    # strong keyword matches that the semantic search missed get their similarity computed too
    extra = sorted((i for i in keyword if i not in rows), key=keyword.__getitem__)[-2 * k :]
    if extra:
        got = collection.get(ids=extra, include=["documents", "metadatas", "embeddings"])
        for i, t, m, e in zip(
            got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True
        ):
            rows[i] = (t or "", m or {}, float(vector @ e))
    return [
        _hit(collection.name, i, t, m, sim + KEYWORD_WEIGHT * keyword.get(i, 0.0))
        for i, (t, m, sim) in rows.items()
    ]


def _hit(collection: str, id_: str, text: str, meta: dict[str, Any], score: float) -> Hit:
    principle_id = str(meta.get("principle_id") or "") or None
    practice_id = str(meta.get("practice_id") or "") or None
    if practice_id:  # any chunk of a practice stands for the practice's own passage
        principle, practice = find(practice_id)
        assert practice is not None
        id_, text = f"{practice_id}#0", practice.text(principle)
    return Hit(
        id=id_,
        source=str(meta.get("source", "")),
        text=text,
        score=score,
        collection=collection,
        principle_id=principle_id,
        practice_id=practice_id,
    )


_keyword_indexes: dict[tuple[str, str], tuple[int, Bm25]] = {}


def _keywords(collection: Any, count: int) -> Bm25:
    """The collection's BM25 index, rebuilt when its size changed or we wrote to it."""
    key = (_location(), collection.name)
    cached = _keyword_indexes.get(key)
    if cached is None or cached[0] != count:
        everything = collection.get(include=["documents"])
        cached = (count, Bm25(everything["ids"], [d or "" for d in everything["documents"]]))
        _keyword_indexes[key] = cached
    return cached[1]


def _collection_names() -> list[str]:
    return [c if isinstance(c, str) else c.name for c in client().list_collections()]
