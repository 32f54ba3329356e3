"""Persona reply latency over a 20-turn scripted practice call on the default model.

Run: ``make bench`` (or ``.venv/bin/python bench/persona_turns.py [--persona ID]``). Uses a
private temporary CANDOR_HOME.

The first persona token is the first checked words on screen: the model's first token plus the
first clause, which must pass the voice checks before it is shown. Prints a table per turn and
ends with one JSON line with ``first_token_s_turn1``, ``first_token_s_max`` and
``turn20_over_turn1`` (first-token latency of turn 20 over turn 1). Target: about 1 s every turn.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time

SCRIPT = [
    "Hi Dana, thanks for taking the call. How is the morning going?",
    "What made you fill in the contact form?",
    "How do you track your expenses today?",
    "What software do you use for the books, if any?",
    "How current are the books at the moment?",
    "How do your staff get paid?",
    "Who runs payroll today, and how long does it take?",
    "Which part of the admin takes you the longest?",
    "What would you most like off your plate?",
    "How many transactions do you have in a month, roughly?",
    "What budget do you have in mind for outside help?",
    "Are there any deadlines coming up with your accountant?",
    "What does your accountant expect from the books?",
    "Who did the books for you before?",
    "What happened with the help you had before?",
    "To be upfront: I don't run payroll, so you would still need a payroll service.",
    "What would a good first month look like for you?",
    "What worries you about handing the books to someone new?",
    "How do you like to be kept up to date: email, phone, a monthly call?",
    "What questions do you have for me?",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persona", default="dana-bakery-owner")
    args = parser.parse_args()
    os.environ["CANDOR_HOME"] = tempfile.mkdtemp(prefix="candor-bench-")

    from coach import llm
    from coach.config import ModelSettings
    from coach.practice import PracticeSession
    from coach.store import Store
    from knowledge.embedding import embed
    from personas import loader

    settings = ModelSettings()
    llm.prepare(settings)
    embed(["warm up"])
    persona = loader.persona(args.persona)
    scenario = loader.scenario_for(persona)
    t0 = time.perf_counter()
    session = PracticeSession.start(Store(), persona, scenario, settings)
    start_s = time.perf_counter() - t0

    rows = []
    for turn, line in enumerate(SCRIPT, start=1):
        if session.ended:
            break
        t = time.perf_counter()
        text = "".join(session.send(line))
        total = time.perf_counter() - t
        voiced = session.last
        assert voiced is not None and voiced.first_token_s is not None
        beat = session.store.turns_of(session.record.id)[-1].events["beat"]
        rows.append(
            {
                "turn": turn,
                "first_token_s": voiced.first_token_s,
                "total_s": total,
                "beat": beat,
                "attempts": voiced.attempts,
                "fallback": voiced.fallback,
                "words": len(text.split()),
            }
        )

    print(f"persona: {persona.id} on {settings.model}; session start (warm-up) {start_s:.2f} s")
    print(
        f"{'turn':>4} {'first s':>8} {'total s':>8} {'words':>5} {'tries':>5} {'fallback':>8} beat"
    )
    for r in rows:
        print(
            f"{r['turn']:>4} {r['first_token_s']:>8.2f} {r['total_s']:>8.2f} {r['words']:>5} "
            f"{r['attempts']:>5} {str(r['fallback']):>8} {r['beat']}"
        )
    firsts = [r["first_token_s"] for r in rows]
    print(
        json.dumps(
            {
                "persona": persona.id,
                "model": settings.model,
                "turns": len(rows),
                "session_start_s": round(start_s, 2),
                "first_token_s_turn1": round(firsts[0], 3),
                "first_token_s_median": round(statistics.median(firsts), 3),
                "first_token_s_max": round(max(firsts), 3),
                "turn20_over_turn1": round(firsts[-1] / firsts[0], 3),
                "fallbacks": sum(r["fallback"] for r in rows),
                "outcome": session.outcome(),
            }
        )
    )


if __name__ == "__main__":
    main()
