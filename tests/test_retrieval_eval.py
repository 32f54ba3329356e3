"""Retrieval evaluation: paraphrased questions must find the principle or practice they are about.

Two question sets live in ``tests/data``: ``retrieval_questions.yaml`` (written alongside the
practices) and ``retrieval_questions_heldout.yaml`` (written apart from them, never used to tune
the practices' text). Run it as a test (``make test``: recall@3 must reach 0.9 on each) or as a
report (``make eval``, or ``.venv/bin/python tests/test_retrieval_eval.py``), which prints
recall@1 and recall@3 per set, and every question not answered at rank 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

DATA = Path(__file__).resolve().parent / "data"
SETS = {
    "main": DATA / "retrieval_questions.yaml",
    "held-out": DATA / "retrieval_questions_heldout.yaml",
}


@dataclass
class Outcome:
    question: str
    expect: list[str]
    found: list[str]
    """The practice id (or principle id, for a principle chunk) of each hit, best first."""

    def rank(self) -> int | None:
        """1-based rank of the first correct hit, or None."""
        for rank, item in enumerate(self.found, start=1):
            for want in self.expect:
                if item == want or ("." not in want and item.split(".")[0] == want):
                    return rank
        return None


def evaluate(path: Path, k: int = 3) -> list[Outcome]:
    import knowledge as kb

    outcomes = []
    for item in yaml.safe_load(path.read_text(encoding="utf-8")):
        hits = kb.search(item["q"], k=k, collections=[kb.PRINCIPLES])
        found = [h.practice_id or h.principle_id or h.id for h in hits]
        outcomes.append(Outcome(item["q"], list(item["expect"]), found))
    return outcomes


def recall(outcomes: list[Outcome], at: int) -> float:
    return sum(1 for o in outcomes if (r := o.rank()) is not None and r <= at) / len(outcomes)


@pytest.mark.parametrize("name", SETS)
def test_recall_at_3_reaches_0_9(name):
    outcomes = evaluate(SETS[name])
    assert len(outcomes) >= 30
    misses = [(o.question, o.expect, o.found) for o in outcomes if o.rank() is None]
    assert recall(outcomes, 3) >= 0.9, misses
    assert recall(outcomes, 1) <= recall(outcomes, 3)


if __name__ == "__main__":
    for set_name, path in SETS.items():
        results = evaluate(path)
        print(
            f"{set_name}: {len(results)} questions, recall@1 {recall(results, 1):.2f}, "
            f"recall@3 {recall(results, 3):.2f}"
        )
        for o in results:
            if o.rank() != 1:
                print(
                    f"  - rank {o.rank()}: {o.question}\n    expected {o.expect}, found {o.found}"
                )
