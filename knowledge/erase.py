"""Erase the user's collections from the knowledge index, leaving nothing readable behind.

Used by "delete all my data" (:mod:`coach.privacy`). Only collections embedded with Candor's
own embedding function are touched (a shared Chroma server may hold other applications'
data), and the built-in principles stay: they are Candor's text, not the user's.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from coach import config
from knowledge import index
from knowledge.index import PRINCIPLES

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _candor_embedding() -> str:
    from knowledge.embedding import MiniLMEmbedding

    return MiniLMEmbedding.name()


def delete_user_collections(kept: list[str]) -> dict[str, Any]:
    """Delete every collection Candor made except the built-in principles; what is kept, and
    why, is appended to ``kept``. Returns the deleted collections' names and chunk count."""

    client = index.client()
    ours = _candor_embedding()
    doomed = []
    for listed in client.list_collections():
        name = listed if isinstance(listed, str) else listed.name
        if name == PRINCIPLES:
            kept.append(f"the '{PRINCIPLES}' collection (Candor's own principles, not your data)")
            continue
        collection = client.get_collection(name)
        function = (collection.configuration_json or {}).get("embedding_function") or {}
        if function.get("name") != ours:
            kept.append(f"the collection '{name}' (not created by Candor)")
            continue
        doomed.append(collection)
    local = None if config.chroma_url() else Path(index._location())
    segments = _segments(local, [str(c.id) for c in doomed]) if local else []
    chunks = 0
    for collection in doomed:
        chunks += collection.count()
        client.delete_collection(collection.name)
        _forget(collection.name)
    if local:
        _compact_local_chroma(local, segments)
    return {"collections": tuple(sorted(c.name for c in doomed)), "chunks": chunks}


def _forget(name: str) -> None:
    """Drop ``knowledge.index``'s cached handle and keyword index of a deleted collection, so
    that the next use creates it afresh."""
    key = (index._location(), name)
    with index._lock:
        index._handles.pop(key, None)
        index._keyword_indexes.pop(key, None)


def _segments(path: Path, collection_ids: list[str]) -> list[str]:
    """The ids of the segments of these collections in a local chroma folder."""
    database = path / "chroma.sqlite3"
    if not collection_ids or not database.is_file():
        return []
    marks = ",".join("?" * len(collection_ids))
    with closing(sqlite3.connect(database, timeout=10)) as conn:
        rows = conn.execute(
            f"SELECT id FROM segments WHERE collection IN ({marks})", collection_ids
        ).fetchall()
    return [str(row[0]) for row in rows]


def _compact_local_chroma(path: Path, segments: list[str]) -> None:
    """Make deleted collections unreadable in a local chroma folder.

    Chroma (1.x) deletes a collection's rows but leaves its vector files in a folder named by
    the segment's id, and SQLite keeps the deleted documents' text in free space until a
    vacuum.
    """
    for segment in segments:
        folder = path / segment
        if _UUID.match(segment) and folder.is_dir():
            shutil.rmtree(folder)
    database = path / "chroma.sqlite3"
    if database.is_file():
        with closing(sqlite3.connect(database, timeout=10, isolation_level=None)) as conn:
            conn.execute("VACUUM")
