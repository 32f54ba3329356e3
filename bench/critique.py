"""Critique speed on a 40-turn transcript: the deterministic part, and the full critique.

Run: ``make bench`` (or ``.venv/bin/python bench/critique.py``). Uses a private temporary
CANDOR_HOME. The deterministic part (the reader, embeddings, retrieval of principles) must take at
most 1 s; the full critique adds the summary written by the default model. Ends with one JSON
line with ``deterministic_s_40_turns`` and ``full_s_40_turns``.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time

FACTS = """# Clear Ledger bookkeeping
## Price
280 dollars a month for up to 300 transactions; catch-up work 45 dollars an hour.
## How it works
Weekly bank reconciliation, a monthly one-page report, a call every quarter.
## Limitations
- No payroll
- Remote only, no on-site visits
- English only
"""
EXCHANGES = [
    (
        "Hi Lena, thanks for making time today. What made you reach out?",
        "My books are a mess and my accountant is getting impatient.",
    ),
    (
        "How do you keep track of receipts and expenses right now?",
        "A shoebox, honestly, and a spreadsheet I stopped updating in March.",
    ),
    (
        "What would a good month look like for you?",
        "Knowing where the money went without staying up until midnight.",
    ),
    (
        "We guarantee your books will be perfect within a week.",
        "I also need someone to run payroll for my two staff.",
    ),
    (
        "Don't worry about that, everyone says that.",
        "I'm worried about handing my numbers to a stranger.",
    ),
    (
        "To be upfront, I don't do payroll, so you'd still need a payroll service.",
        "Hm. That means two people to deal with.",
    ),
    (
        "That's a fair worry. I can recommend a payroll provider I work well with.",
        "What does it cost per month?",
    ),
    ("280 dollars a month for up to 300 transactions.", "That's more than I hoped."),
    ("This price ends today, so you should sign now.", "No thanks, I'll pass for now."),
    (
        "Are you sure? I can knock 20% off if you sign today.",
        "No. Please send me the summary and I'll think.",
    ),
]


def transcript_text() -> str:
    lines = []
    for me, them in EXCHANGES * 2:
        lines += [f"Maya: {me}", f"Lena: {them}"]
    return "\n".join(lines)


def main() -> None:
    os.environ["CANDOR_HOME"] = tempfile.mkdtemp(prefix="candor-bench-")
    from coach import llm
    from coach.config import ModelSettings
    from coach.critique import Context
    from coach.critique.engine import run
    from coach.critique.transcript import parse_plain
    from coach.reading import reader

    transcript = parse_plain(transcript_text(), "Maya")
    assert len(transcript.turns) == 40
    context = Context(facts=FACTS, personal_code=["I don't discount more than 10%"])
    run(transcript, context, use_model=False)  # warm: embedding model, principle index
    times = []
    for _ in range(5):
        reader.default().forget()  # each run reads the call afresh
        t = time.perf_counter()
        report = run(transcript, context, use_model=False)
        times.append(time.perf_counter() - t)
    settings = ModelSettings()
    llm.prepare(settings)
    t = time.perf_counter()
    full = run(transcript, context, settings=settings, use_model=True)
    full_s = time.perf_counter() - t
    det = statistics.median(times)
    print(f"{'measure':<40} {'value':>8}")
    print(f"{'turns':<40} {len(transcript.turns):>8}")
    print(f"{'flags found':<40} {len(report.flags):>8}")
    print(f"{'deterministic critique, median of 5 (s)':<40} {det:>8.3f}")
    print(f"{'full critique on ' + settings.model + ' (s)':<40} {full_s:>8.2f}")
    print(f"summary: {full.summary}")
    print(
        json.dumps(
            {
                "turns": len(transcript.turns),
                "flags": len(report.flags),
                "deterministic_s_40_turns": round(det, 3),
                "full_s_40_turns": round(full_s, 2),
                "model": settings.model,
            }
        )
    )


if __name__ == "__main__":
    main()
