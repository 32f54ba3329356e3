"""Persona and scenario cards: the ground truth of a practice call, as validated data.

A persona card says who she is, what she knows and will not volunteer (``hidden_facts``), how
she objects, and whether the offer really fits her. A scenario card says what the user brings:
the offer (a product, a service, a job, a candidacy), its facts and its limitations. Cards are
YAML; unknown fields are refused, and errors name the file and the field.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Kind = Literal["prospect", "interviewer", "candidate"]
Difficulty = Literal["easy", "normal", "hard"]
Verdict = Literal["fit", "partial", "no_fit"]

_SLUG = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"


class _Card(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class HiddenFact(_Card):
    """Something she knows and will not volunteer; the user must earn it."""

    id: str = Field(pattern=_SLUG)
    fact: str = Field(min_length=1)
    """The ground truth, for the director and the critique; never shown before it is earned."""
    unlock_topics: list[str] = Field(min_length=1)
    """What a question must genuinely be about to earn the fact."""
    asked_by: list[str] = Field(default_factory=list)
    """Questions in everyday words that ask for it: examples of what is about the fact, for
    the director's matching (a question need not be one of them)."""
    say: str = Field(min_length=1)
    """Her own line when she reveals it."""
    sensitive: bool = False
    """Also needs earned trust, not only a matching question."""


class Fit(_Card):
    """Whether the offer really fits her: the ground truth the critique judges the user by."""

    verdict: Verdict
    why: str = Field(min_length=1)


class Objection(_Card):
    """A concern she raises when the user pitches or claims, until it is addressed."""

    id: str = Field(pattern=_SLUG)
    say: str = Field(min_length=1)
    """How she voices it."""
    resolve_topics: list[str] = Field(default_factory=list)
    """What an answer must be about to address it; empty: any honest answer on the offer."""


class DecisionRules(_Card):
    """What it takes for her to say yes. Defaults come from the difficulty."""

    accept_requires: list[str] = Field(default_factory=list)
    """Fact ids the user must have uncovered before she accepts a next step."""
    min_trust: float | None = Field(default=None, ge=0.0, le=1.0)
    patience: int | None = Field(default=None, ge=1, le=50)
    """How many pushy or empty turns she tolerates before she ends the call."""


class Lines(_Card):
    """Authored lines the director falls back on when the model's voice fails a check."""

    accept: str = "That sounds good. Let's set up a next step."
    decline: str = "Thank you, but I don't think this is right for us. I'll pass."
    end_call: str = "I'm going to stop here. Thanks for your time."
    pushback: str = "I'd rather not be rushed. I'll decide in my own time."
    deflect: str = "Let's keep to what we're here to talk about."
    neutral: str = "Go on."


class PersonaCard(_Card):
    """The simulated person on the other side of the call."""

    id: str = Field(pattern=_SLUG)
    kind: Kind
    name: str = Field(min_length=1)
    role: str = Field(min_length=1)
    style: str = Field(min_length=1)
    opening: str = Field(min_length=1)
    background: str = Field(min_length=1)
    hidden_facts: list[HiddenFact] = Field(min_length=1)
    fit: Fit
    objections: list[Objection] = Field(default_factory=list)
    difficulty: Difficulty = "normal"
    decision_rules: DecisionRules = DecisionRules()
    lines: Lines = Lines()
    scenario: str | None = Field(default=None, pattern=_SLUG)
    """The id of the scenario this persona is written for."""

    @field_validator("hidden_facts")
    @classmethod
    def _unique_fact_ids(cls, facts: list[HiddenFact]) -> list[HiddenFact]:
        ids = [f.id for f in facts]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate fact ids: {', '.join(duplicates)}")
        return facts

    def fact(self, fact_id: str) -> HiddenFact:
        return next(f for f in self.hidden_facts if f.id == fact_id)


class Offer(_Card):
    """What the user brings to the call."""

    name: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    facts: str = Field(min_length=1)
    """Markdown, or a path (relative to the card) to a Markdown file; indexed for the critique."""
    limitations: list[str] = Field(default_factory=list)


class ScenarioCard(_Card):
    """The situation of a practice call, from the user's side."""

    id: str = Field(pattern=_SLUG)
    mode: Literal["sales", "interview"]
    user_role: Literal["seller", "candidate", "interviewer"]
    title: str = Field(min_length=1)
    offer: Offer
    brief: str = ""
    """What the user knows going in, shown before the call."""
