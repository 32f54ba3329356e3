"""Split documents into overlapping, token-bounded chunks that keep their headings.

Chunks are measured in tiktoken tokens. Text is packed paragraph by paragraph; a paragraph too
long for one chunk is cut into token windows. Each chunk after the first in a section starts
with the last ``overlap`` tokens of the one before, so a sentence cut at a boundary is still
whole somewhere. Every chunk begins with its heading path (``Pricing > Discounts``), so a chunk
read alone still says what it is about.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from coach import tokens

MAX_TOKENS = 96
"""Chunk size: MiniLM reads at most 256 word pieces, a little more than 180 tiktoken tokens."""
OVERLAP = 16

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True)
class Chunk:
    """A piece of a document, ready to embed."""

    index: int
    heading: str
    """The heading path, e.g. ``Pricing > Discounts``; empty before the first heading."""
    text: str
    """The heading path followed by the chunk's own text."""


def _sections(text: str) -> Iterator[tuple[str, str]]:
    """``(heading path, body)`` for each Markdown section, in order."""
    path: list[tuple[int, str]] = []
    body: list[str] = []
    in_fence = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            yield " > ".join(t for _, t in path), "\n".join(body)
            level = len(match.group(1))
            path = [(lvl, t) for lvl, t in path if lvl < level] + [(level, match.group(2))]
            body = []
        else:
            body.append(line)
    yield " > ".join(t for _, t in path), "\n".join(body)


def _paragraphs(body: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]


def chunk_text(text: str, max_tokens: int = MAX_TOKENS, overlap: int = OVERLAP) -> list[Chunk]:
    """Chunks of Markdown or plain ``text``; each at most ``max_tokens`` tokens with its heading."""
    if overlap >= max_tokens // 2:
        raise ValueError("overlap must be less than half of max_tokens")
    enc = tokens.encoding()
    chunks: list[Chunk] = []
    for heading, body in _sections(text):
        prefix = f"{heading}\n" if heading else ""
        budget = max_tokens - len(enc.encode(prefix, disallowed_special=()))
        budget = max(budget, max_tokens // 2)  # a very long heading still leaves room for text
        window: list[int] = []
        for paragraph in _paragraphs(body):
            ids = enc.encode(paragraph + "\n\n", disallowed_special=())
            while ids:
                room = budget - len(window)
                if len(ids) <= room:
                    window += ids
                    ids = []
                    continue
                if window and len(ids) <= budget - overlap:
                    # the paragraph fits a fresh chunk whole: don't split it across two
                    room = 0
                window += ids[:room]
                ids = ids[room:]
                chunks.append(Chunk(len(chunks), heading, prefix + enc.decode(window).strip()))
                window = window[-overlap:]
        if window and enc.decode(window).strip():
            chunks.append(Chunk(len(chunks), heading, prefix + enc.decode(window).strip()))
    return chunks
