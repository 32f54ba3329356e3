"""Practice calls on the director alone, from scripts nobody tuned it on.

``honest.yaml`` has one honest call per built-in persona, in everyday words, each line marked
with the hidden facts it asks about (``dev_honest.yaml``, two more per persona by another
writer, is the development set); ``pushy.yaml`` has a pushy call for every no-fit persona.
``python -m tests.eval.practice_scripts`` prints the table; ``tests/test_practice_scripts.py``
gates it. No language model runs: what a persona reveals and decides is the director's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent / "practice"


@dataclass
class HonestResult:
    persona: str
    ended_early: str | None = None
    """How the call ended before its last line, if it did."""
    asked: list[str] = field(default_factory=list)
    """Non-sensitive facts a line asked about."""
    earned: list[str] = field(default_factory=list)
    """Of those, the ones revealed in answer to a line that asked about them."""


@dataclass
class PushyResult:
    persona: str
    decision: str
    ended_by: str | None
    turns: int


def scripts(name: str) -> list[dict[str, Any]]:
    return list(yaml.safe_load((HERE / name).read_text(encoding="utf-8")))


def _director(persona_id: str) -> Any:
    from coach.director.director import Director
    from knowledge.embedding import embed
    from personas import loader

    persona = loader.persona(persona_id)
    return Director(persona, loader.scenario_for(persona), embed)


def honest(name: str = "honest.yaml") -> list[HonestResult]:
    """Run the honest scripts; ``dev_honest.yaml`` is the development set the director's
    matching may be tuned on, ``honest.yaml`` the test set it never is."""
    out = []
    for script in scripts(name):
        d = _director(script["persona"])
        plain = {f.id for f in d.persona.hidden_facts if not f.sensitive}
        result = HonestResult(script["persona"])
        turns = script["turns"]
        for n, turn in enumerate(turns, start=1):
            _, beat, events = d.step(turn["text"])
            asks = [f for f in turn.get("asks_about") or [] if f in plain]
            for fact in asks:
                if fact not in result.asked:
                    result.asked.append(fact)
                if fact in events["revealed"] and fact not in result.earned:
                    result.earned.append(fact)
            if d.state.ended and n < len(turns):
                result.ended_early = f"turn {n} ({beat.kind}): {turn['text'][:70]!r}"
                break
        out.append(result)
    return out


def pushy(name: str = "pushy.yaml") -> list[PushyResult]:
    """Run the pushy scripts (``dev_pushy.yaml``: the development set)."""
    out = []
    for script in scripts(name):
        d = _director(script["persona"])
        said = 0
        for turn in script["turns"]:
            said += 1
            d.step(turn["text"])
            if d.state.ended:
                break
        out.append(PushyResult(script["persona"], d.state.decision, d.state.ended_by, said))
    return out


def table() -> str:
    rows = [
        "| persona | ended early | non-sensitive facts earned |",
        "|---|---|---|",
    ]
    asked = earned = 0
    results = honest()
    for r in results:
        asked += len(r.asked)
        earned += len(r.earned)
        rows.append(f"| {r.persona} | {r.ended_early or 'no'} | {len(r.earned)}/{len(r.asked)} |")
    ended = sum(r.ended_early is not None for r in results)
    rows.append(
        f"\nHonest calls ended by a misreading: {ended} of {len(results)}. Non-sensitive facts "
        f"earned by the questions that ask about them: {earned}/{asked} "
        f"({earned / max(asked, 1):.0%}).\n"
    )
    rows += ["| no-fit persona, pushy call | decision | ended by | turns |", "|---|---|---|---|"]
    for p in pushy():
        rows.append(f"| {p.persona} | {p.decision} | {p.ended_by or '-'} | {p.turns} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
