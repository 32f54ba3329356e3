"""What the reader sees of an utterance: its MiniLM embedding and its hashed words.

The embedding carries meaning in words nobody labelled; the hashed unigrams and bigrams let the
trained weights pick up the exact wording the labels show (a "?" at the end, "honestly", "but").
Neither is a list of phrases: which words matter, and how much, is learned from the data.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Sequence

import numpy as np

HASH_DIMENSIONS = 4096
EMBED_DIMENSIONS = 384
DIMENSIONS = EMBED_DIMENSIONS + HASH_DIMENSIONS + 1
"""Embedding, hashed words, and a constant 1 for the bias."""
WORD_WEIGHT = 2.0
"""Scale of the word block relative to the (unit-length) embedding."""

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[?!]")

Embed = Callable[[Sequence[str]], np.ndarray]


def tokens(text: str) -> list[str]:
    """Lower-cased words and the ``?`` and ``!`` marks, with markers for the first word and the
    end, so that word order at the edges (a question word first, a ``?`` last) can count."""
    words = _TOKEN.findall(text.lower())
    return ["<s>", *words, "</s>"]


def _bucket(gram: str) -> int:
    return zlib.crc32(gram.encode("utf-8")) % HASH_DIMENSIONS


def word_block(texts: Sequence[str]) -> np.ndarray:
    """Hashed unigram and bigram presence, each row scaled to length ``WORD_WEIGHT``."""
    out = np.zeros((len(texts), HASH_DIMENSIONS), dtype=np.float32)
    for row, text in enumerate(texts):
        toks = tokens(text)
        grams = toks[1:-1] + [f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False)]
        for gram in grams:
            out[row, _bucket(gram)] = 1.0
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.maximum(norms, 1e-6) * WORD_WEIGHT


def featurize(texts: Sequence[str], embed: Embed) -> np.ndarray:
    """The feature matrix for ``texts``: one row each, ``DIMENSIONS`` wide."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    vectors = np.asarray(embed(list(texts)), dtype=np.float32)
    ones = np.ones((len(texts), 1), dtype=np.float32)
    return np.hstack([vectors, word_block(texts), ones])
