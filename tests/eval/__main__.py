"""``python -m tests.eval``: the critique evaluation on the default model, as Markdown tables."""

from __future__ import annotations

import json

from tests.eval.harness import SHARED, casino, evaluate, table

if __name__ == "__main__":
    print(table(evaluate(use_model=True)))
    if SHARED.exists():
        print("\nCaSiNo negotiations (dismissed_concern or pressure flags per utterance):")
        print(json.dumps(casino()))
