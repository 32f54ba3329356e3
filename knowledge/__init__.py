"""The principles of honest selling in Candor's own words, and retrieval over them.

- :func:`principles` and :func:`find`: the six principles (``P1``..``P6``) and their practices
  (``P4.walk-away``...), loaded from ``knowledge/principles/*.md``.
- :func:`search`: the chunks closest in meaning to a query, across the principles and the
  user's documents, as typed :class:`Hit` results.
- :func:`add_files`: index the user's .md, .txt, .pdf and .docx files into a collection.
"""

from knowledge.index import (
    DEFAULT_COLLECTION,
    PRINCIPLES,
    CollectionInfo,
    Hit,
    IndexReport,
    add_document,
    add_files,
    collections,
    ensure_principles,
    search,
)
from knowledge.principle_loader import Practice, Principle, find, principles

__all__ = [
    "DEFAULT_COLLECTION",
    "PRINCIPLES",
    "CollectionInfo",
    "Hit",
    "IndexReport",
    "Practice",
    "Principle",
    "add_document",
    "add_files",
    "collections",
    "ensure_principles",
    "find",
    "principles",
    "search",
]
