"""The reader's labelled data: dialogues with a move label on every turn, and their split.

Two kinds of file live under ``coach/reading/data/``: ``authored/*.yaml`` (dialogues written
for Candor, every move judged on every turn) and ``sources/*.jsonl`` (turns converted from
outside corpora by :mod:`coach.reading.sources`, each judged only on the moves its source's
labels can tell, its ``scope``). ``LABELS.md`` defines the moves and the mappings.

The split is by dialogue, from a hash of its id: every turn of one dialogue is in one split.
One whole source (CaSiNo) is out of training, as the out-of-domain test.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from coach.errors import InputError
from coach.reading.vocabulary import AFTER_CONCERN, AFTER_NO, MOVES, ROLES

DATA = Path(__file__).resolve().parent / "data"
OUT_OF_DOMAIN = frozenset({"casino"})
"""Sources never trained on, only tested."""
DOMAINS = ("sales", "hiring", "persuasion", "negotiation")

Split = Literal["train", "dev", "test", "ood"]


@dataclass(frozen=True)
class Turn:
    side: str
    text: str
    moves: frozenset[str]
    scope: frozenset[str]
    """The moves judged on this turn; the others are neither right nor wrong here."""


@dataclass(frozen=True)
class Dialogue:
    id: str
    source: str
    domain: str
    role: str
    """The user's role: seller, candidate or interviewer."""
    turns: tuple[Turn, ...]
    file: str

    @property
    def split(self) -> Split:
        return split_of(self.id, self.source)


@dataclass(frozen=True)
class Example:
    """One labelled utterance, with what came before it."""

    dialogue: Dialogue
    index: int
    turn: Turn
    after_no: bool
    """The other side had said no, and the user had not yet accepted it."""
    after_concern: bool
    """The other side voiced a concern or a need since the user last spoke."""
    before: tuple[Turn, ...] = field(repr=False)

    @property
    def key(self) -> str:
        return f"{self.dialogue.id}#{self.index}"

    def judged(self, move: str) -> bool:
        """Whether this example says anything about ``move``."""
        if move not in self.turn.scope:
            return False
        if move in AFTER_NO:
            return self.after_no
        if move in AFTER_CONCERN:
            return self.after_concern
        return True


def split_of(dialogue_id: str, source: str) -> Split:
    """train (70 %), dev (10 %) or test (20 %) by the dialogue's id; ood for held-out sources."""
    if source in OUT_OF_DOMAIN:
        return "ood"
    bucket = int(hashlib.sha256(dialogue_id.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "train" if bucket < 70 else "dev" if bucket < 80 else "test"


def data_files(root: Path = DATA) -> list[Path]:
    """Every data file, in a stable order."""
    return sorted([*root.glob("authored/*.yaml"), *root.glob("sources/*.jsonl")])


def load(root: Path = DATA) -> list[Dialogue]:
    """Every dialogue in the data files; a bad file or turn is an :class:`InputError` naming it."""
    dialogues: list[Dialogue] = []
    for path in data_files(root):
        if path.suffix == ".yaml":
            dialogues.extend(_authored(path))
        else:
            dialogues.extend(_source(path))
    seen: dict[str, str] = {}
    for d in dialogues:
        if d.id in seen:
            raise InputError(f"{d.file}: dialogue id {d.id!r} is also used in {seen[d.id]}")
        seen[d.id] = d.file
    return dialogues


def _authored(path: Path) -> Iterator[Dialogue]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(f"{path.name}: not valid YAML ({exc})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("dialogues"), list):
        raise InputError(f"{path.name}: expected keys source, register and dialogues (a list)")
    source = str(doc.get("source") or path.stem)
    for n, raw in enumerate(doc["dialogues"]):
        yield _dialogue(raw, source, f"{path.name}, dialogue {n + 1}", full_scope=True)


def _source(path: Path) -> Iterator[Dialogue]:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path.name}, line {n}: not valid JSON ({exc.msg})") from exc
        yield _dialogue(raw, str(raw.get("source", path.stem)), f"{path.name}, line {n}", False)


def _dialogue(raw: Any, source: str, where: str, full_scope: bool) -> Dialogue:
    if not isinstance(raw, dict):
        raise InputError(f"{where}: a dialogue must be a mapping")
    did = raw.get("id")
    if not isinstance(did, str) or not did:
        raise InputError(f"{where}: missing id")
    where = f"{where} ({did})"
    domain, role = raw.get("domain"), raw.get("user_role")
    if domain not in DOMAINS:
        raise InputError(f"{where}: domain {domain!r} is not one of {', '.join(DOMAINS)}")
    if role not in ROLES:
        raise InputError(f"{where}: user_role {role!r} is not one of {', '.join(ROLES)}")
    turns = []
    for i, t in enumerate(raw.get("turns") or []):
        if not isinstance(t, dict):
            raise InputError(f"{where}, turn {i + 1}: a turn must be a mapping")
        side, text, moves = t.get("side"), t.get("text"), t.get("moves")
        if side not in MOVES:
            raise InputError(f"{where}, turn {i + 1}: side {side!r} is not user or other")
        if not isinstance(text, str) or not text.strip():
            raise InputError(f"{where}, turn {i + 1}: empty text")
        if not isinstance(moves, list):
            raise InputError(f"{where}, turn {i + 1}: moves must be a list (possibly [])")
        known = MOVES[side]
        scope = known if full_scope else tuple(t.get("scope") or ())
        for m in [*moves, *scope]:
            if m not in known:
                raise InputError(f"{where}, turn {i + 1}: {m!r} is not a move of the {side} side")
        if set(moves) - set(scope):
            raise InputError(f"{where}, turn {i + 1}: labelled moves must be in its scope")
        turns.append(Turn(side, text.strip(), frozenset(moves), frozenset(scope)))
    if not turns:
        raise InputError(f"{where}: no turns")
    return Dialogue(did, source, domain, role, tuple(turns), where.split(",")[0])


def examples(dialogues: Iterable[Dialogue]) -> list[Example]:
    """Every turn as an example, its context worked out from the labels of the turns before."""
    out: list[Example] = []
    for d in dialogues:
        said_no = concern = False
        for i, turn in enumerate(d.turns):
            out.append(Example(d, i, turn, said_no, concern, d.turns[:i]))
            said_no, concern = advance(said_no, concern, turn.side, turn.moves)
    return out


def advance(said_no: bool, concern: bool, side: str, moves: Iterable[str]) -> tuple[bool, bool]:
    """The context after a turn with ``moves``: a no stands until she says yes or the user
    accepts it; a concern is open until the user speaks."""
    moves = set(moves)
    if side == "other":
        if "clear_no" in moves:
            said_no = True
        elif "yes" in moves:
            said_no = False
        concern = concern or bool(moves & {"concern", "need"})
    else:
        if "accepted_no" in moves or moves & {"walk_away", "referral"}:
            said_no = False
        concern = False
    return said_no, concern


def problems(dialogues: list[Dialogue], minimum: int = 15) -> list[str]:
    """What ``rasa data validate`` would complain about: the same line labelled two ways in the
    same context, and moves with too few training examples."""
    found: list[str] = []
    labels: dict[tuple[str, str, bool, bool], tuple[frozenset[str], str]] = {}
    for ex in examples(dialogues):
        if ex.turn.scope != frozenset(MOVES[ex.turn.side]):
            continue
        key = (ex.turn.side, ex.turn.text.lower(), ex.after_no, ex.after_concern)
        if key in labels and labels[key][0] != ex.turn.moves:
            found.append(
                f"{ex.key}: {ex.turn.text!r} is {sorted(ex.turn.moves)} here but "
                f"{sorted(labels[key][0])} in {labels[key][1]}"
            )
        labels.setdefault(key, (ex.turn.moves, ex.key))
    counts = Counter(
        m
        for ex in examples(d for d in dialogues if d.split == "train")
        for m in ex.turn.moves
        if ex.judged(m)
    )
    for side, moves in MOVES.items():
        for m in moves:
            if counts[m] < minimum:
                found.append(f"{side} move {m} has {counts[m]} training examples (< {minimum})")
    return found
