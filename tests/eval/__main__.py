"""``python -m tests.eval``: the critique evaluation on the default model, as Markdown tables."""

from __future__ import annotations

import json

from tests.eval.harness import HELDOUT, HERE, SHARED, casino, evaluate, table

if __name__ == "__main__":
    print("## Critique on the test split (tests/eval/heldout)\n")
    print(table(evaluate(use_model=True, root=HELDOUT)))
    print("\n## Critique on the development set (tests/eval/cases)\n")
    print(table(evaluate(use_model=True, root=HERE)))
    if SHARED.exists():
        print("\nCaSiNo negotiations (dismissed_concern or pressure flags per utterance):")
        print(json.dumps(casino()))
