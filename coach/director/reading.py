"""What the director hears in a user turn: the reader's moves, plus how close the turn is to
her hidden facts, her open objections and the offer's limitations.

What a line *is* comes from :mod:`coach.reading`, read in the context the director recorded
(she said no; she raised an objection), not in a context guessed from the model's words. The
embedding model measures what the line is *about*, so that a fact is earned by a question
genuinely about it, not by a keyword.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from coach.reading import Reading

PRESSURE = ("false_urgency", "pushed_after_no", "dismissed_concern", "demand")
"""Moves that cost her trust and patience."""


@dataclass
class Heard:
    """A user turn as the director sees it."""

    reading: Reading
    topics: dict[str, float] = field(default_factory=dict)
    """Hidden-fact id → closeness of the turn to that fact's topics (0..1)."""
    addresses: list[str] = field(default_factory=list)
    """Objection ids the turn speaks to."""
    discloses: list[str] = field(default_factory=list)
    """Offer limitations the turn discloses."""

    @property
    def text(self) -> str:
        return self.reading.text

    @property
    def question(self) -> bool:
        return self.reading.question

    @property
    def open_question(self) -> bool:
        return self.reading.has("open_question")

    @property
    def closed_question(self) -> bool:
        return self.question and not self.open_question

    @property
    def pitch(self) -> bool:
        return self.reading.has("pitch")

    @property
    def claim(self) -> bool:
        return self.reading.has("claim")

    @property
    def pressure(self) -> list[str]:
        """Pressure she is sure of: an unsure reading costs her nothing, she just answers."""
        return [m for m in PRESSURE if self.reading.has(m, confident=True)]

    @property
    def manipulation(self) -> bool:
        return self.reading.has("manipulation")

    @property
    def ends_call(self) -> bool:
        """She may take the call as over: the user said, clearly, that she steps back or
        points elsewhere, and did not ask anything. A question never ends a call."""
        r = self.reading
        return not self.question and (
            r.has("walk_away", confident=True) or r.has("referral", confident=True)
        )

    @property
    def asks_decision(self) -> bool:
        """She is asked to decide, clearly: a question that only sounds like it is answered."""
        r = self.reading
        return r.has("asks_decision", confident=True) or r.has("recommend", confident=True)

    def as_event(self) -> dict[str, Any]:
        """Stored with the turn: the moves read and their confidences, and what it is about."""
        return {
            "moves": self.reading.as_event(),
            "question": self.question,
            "pressure": self.pressure,
            "manipulation": self.manipulation,
            "discloses": list(self.discloses),
            "topics": {k: round(v, 3) for k, v in self.topics.items()},
            "addresses": list(self.addresses),
        }
