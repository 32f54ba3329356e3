"""A practice call: the user against a persona who hides what she knows and can say no.

The engine API that the CLI and the UI share: :meth:`PracticeSession.start` from a persona and a
scenario, :meth:`~PracticeSession.send` a user turn and stream the persona's reply,
:meth:`~PracticeSession.end`. Each turn is stored with the director's events before the model
is called; the persona's reply is stored with its beat, the facts it revealed and the checks.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from coach.config import ModelSettings
from coach.director.director import Beat, Director
from coach.director.voice import (
    MAX_SENTENCES,
    Checker,
    director_note,
    segments,
    system_prompt,
)
from coach.errors import CandorError, InputError, user_message
from coach.redact import scrub
from coach.store import SessionRecord, Store
from personas.cards import PersonaCard, ScenarioCard

MAX_MESSAGE_CHARS = 4_000
REVEAL_SIMILARITY = 0.55
"""How close a voiced reveal must be to the fact's own line; otherwise her line is added."""


def index_offer(scenario: ScenarioCard) -> str:
    """Index the scenario's offer (facts and limitations) for the critique; returns the
    collection. Unchanged facts are a no-op (content hash)."""
    import knowledge
    from knowledge.documents import Document

    limits = "".join(f"- {item}\n" for item in scenario.offer.limitations)
    text = scenario.offer.facts + (f"\n\n## Limitations\n\n{limits}" if limits else "")
    collection = f"scenario-{scenario.id}"
    knowledge.add_document(Document(f"{scenario.id}.md", text), collection=collection)
    return collection


@dataclass
class Voiced:
    """What the persona said this turn, and how it was produced."""

    text: str = ""
    attempts: int = 0
    problems: list[str] = field(default_factory=list)
    fallback: bool = False
    first_token_s: float | None = None


@dataclass
class PracticeSession:
    """One practice call, stored as it goes."""

    store: Store
    record: SessionRecord
    persona: PersonaCard
    scenario: ScenarioCard
    settings: ModelSettings
    director: Director
    messages: list[dict[str, str]]
    last: Voiced | None = None
    report: Any = None
    """The critique, once the call has ended."""
    pending: tuple[str, Beat, dict[str, Any]] | None = None
    """A stored user turn whose reply was never finished (the process died, or the reader
    stopped); :meth:`answer_pending` voices it."""

    @classmethod
    def start(
        cls,
        store: Store,
        persona: PersonaCard,
        scenario: ScenarioCard,
        settings: ModelSettings | None = None,
    ) -> PracticeSession:
        """Open the call: store it, her opening line, and warm the model on her prompt."""
        from coach import llm
        from knowledge.embedding import embed

        settings = settings or ModelSettings.from_env()
        llm.check(settings)
        record = store.create_session(
            kind="practice",
            title=f"{persona.name}: {scenario.title}",
            model=settings.model,
            api_base=settings.api_base,
            persona_id=persona.id,
            scenario_id=scenario.id,
        )
        index_offer(scenario)
        director = Director(persona, scenario, embed)
        messages = [
            {"role": "system", "content": system_prompt(persona, scenario)},
            {"role": "assistant", "content": persona.opening},
        ]
        store.add_turn(
            record.id,
            "assistant",
            persona.opening,
            speaker=persona.name,
            events={"beat": "opening", "revealed": []},
        )
        llm.warm(messages, settings)
        return cls(store, record, persona, scenario, settings, director, messages)

    @classmethod
    def resume(
        cls, store: Store, session_id: str, settings: ModelSettings | None = None
    ) -> PracticeSession:
        """Reopen a stored call where it stopped, e.g. after a crash.

        The director is rebuilt by reading the stored user turns again (it is deterministic),
        so trust, earned facts and objections are as they were. Complete replies are kept as
        said; a user turn left without a complete reply becomes :attr:`pending`.
        """
        from coach import llm
        from knowledge.embedding import embed
        from personas import loader

        record = store.session(session_id)
        if record.kind != "practice" or not record.persona_id or not record.scenario_id:
            raise InputError(f"Session {session_id} is a {record.kind}, not a practice call.")
        if record.outcome and record.outcome.get("ended_by"):
            raise InputError(
                f"The call {session_id} has ended; read it with `candor review --session "
                f"{session_id}`, or start a new one."
            )
        persona = loader.persona(record.persona_id)
        scenario = loader.scenario(record.scenario_id)
        settings = settings or ModelSettings.from_env()
        llm.check(settings)
        director = Director(persona, scenario, embed)
        messages = [
            {"role": "system", "content": system_prompt(persona, scenario)},
            {"role": "assistant", "content": persona.opening},
        ]
        pending: tuple[str, Beat, dict[str, Any]] | None = None
        for turn in store.turns_of(session_id)[1:]:
            if turn.role == "user":
                _, beat, events = director.step(turn.text)
                messages += [
                    {"role": "user", "content": turn.text},
                    {"role": "system", "content": director_note(beat)},
                ]
                pending = (turn.text, beat, events)
            elif turn.role == "assistant" and turn.status == "complete" and pending:
                messages.append({"role": "assistant", "content": turn.text})
                pending = None
        session = cls(store, record, persona, scenario, settings, director, messages)
        session.pending = pending
        return session

    def answer_pending(self) -> Iterator[str]:
        """Stream her reply to the stored user turn that was never answered."""
        if self.pending is None:
            raise InputError("There is no unanswered turn in this call.")
        text, beat, events = self.pending
        self.pending = None
        return self._reply(text, beat, events)

    def transcript(self) -> list[tuple[str, str]]:
        """The call so far as (role, text) pairs, the opening first; for showing it again."""
        return [
            (m["role"], m["content"]) for m in self.messages if m["role"] in {"user", "assistant"}
        ]

    @property
    def ended(self) -> bool:
        return self.director.state.ended

    def outcome(self) -> dict[str, Any]:
        state = self.director.state
        return {"decision": state.decision, "ended_by": state.ended_by}

    def send(self, text: str) -> Iterator[str]:
        """Store the user's turn with the director's reading, then stream her checked reply."""
        text = user_message(text, MAX_MESSAGE_CHARS)
        if self.ended:
            raise InputError("This call has ended. Start a new one to practise again.")
        if self.pending is not None:
            raise InputError("Her reply to your last turn is still missing; answer_pending first.")
        reading, beat, events = self.director.step(text)
        self.store.add_turn(self.record.id, "user", text, events=events)
        note = director_note(beat)
        self.messages += [{"role": "user", "content": text}, {"role": "system", "content": note}]
        return self._reply(text, beat, events)

    def end(self, critique: bool = True, personal_code: Sequence[str] = ()) -> dict[str, Any]:
        """End the call (if she has not), store the outcome and, by default, the critique,
        which also checks her own rules (``personal_code``: one rule each)."""
        from coach.critique import critique_practice

        state = self.director.state
        if state.ended_by is None:
            state.ended_by = "user"
        self.store.set_outcome(self.record.id, self.outcome())
        if critique:
            self.report = critique_practice(
                self.store,
                self.record.id,
                self.persona,
                self.scenario,
                self.settings,
                personal_code=personal_code,
            )
        return self.outcome()

    def _reply(self, user_text: str, beat: Beat, events: dict[str, Any]) -> Iterator[str]:
        voiced = Voiced()
        self.last = voiced
        start = time.perf_counter()
        shown: list[str] = []
        try:
            for part in self._voice(user_text, beat, voiced):
                if voiced.first_token_s is None:
                    voiced.first_token_s = time.perf_counter() - start
                shown.append(part)
                yield part
        except BaseException:
            # The reader stopped (a page rerun, a closed connection): keep what was shown,
            # marked incomplete, and leave the turn pending so that it can be answered again.
            self.pending = (user_text, beat, events)
            if shown:
                self.store.add_turn(
                    self.record.id,
                    "assistant",
                    "".join(shown),
                    speaker=self.persona.name,
                    model=self.settings.model,
                    status="incomplete",
                    events={"beat": beat.kind, "revealed": []},
                )
            raise
        self.messages.append({"role": "assistant", "content": voiced.text})
        self.store.add_turn(
            self.record.id,
            "assistant",
            voiced.text,
            speaker=self.persona.name,
            model=self.settings.model,
            latency_ms=round((time.perf_counter() - start) * 1000),
            ttft_ms=None if voiced.first_token_s is None else round(voiced.first_token_s * 1000),
            events={
                "beat": beat.kind,
                "revealed": events["revealed"],
                "fact_id": beat.fact_id,
                "objection": beat.objection_id,
                "decision": events["decision"],
                "ended_by": events["ended_by"],
                "attempts": voiced.attempts,
                "problems": voiced.problems,
                "fallback": voiced.fallback,
            },
        )
        if self.ended:
            self.store.set_outcome(self.record.id, self.outcome())

    def _voice(self, user_text: str, beat: Beat, voiced: Voiced) -> Iterator[str]:
        """Stream the model's sentences as they pass the checks; retry once, then fall back."""
        from coach import llm

        checker = self._checker(user_text)
        for attempt in (1, 2):
            voiced.attempts = attempt
            released: list[str] = []
            # A segment that announces what follows ('My notes say:') waits for it: if what
            # follows fails the checks, the announcement is never shown either.
            held: list[str] = []
            try:
                stream = llm.stream_chat(
                    self.messages,
                    self.settings,
                    max_tokens=120,
                    temperature=0.7 if attempt == 1 else 0.9,
                )
                for part in segments(iter(stream)):
                    problem = checker.problem(part, " ".join(released + held))
                    if problem:
                        voiced.problems.append(problem)
                        held = []
                        break
                    held.append(part.strip())
                    if held[-1].endswith(":"):
                        continue
                    for piece in held:
                        released.append(piece)
                        yield ("" if len(released) == 1 else " ") + piece
                    held = []
                    if sum(p[-1:] in ".!?" for p in released) >= MAX_SENTENCES:
                        break
                for piece in held:  # the reply ended on an announcement: nothing followed
                    released.append(piece)
                    yield ("" if len(released) == 1 else " ") + piece
            except CandorError as exc:
                voiced.problems.append(f"model_error: {scrub(str(exc))}")
            if released:
                voiced.text = " ".join(released)
                if beat.kind == "reveal" and not self._conveys(voiced.text, beat.line):
                    voiced.text += " " + beat.line
                    yield " " + beat.line
                return
        voiced.fallback = True
        voiced.text = beat.line
        yield beat.line

    def _checker(self, user_text: str) -> Checker:
        card, state = self.persona, self.director.state
        unlocked = [f for f in card.hidden_facts if f.id in state.unlocked]
        allowed = " ".join(
            [
                card.role,
                card.background,
                card.opening,
                self.scenario.offer.summary,
                self.scenario.offer.facts,
                *(f.fact + " " + f.say for f in unlocked),
                *(m["content"] for m in self.messages),
            ]
        )
        locked = [f.fact + " " + f.say for f in card.hidden_facts if f.id not in state.unlocked]
        return Checker(card, self.scenario, user_text, allowed, locked)

    @staticmethod
    def _conveys(text: str, line: str) -> bool:
        from knowledge.embedding import embed

        vectors = embed([text, line])
        return float(vectors[0] @ vectors[1]) >= REVEAL_SIMILARITY
