"""BM25 keyword scoring, to sharpen semantic search where the words themselves matter.

A small embedding model finds passages that mean roughly the same thing, but it blurs
neighbouring ideas ("tell her about the limits" and "don't overclaim"). Adding a keyword score
over the same chunks ranks the passage that shares the query's distinctive words higher.
The index lives in memory, one per collection, and is rebuilt when the collection changes.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOP = frozenset(
    """
    a about after all also am an and any are as at be been before being but by can could
    did do does doing don't for from had has have having he her here hers him his how i
    i'd i'm i've if in into is it it's its just me more most my nor of off on once
    only or other our out over own same she should so some such than that the their them
    then there these they this those through to too under until up very was we were what
    when where which while who whom why will with would you you're your yours
    """.split()  # noqa: SIM905
)
K1, B = 1.2, 0.75


def terms(text: str) -> list[str]:
    """Lower-cased words without stop words, with plural and -ing/-ed endings folded."""
    out = []
    for word in _WORD.findall(text.lower()):
        if word in _STOP:
            continue
        word = word.split("'")[0]
        for suffix in ("ing", "ed", "es", "s"):
            if len(word) > len(suffix) + 3 and word.endswith(suffix):
                word = word[: -len(suffix)]
                break
        out.append(word)
    return out


class Bm25:
    """An Okapi BM25 index over a fixed list of texts."""

    def __init__(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        self.ids = list(ids)
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.lengths: list[int] = []
        for position, text in enumerate(texts):
            counts = Counter(terms(text))
            self.lengths.append(sum(counts.values()))
            for term, count in counts.items():
                self.postings[term].append((position, count))
        self.average = (sum(self.lengths) / len(self.lengths)) if self.lengths else 0.0

    def __len__(self) -> int:
        return len(self.ids)

    def scores(self, query: str) -> dict[str, float]:
        """BM25 score of every text that shares a term with ``query``, by id."""
        n = len(self.ids)
        totals: dict[int, float] = defaultdict(float)
        for term in set(terms(query)):
            postings = self.postings.get(term)
            if not postings:
                continue
            idf = math.log(1 + (n - len(postings) + 0.5) / (len(postings) + 0.5))
            for position, count in postings:
                norm = K1 * (1 - B + B * self.lengths[position] / (self.average or 1))
                totals[position] += idf * count * (K1 + 1) / (count + norm)
        return {self.ids[p]: s for p, s in totals.items()}
