"""Score the reader on data it was not trained on, as ``rasa test nlu`` would.

``candor reader eval`` (part of ``make eval``) prints, for the test split and for the
out-of-domain source: per-move precision, recall, F1 and support; what each missed move was read
as instead (a confusion table); and the worst misreadings, so one can see what to label next.
Each dialogue is read in order, so moves that depend on context are read in the context the
reader itself worked out from the other side's lines, as in a real call.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from coach.reading.dataset import Dialogue, load
from coach.reading.reader import Reader, Reading, Utterance
from coach.reading.vocabulary import MOVES


@dataclass
class Scores:
    """Counts per move over judged utterances, and the misreadings behind them."""

    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    confusion: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    errors: list[tuple[float, str, str, str]] = field(default_factory=list)
    """(how wrong, dialogue#turn, line, what went wrong)."""

    def prf(self, move: str) -> tuple[float, float, float, int]:
        tp, fp, fn = self.tp[move], self.fp[move], self.fn[move]
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f, tp + fn

    def add(self, key: str, gold: frozenset[str], scope: frozenset[str], got: Reading) -> None:
        predicted = {m for m in got.moves if m in scope}
        for m in scope:
            if m in gold and m in predicted:
                self.tp[m] += 1
            elif m in predicted:
                self.fp[m] += 1
                margin = got.scores[m] - got.thresholds[m]
                self.errors.append((margin, key, got.text, f"read as {m}, not labelled so"))
            elif m in gold:
                self.fn[m] += 1
                margin = got.thresholds[m] - got.scores[m]
                self.errors.append((margin, key, got.text, f"missed {m}"))
                for other in sorted(predicted - gold) or ["(nothing)"]:
                    self.confusion[m][other] += 1


def score(reader: Reader, dialogues: Iterable[Dialogue]) -> Scores:
    """Read every dialogue in order and count hits and misses on the moves each turn judges."""
    out = Scores()
    for d in dialogues:
        readings = reader.read_dialogue([Utterance(t.side, t.text) for t in d.turns])  # type: ignore[arg-type]
        for i, (turn, got) in enumerate(zip(d.turns, readings, strict=True)):
            if turn.scope:
                out.add(f"{d.id}#{i}", turn.moves, turn.scope, got)
    return out


def table(scores: Scores, moves: Iterable[str]) -> str:
    rows = ["| move | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for m in moves:
        p, r, f, n = scores.prf(m)
        if n or scores.fp[m]:
            rows.append(f"| {m} | {p:.2f} | {r:.2f} | {f:.2f} | {n} |")
    return "\n".join(rows)


def confusion(scores: Scores) -> str:
    rows = ["| missed move | read instead as (count) |", "|---|---|"]
    for m, seen in sorted(scores.confusion.items()):
        rows.append(f"| {m} | " + ", ".join(f"{k} ({v})" for k, v in seen.most_common(4)) + " |")
    return "\n".join(rows)


def worst(scores: Scores, n: int = 15) -> str:
    rows = []
    for margin, key, text, what in sorted(scores.errors, reverse=True)[:n]:
        rows.append(f"- {key} ({what}, off by {margin:.2f}): {text[:140]!r}")
    return "\n".join(rows)


@dataclass(frozen=True)
class AfterRefusal:
    """PersuasionForGood: the persuader's turn right after a clear refusal."""

    pushed: tuple[float, float, int]
    """Precision, recall and support of pushing on."""
    accepted: tuple[float, float, int]


def after_refusal(reader: Reader, dialogues: Iterable[Dialogue]) -> AfterRefusal:
    """Push vs accept, on persuader turns right after a ``disagree-donation`` turn."""
    s = Scores()
    for d in dialogues:
        if d.source != "persuasionforgood":
            continue
        readings = reader.read_dialogue([Utterance(t.side, t.text) for t in d.turns])  # type: ignore[arg-type]
        for i, (turn, got) in enumerate(zip(d.turns, readings, strict=True)):
            if turn.side == "user" and "pushed_after_no" in turn.scope:
                s.add(f"{d.id}#{i}", turn.moves, turn.scope, got)
    p1, r1, _, n1 = s.prf("pushed_after_no")
    p2, r2, _, n2 = s.prf("accepted_no")
    return AfterRefusal((p1, r1, n1), (p2, r2, n2))


def report(reader: Reader | None = None) -> str:
    """The whole evaluation, as Markdown."""
    reader = reader or Reader()
    dialogues = load()
    test = [d for d in dialogues if d.split == "test"]
    ood = [d for d in dialogues if d.split == "ood"]
    out = []
    for name, part in (("test split", test), ("out-of-domain source (CaSiNo)", ood)):
        s = score(reader, part)
        turns = sum(len(d.turns) for d in part)
        out.append(f"## Reader on the {name}: {len(part)} dialogues, {turns} utterances\n")
        for side, moves in MOVES.items():
            out.append(f"### {side} side\n\n{table(s, moves)}\n")
        out.append(f"### What missed moves were read as\n\n{confusion(s)}\n")
        out.append(f"### Worst misreadings\n\n{worst(s)}\n")
    refusal = after_refusal(reader, test)
    out.append(
        "## PersuasionForGood, the persuader's turn right after a clear refusal (test split)\n\n"
        "| reading | precision | recall | support |\n|---|---|---|---|\n"
        f"| pushes on | {refusal.pushed[0]:.2f} | {refusal.pushed[1]:.2f} | {refusal.pushed[2]} |\n"
        f"| accepts the no | {refusal.accepted[0]:.2f} | {refusal.accepted[1]:.2f} | "
        f"{refusal.accepted[2]} |\n"
    )
    return "\n".join(out)
