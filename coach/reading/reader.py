"""Read a line of a conversation: which moves it makes, each with a confidence.

The weights come from :mod:`coach.reading.train`; the features from
:mod:`coach.reading.features`. Moves that depend on what came before (pushing after a no,
accepting it, brushing off a concern) are read only when the context holds, and the context
comes from the readings of both sides (:func:`coach.reading.dataset.advance`), or from what the
caller knows for sure (the director recorded her no at turn 7).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from coach.errors import ModelWeightsError
from coach.reading import lexical
from coach.reading.dataset import advance
from coach.reading.features import DIMENSIONS, Embed, featurize
from coach.reading.train import ARTEFACT
from coach.reading.vocabulary import AFTER_CONCERN, AFTER_NO, MOVES, Side

Speaker = Literal["seller", "candidate", "interviewer", "other"]
MEMO = 512
"""Embeddings a reader remembers, most recent first."""


@dataclass(frozen=True)
class Context:
    """What stands when a line is said."""

    said_no: bool = False
    """The other side said no, and the user has not accepted it."""
    concern: bool = False
    """The other side voiced a concern or a need since the user last spoke."""


@dataclass(frozen=True)
class Utterance:
    side: Side
    text: str


@dataclass(frozen=True)
class Reading:
    """The moves one line makes."""

    text: str
    side: Side
    scores: dict[str, float]
    """Every move of this side, with the probability that the line makes it."""
    thresholds: dict[str, float] = field(repr=False)
    context: Context = Context()
    confident: dict[str, float] = field(default_factory=dict, repr=False)
    """Per move, the score from which the reading was right at least 90 % of the time in
    cross-validation (:data:`coach.reading.train.CONFIDENT_PRECISION`)."""

    def has(self, move: str, *, confident: bool = False) -> bool:
        """Whether the line makes ``move``; ``confident`` asks for a reading that sure."""
        bar = self.thresholds[move]
        if confident:
            bar = max(bar, self.confident.get(move, 0.95))
        return self.scores[move] >= bar

    @property
    def moves(self) -> tuple[str, ...]:
        """The moves the line makes, most confident first."""
        found = [m for m in self.scores if self.has(m)]
        return tuple(sorted(found, key=lambda m: -self.scores[m]))

    @property
    def question(self) -> bool:
        if self.side == "other":
            return self.has("question")
        return self.has("open_question") or self.has("closed_question")

    def as_event(self) -> dict[str, Any]:
        """The reading as stored with a turn: its moves and their confidences."""
        return {m: round(self.scores[m], 3) for m in self.moves}


class Reader:
    """The trained reader; one per process is enough (:func:`default`)."""

    def __init__(self, embed: Embed | None = None, artefact: Path = ARTEFACT) -> None:
        if embed is None:
            from knowledge.embedding import embed as minilm

            embed = minilm
        self.embed = embed
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()
        self._memo_lock = threading.Lock()  # one reader serves every session of the app
        try:
            data = np.load(artefact)
        except (OSError, ValueError) as exc:
            raise ModelWeightsError(
                f"The reader's model {artefact} is missing or unreadable; rebuild it with "
                "`make train`"
            ) from exc
        self.weights = {side: data[f"{side}_weights"] for side in MOVES}
        self.thresholds = {
            side: dict(zip(moves, data[f"{side}_thresholds"].tolist(), strict=True))
            for side, moves in MOVES.items()
        }
        self.confident = {
            side: dict(zip(moves, data[f"{side}_confident"].tolist(), strict=True))
            for side, moves in MOVES.items()
        }
        for side, w in self.weights.items():
            if w.shape != (DIMENSIONS, len(MOVES[side])):
                raise ModelWeightsError(
                    f"The reader's model {artefact} does not match this code ({side} weights "
                    f"{w.shape}); rebuild it with `make train`"
                )

    def read(
        self,
        text: str,
        speaker: Speaker = "seller",
        *,
        before: Sequence[Utterance] = (),
        context: Context | None = None,
    ) -> Reading:
        """Read one line. The context is ``context`` if given, else read from ``before``."""
        side: Side = "other" if speaker == "other" else "user"
        if context is None:
            context = self.context_after(before)
        return self.read_many([text], side, [context])[0]

    def read_many(
        self, texts: Sequence[str], side: Side, contexts: Sequence[Context]
    ) -> list[Reading]:
        """Read several lines of one side at once (one embedding batch)."""
        return [
            self._gated(text, side, scores, context)
            for text, scores, context in zip(
                texts, self._scores(texts, side), contexts, strict=True
            )
        ]

    def read_dialogue(self, turns: Sequence[Utterance]) -> list[Reading]:
        """Read a whole conversation in order, each line in the context the ones before set.

        Every line is embedded in one batch per side; only the gating by context is sequential.
        """
        raw: dict[int, dict[str, float]] = {}
        for side in MOVES:
            rows = [i for i, t in enumerate(turns) if t.side == side]
            scores = self._scores([turns[i].text for i in rows], side)  # type: ignore[arg-type]
            raw.update(zip(rows, scores, strict=True))
        readings: list[Reading] = []
        context = Context()
        for i, turn in enumerate(turns):
            reading = self._gated(turn.text, turn.side, raw[i], context)
            readings.append(reading)
            context = Context(*advance(context.said_no, context.concern, turn.side, reading.moves))
        return readings

    def _scores(self, texts: Sequence[str], side: Side) -> list[dict[str, float]]:
        """Every move's probability for each text, before any context is applied."""
        if not texts:
            return []
        moves = MOVES[side]
        variants = [lexical.variants(t) for t in texts]
        flat = [v for vs in variants for v in vs]
        probs = _sigmoid(featurize(flat, self._embed) @ self.weights[side])
        out, row = [], 0
        for text, vs in zip(texts, variants, strict=True):
            scores = {m: float(probs[row, j]) for j, m in enumerate(moves)}
            if side == "user":
                j = moves.index("manipulation")
                hidden = float(probs[row : row + len(vs), j].max())
                scores["manipulation"] = 1.0 if lexical.has_markup(text) else hidden
            row += len(vs)
            out.append(scores)
        return out

    def forget(self) -> None:
        """Drop the remembered embeddings (benchmarks time a cold read with it)."""
        with self._memo_lock:
            self._memo.clear()

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        """``embed``, remembering the last ``MEMO`` texts: a call is read whole and sentence by
        sentence, and a one-sentence turn is the same text twice."""
        with self._memo_lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._memo))
            if missing:
                for text, vector in zip(missing, self.embed(missing), strict=True):
                    self._memo[text] = vector
            out = np.stack([self._memo[t] for t in texts])
            for text in texts:
                self._memo.move_to_end(text)
            while len(self._memo) > MEMO:
                self._memo.popitem(last=False)
            return out

    def _gated(self, text: str, side: Side, scores: dict[str, float], context: Context) -> Reading:
        """The reading of a line in ``context``: moves that need a no, or a concern, before
        them score nothing without it."""
        scores = dict(scores)
        if side == "user":
            for m in AFTER_NO:
                scores[m] = scores[m] if context.said_no else 0.0
            for m in AFTER_CONCERN:
                scores[m] = scores[m] if context.concern else 0.0
        return Reading(text, side, scores, self.thresholds[side], context, self.confident[side])

    def context_after(self, before: Sequence[Utterance]) -> Context:
        """The context that ``before`` leaves."""
        context = Context()
        for reading in self.read_dialogue(before):
            context = Context(
                *advance(context.said_no, context.concern, reading.side, reading.moves)
            )
        return context


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


_default: Reader | None = None
_lock = threading.Lock()


def default() -> Reader:
    """The process's reader, on the built-in MiniLM encoder, loaded on first use."""
    global _default
    with _lock:
        if _default is None:
            _default = Reader()
        return _default


def read(
    text: str,
    speaker: Speaker = "seller",
    *,
    before: Sequence[Utterance] = (),
    context: Context | None = None,
) -> Reading:
    """Read one line with the default reader (see :meth:`Reader.read`)."""
    return default().read(text, speaker, before=before, context=context)


def manipulates(text: str) -> bool:
    """Whether ``text`` talks to the model behind the persona rather than to her (read by the
    reader, through look-alikes, leetspeak and base64), or carries chat-template markup."""
    return read(text).has("manipulation")
