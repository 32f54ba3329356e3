"""Score the critique against the labelled transcripts in ``tests/eval``.

Run the full evaluation with ``make eval`` (``python -m tests.eval``); ``tests/test_critique``
runs it without the model (the flags are deterministic; the model writes only the summary)
with a floor, so that regressions fail CI.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from coach.critique.engine import FLAG_KINDS

HERE = Path(__file__).resolve().parent
HELDOUT = HERE / "heldout"
"""The test split: 40 transcripts written apart from the code, never used to tune it. The
transcripts directly under ``tests/eval`` are the development set the old rules were tuned on."""
KINDS = FLAG_KINDS
SHARED = HERE.parent.parent.parent / "shared" / "data" / "dialogues" / "casino_annotated_150.jsonl"


@dataclass
class Score:
    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    stance_right: int = 0
    cases: int = 0
    quotes: int = 0
    verbatim: int = 0
    misses: list[str] = field(default_factory=list)

    def prf(self, kind: str | None = None) -> tuple[float, float, float]:
        kinds = [kind] if kind else list(KINDS)
        tp = sum(self.tp[k] for k in kinds)
        fp = sum(self.fp[k] for k in kinds)
        fn = sum(self.fn[k] for k in kinds)
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    @property
    def stance_accuracy(self) -> float:
        return self.stance_right / self.cases if self.cases else 0.0

    @property
    def verbatim_share(self) -> float:
        return self.verbatim / self.quotes if self.quotes else 1.0


def cases(root: Path = HERE) -> list[dict[str, Any]]:
    return list(yaml.safe_load((root / "labels.yaml").read_text(encoding="utf-8")))


def evaluate(use_model: bool = False, only: int | None = None, root: Path = HELDOUT) -> Score:
    from coach.critique import Context
    from coach.critique.engine import run
    from coach.critique.transcript import read_plain

    score = Score()
    for case in cases(root)[:only]:
        folder = root / "cases" / case["id"]
        lines = (folder / "transcript.txt").read_text(encoding="utf-8").splitlines()
        transcript = read_plain(folder / "transcript.txt", case["me"])
        facts = (folder / "facts.md").read_text(encoding="utf-8")
        report = run(
            transcript,
            Context(facts=facts, personal_code=case.get("code") or []),
            use_model=use_model,
        )
        want = {(f["kind"], int(f["turn"])) for f in case.get("flags") or []}
        got = {(f.kind, f.turn) for f in report.flags}
        for kind, _turn in got & want:
            score.tp[kind] += 1
        for kind, turn in got - want:
            score.fp[kind] += 1
            score.misses.append(f"{case['id']}: false {kind} at turn {turn}")
        for kind, turn in want - got:
            score.fn[kind] += 1
            score.misses.append(f"{case['id']}: missed {kind} at turn {turn}")
        score.cases += 1
        if report.fit.user_stance == case["stance"]:
            score.stance_right += 1
        else:
            score.misses.append(
                f"{case['id']}: stance {report.fit.user_stance}, expected {case['stance']}"
            )
        for finding in report.flags + report.strengths:
            score.quotes += 1
            said = lines[finding.turn - 1].split(":", 1)[1]
            score.verbatim += finding.quote in said
    return score


def table(score: Score) -> str:
    rows = ["| flag kind | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for kind in KINDS:
        p, r, f = score.prf(kind)
        support = score.tp[kind] + score.fn[kind]
        rows.append(f"| {kind} | {p:.2f} | {r:.2f} | {f:.2f} | {support} |")
    p, r, f = score.prf()
    rows.append(
        f"| **overall** | {p:.2f} | {r:.2f} | {f:.2f} | "
        f"{sum(score.tp.values()) + sum(score.fn.values())} |"
    )
    rows.append("")
    rows.append(
        f"Stance accuracy: {score.stance_accuracy:.2f} over {score.cases} transcripts. "
        f"Verbatim quotes: {score.verbatim_share:.0%} of {score.quotes} findings."
    )
    return "\n".join(rows)


def casino(limit: int | None = None) -> dict[str, Any]:
    """Critique real negotiations (each side as "me"); flags on uv-part utterances vs others."""
    from coach.critique import Context
    from coach.critique.engine import run
    from coach.critique.transcript import Turn, with_me

    flagged = Counter[str]()
    totals = Counter[str]()
    dialogues = 0
    for line in SHARED.read_text(encoding="utf-8").splitlines()[:limit]:
        dialogue = json.loads(line)
        turns, labels = [], []
        for t in dialogue["turns"]:
            text = str(t.get("text") or "").strip()
            if not text or text in {"Submit-Deal", "Accept-Deal", "Reject-Deal", "Walk-Away"}:
                continue
            turns.append(Turn(len(turns) + 1, t["speaker"], text))
            labels.append(str(t.get("strategy") or ""))
        if len({t.speaker for t in turns}) < 2:
            continue
        dialogues += 1
        for me in sorted({t.speaker for t in turns}):
            report = run(with_me(turns, me, dialogue["id"]), Context(), use_model=False)
            hit = {f.turn for f in report.flags if f.kind in {"dismissed_concern", "pressure"}}
            for turn, label in zip(turns, labels, strict=True):
                if turn.speaker != me:
                    continue
                group = "uv-part" if "uv-part" in label else "other"
                totals[group] += 1
                flagged[group] += turn.number in hit
    return {
        "dialogues": dialogues,
        "uv_part_utterances": totals["uv-part"],
        "uv_part_flag_rate": round(flagged["uv-part"] / max(totals["uv-part"], 1), 4),
        "other_utterances": totals["other"],
        "other_flag_rate": round(flagged["other"] / max(totals["other"], 1), 4),
    }
