"""The critique's typed output: findings with evidence, dimensions, the fit and a summary."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FlagKind = Literal[
    "overclaim",
    "undisclosed_limitation",
    "pressure",
    "pushed_after_no",
    "dismissed_concern",
    "code_breach",
]
Stance = Literal["recommended", "walked_away", "referred", "undecided"]
Verdict = Literal["fit", "partial", "no_fit"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Finding(_Model):
    """One problem (a flag) or one thing done well (a strength), with its evidence."""

    kind: str
    """A flag kind, or a strength such as ``disclosed_limitation`` or ``respected_no``."""
    turn: int = Field(ge=1)
    """1-based turn number."""
    quote: str = Field(min_length=1)
    """Verbatim words from that turn, checked character for character."""
    principle: str
    """The principle or practice id it rests on, e.g. ``P1.disclose-limits``."""
    suggestion: str = ""
    """What an honest alternative would sound like (flags only)."""
    why: str = ""


class Dimension(_Model):
    id: str
    score: float | None = Field(default=None, ge=0.0, le=1.0)
    """None when there is not enough evidence; never a placeholder."""
    reason: str
    findings: list[Finding] = Field(default_factory=list)


class FitJudgement(_Model):
    user_stance: Stance
    verdict: Verdict | None
    """The true fit: the persona card's in practice; judged from needs and facts otherwise."""
    correct: bool | None
    reason: str = ""


class TranscriptTurn(_Model):
    speaker: str
    text: str


class TranscriptOut(_Model):
    turns: list[TranscriptTurn]


class Report(_Model):
    me: str
    transcript: TranscriptOut
    flags: list[Finding]
    strengths: list[Finding] = Field(default_factory=list)
    fit: FitJudgement
    dimensions: list[Dimension]
    summary: str
    stats: dict[str, float | int | None] = Field(default_factory=dict)
