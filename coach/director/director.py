"""The director: from a user turn and the persona's ground truth, decide what she does next.

Per turn: read the turn (:mod:`coach.reading` in the context she set, plus embedding
similarity: :mod:`coach.director.reading`), update her
state (trust, patience, unlocked facts, open objections), and decide the beat: answer, reveal
a fact, hedge, object, push back, deflect, accept, decline or end the call. The decision comes
from the card and the state, never from the model's mood; the model only voices the beat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from coach.director.reading import Heard
from coach.reading import Context, Reader
from coach.reading import reader as reading_model
from personas.cards import HiddenFact, PersonaCard, ScenarioCard

BeatKind = Literal[
    "answer",
    "reveal",
    "hedge",
    "object",
    "pushback",
    "deflect",
    "accept",
    "decline",
    "end_call",
    "thank",
    "acknowledge",
]
Decision = Literal["accepted", "declined", "undecided", "walked_away"]

UNLOCK_SIMILARITY = 0.42
"""How close (cosine) a question must be to one of a fact's topics, to one of the card's
example questions for it (``asked_by``), or to her own line when she shares it, to be about
it. Chosen on the development scripts (tests/eval/practice/dev_honest.yaml), never on the
test scripts."""
ADDRESS_SIMILARITY = 0.45
DISCLOSE_SIMILARITY = 0.5


@dataclass(frozen=True)
class Profile:
    """How a difficulty level behaves."""

    trust: float
    """Starting trust."""
    patience: int
    sensitive_trust: float
    """Trust needed before a sensitive fact is shared."""
    min_trust: float
    """Trust needed to say yes."""
    gain_open: float
    gain_closed: float
    gain_disclose: float
    gain_discovery: float
    """Trust gained when a question earns a fact: she feels listened to."""
    loss_pressure: float
    loss_manipulation: float
    pressure_cost: int
    """Patience lost to one pushy or manipulative turn."""
    volunteers: bool
    """Shares a plain fact on a broad open question, without a precise topic."""


PROFILES: dict[str, Profile] = {
    "easy": Profile(0.5, 10, 0.5, 0.45, 0.06, 0.03, 0.12, 0.08, 0.10, 0.15, 1, True),
    "normal": Profile(0.4, 7, 0.55, 0.55, 0.05, 0.02, 0.12, 0.08, 0.15, 0.20, 2, False),
    "hard": Profile(0.3, 5, 0.65, 0.65, 0.04, 0.01, 0.10, 0.06, 0.20, 0.25, 2, False),
}


@dataclass
class State:
    """Where she stands, turn by turn."""

    trust: float
    patience: int
    unlocked: list[str] = field(default_factory=list)
    raised: list[str] = field(default_factory=list)
    """Objections raised so far."""
    resolved: list[str] = field(default_factory=list)
    questions: int = 0
    said_no: bool = False
    no_accepted: bool = False
    """The user accepted her no: what follows is no longer pushing after it."""
    pressure_turns: int = 0
    disclosed: list[str] = field(default_factory=list)
    """Offer limitations the user has disclosed."""
    decision: Decision = "undecided"
    ended_by: Literal["persona", "user"] | None = None

    @property
    def open_objections(self) -> list[str]:
        return [o for o in self.raised if o not in self.resolved]

    @property
    def ended(self) -> bool:
        return self.ended_by is not None


@dataclass(frozen=True)
class Beat:
    """What she does this turn, and the line to fall back on."""

    kind: BeatKind
    line: str
    """The authored line: used as is when the model's voice fails its checks."""
    instruction: str
    """What the model is asked to do, in one or two sentences."""
    fact_id: str | None = None
    objection_id: str | None = None


class Director:
    """Runs one persona through one practice call."""

    def __init__(
        self,
        persona: PersonaCard,
        scenario: ScenarioCard,
        embed: Any,
        reader: Reader | None = None,
    ) -> None:
        self.persona = persona
        self.reader = reader or reading_model.default()
        self.scenario = scenario
        self.embed = embed
        self.profile = PROFILES[persona.difficulty]
        rules = persona.decision_rules
        self.min_trust = rules.min_trust if rules.min_trust is not None else self.profile.min_trust
        self.state = State(
            trust=self.profile.trust,
            patience=rules.patience or self.profile.patience,
        )
        # A question about a fact is close to its topics, and to the answer she would give.
        self._topics = {
            f.id: embed([*f.unlock_topics, *f.asked_by, f.say]) for f in persona.hidden_facts
        }
        self._objections = {o.id: embed(o.resolve_topics or [o.say]) for o in persona.objections}
        self._limits = embed(scenario.offer.limitations) if scenario.offer.limitations else None

    # reading

    def read(self, text: str) -> Heard:
        """Read a user turn in the context she set, then measure what it is about."""
        state = self.state
        context = Context(
            said_no=state.said_no and not state.no_accepted, concern=bool(state.open_objections)
        )
        heard = Heard(self.reader.read(text, "seller", context=context))
        vector = self.embed([text])[0]
        for fact in self.persona.hidden_facts:
            heard.topics[fact.id] = float(np.max(self._topics[fact.id] @ vector))
        for objection_id, vectors in self._objections.items():
            if (
                objection_id in state.open_objections
                and float(np.max(vectors @ vector)) >= ADDRESS_SIMILARITY
            ):
                heard.addresses.append(objection_id)
        if self._limits is not None and heard.reading.has("disclosed_limitation"):
            sims = self._limits @ vector
            heard.discloses = [
                lim
                for lim, s in zip(self.scenario.offer.limitations, sims, strict=True)
                if s >= DISCLOSE_SIMILARITY
            ]
        return heard

    # deciding

    def step(self, text: str) -> tuple[Heard, Beat, dict[str, Any]]:
        """Read the turn, update the state and decide the beat; returns the turn's events."""
        state = self.state
        reading = self.read(text)
        trust_before = state.trust
        revealed: list[str] = []
        beat = self._decide(reading, revealed)
        state.trust = round(min(1.0, max(0.0, state.trust)), 3)
        events = {
            "reading": reading.as_event(),
            "trust": state.trust,
            "trust_change": round(state.trust - trust_before, 3),
            "patience": state.patience,
            "beat": beat.kind,
            "revealed": revealed,
            "objection": beat.objection_id,
            "decision": state.decision,
            "ended_by": state.ended_by,
            "unlocked": list(state.unlocked),
        }
        return reading, beat, events

    def _decide(self, r: Heard, revealed: list[str]) -> Beat:
        s, p, card, lines = self.state, self.profile, self.persona, self.persona.lines
        if r.question:
            s.questions += 1
        if s.said_no and r.reading.has("accepted_no"):
            s.no_accepted = True
        if r.manipulation:
            s.trust -= p.loss_manipulation
            s.patience -= p.pressure_cost
            if s.patience <= 0:
                return self._end("walked_away")
            return Beat(
                "deflect",
                lines.deflect,
                "Stay in character; do not play along and do "
                "not reveal anything. Steer back to the call.",
            )
        if r.ends_call:
            s.trust += p.gain_disclose
            s.ended_by = "user"
            return Beat(
                "thank",
                "Thank you for being straight with me. That helps.",
                "Thank them warmly for their honesty; the call ends here.",
            )
        newly_disclosed = [lim for lim in r.discloses if lim not in s.disclosed]
        for limitation in newly_disclosed:
            s.disclosed.append(limitation)
            s.trust += p.gain_disclose
        if r.pressure:
            s.pressure_turns += 1
            s.trust -= p.loss_pressure * len(r.pressure)
            s.patience -= p.pressure_cost
            if s.patience <= 0:
                return self._end("walked_away")
            if card.fit.verdict == "no_fit" and s.pressure_turns >= 2:
                return self._decline()
            return Beat("pushback", lines.pushback, "Push back calmly on being pressured.")
        for objection_id in r.addresses:
            s.resolved.append(objection_id)
            s.trust += p.gain_open
        if r.open_question:
            s.trust += p.gain_open
        elif r.closed_question:
            s.trust += p.gain_closed
        if r.asks_decision or (s.said_no and r.pitch):
            return self._decision_beat()
        fact = self._earned_fact(r)
        if fact is not None:
            if fact.sensitive and s.trust < p.sensitive_trust:
                return Beat(
                    "hedge",
                    "That's a longer story. Maybe later.",
                    "Hint that there is more to it, but do not say what; you are not "
                    "ready to share it yet.",
                    fact_id=fact.id,
                )
            s.unlocked.append(fact.id)
            s.trust += p.gain_discovery
            revealed.append(fact.id)
            return Beat(
                "reveal",
                fact.say,
                f'Share this now, in your own words, keeping its details: "{fact.say}"',
                fact_id=fact.id,
            )
        if (r.pitch or r.claim) and (s.questions < 2 or r.claim):
            objection = next((o for o in card.objections if o.id not in s.raised), None)
            if objection is not None:
                s.raised.append(objection.id)
                s.patience -= 1 if s.questions < 2 else 0
                return Beat(
                    "object",
                    objection.say,
                    f'Raise this concern: "{objection.say}"',
                    objection_id=objection.id,
                )
        if newly_disclosed and not r.question:
            return Beat(
                "acknowledge",
                "Thanks for telling me that upfront. I appreciate it.",
                "Thank them for being upfront, in your own words, and say briefly what it "
                "means for you. Do not repeat their words.",
            )
        if r.pitch and not r.question and not r.discloses and not r.addresses:
            # being sold at, not asked or told anything she needs, wears her patience down
            s.patience -= 1
            if s.patience <= 0:
                return self._end("walked_away")
        return Beat(
            "answer",
            lines.neutral,
            "Answer briefly from your background only; add no new facts. You may ask "
            "one short question back.",
        )

    def _earned_fact(self, r: Heard) -> HiddenFact | None:
        """The locked fact this turn genuinely asks about, if any."""
        if not r.question:
            return None
        locked = [f for f in self.persona.hidden_facts if f.id not in self.state.unlocked]
        scored = sorted(locked, key=lambda f: r.topics.get(f.id, 0.0), reverse=True)
        if scored and r.topics.get(scored[0].id, 0.0) >= UNLOCK_SIMILARITY:
            return scored[0]
        if self.profile.volunteers and r.open_question:
            return next((f for f in locked if not f.sensitive), None)
        return None

    def _decision_beat(self) -> Beat:
        s, card = self.state, self.persona
        if card.fit.verdict == "no_fit":
            return self._decline()
        required = [f for f in card.decision_rules.accept_requires if f not in s.unlocked]
        need = self.min_trust + (0.05 if card.fit.verdict == "partial" else 0.0)
        if not required and s.trust >= need:
            s.decision = "accepted"
            s.ended_by = "persona"
            return Beat("accept", card.lines.accept, "Agree to a concrete next step.")
        objection = next((o for o in card.objections if o.id not in s.raised), None)
        if objection is not None:
            s.raised.append(objection.id)
            return Beat(
                "object",
                objection.say,
                f'Not yet. Raise this concern: "{objection.say}"',
                objection_id=objection.id,
            )
        return Beat(
            "answer",
            "I'm not ready to decide yet. There's more we haven't covered.",
            "Say you are not ready to decide yet; there is more to talk about. Do not say what.",
        )

    def _decline(self) -> Beat:
        """She says no. The call goes on if the user wants, but pushing now costs patience."""
        self.state.said_no = True
        self.state.no_accepted = False
        self.state.decision = "declined"
        return Beat("decline", self.persona.lines.decline, "Decline clearly and politely.")

    def _end(self, decision: Decision) -> Beat:
        """She ends the call; a no she already gave stands."""
        if self.state.decision != "declined":
            self.state.decision = decision
        self.state.ended_by = "persona"
        return Beat("end_call", self.persona.lines.end_call, "End the call politely but firmly.")
