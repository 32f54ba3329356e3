"""The critique: how honest and how two-sided the user was, with evidence for every point.

Three entry points, one per source: :func:`critique` takes a :class:`Transcript`,
:func:`critique_file` a transcript file (imported first), :func:`critique_session` a stored
session by id. Practice sessions bring their scenario's facts, limitations and the user's role,
and the persona's true fit; reports are stored with the session.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from coach.config import ModelSettings
from coach.critique.engine import Context, run
from coach.critique.render import markdown
from coach.critique.report import Finding, Report
from coach.critique.transcript import Transcript, Turn, from_imported, with_me
from coach.errors import InputError
from coach.reading.vocabulary import Role
from coach.store import Store
from coach.store.records import TurnRecord
from personas.cards import PersonaCard, ScenarioCard

__all__ = [
    "Context",
    "Finding",
    "Report",
    "Transcript",
    "critique",
    "critique_file",
    "critique_practice",
    "critique_session",
    "markdown",
]


def critique(
    transcript: Transcript,
    facts: Sequence[str] = (),
    personal_code: Sequence[str] = (),
    *,
    role: Role = "seller",
    store: Store | None = None,
    settings: ModelSettings | None = None,
    use_model: bool = True,
    judge_claims: bool = False,
) -> Report:
    """Critique a transcript for its speaker ``transcript.me``, in her ``role``; with
    ``store``, the call and its report are stored as a review."""
    if not isinstance(transcript, Transcript):
        raise InputError(
            "critique() takes a Transcript; use critique_file() for a file or "
            "critique_session() for a stored session"
        )
    report = run(
        transcript,
        Context(facts="\n\n".join(facts), personal_code=personal_code, role=role),
        settings=settings,
        use_model=use_model,
        judge_claims=judge_claims,
    )
    if store is not None:
        record = store.create_session(kind="review", title=f"Review for {transcript.me}")
        for turn in transcript.turns:
            store.add_turn(
                record.id,
                "user" if turn.speaker == transcript.me else "assistant",
                turn.text,
                speaker=turn.speaker,
            )
        store.save_report(record.id, report.model_dump())
    return report


def critique_file(
    path: Path | str,
    me: str | None = None,
    facts: Sequence[str] = (),
    personal_code: Sequence[str] = (),
    **options: object,
) -> Report:
    """Import the transcript file at ``path`` (any format :mod:`coach.importers` reads) and
    critique it for ``me``; ``options`` are :func:`critique`'s."""
    from coach.importers import import_file

    path = Path(path)
    if not path.is_file():
        raise InputError(f"No transcript file at {path}")
    transcript = from_imported(import_file(path), me)
    return critique(transcript, facts, personal_code, **options)  # type: ignore[arg-type]


def critique_session(
    store: Store,
    session_id: str,
    me: str | None = None,
    facts: Sequence[str] = (),
    personal_code: Sequence[str] = (),
    *,
    role: Role | None = None,
    settings: ModelSettings | None = None,
    use_model: bool = True,
) -> Report:
    """Critique a stored session again (an unknown id is an error naming it) and store the
    report with it. A practice call knows its cards; a review is read as ``role``."""
    report = _session(store, session_id, me, facts, personal_code, settings, use_model, role=role)
    store.save_report(session_id, report.model_dump())
    return report


def critique_practice(
    store: Store,
    session_id: str,
    persona: PersonaCard,
    scenario: ScenarioCard,
    settings: ModelSettings | None = None,
    use_model: bool = True,
    personal_code: Sequence[str] = (),
) -> Report:
    """Critique a practice call with the cards it was played with and her own rules, and store
    the report."""
    report = _session(
        store, session_id, None, (), personal_code, settings, use_model, (persona, scenario)
    )
    store.save_report(session_id, report.model_dump())
    return report


def _session(
    store: Store,
    session_id: str,
    me: str | None,
    facts: Sequence[str],
    personal_code: Sequence[str],
    settings: ModelSettings | None,
    use_model: bool,
    cards: tuple[PersonaCard, ScenarioCard] | None = None,
    role: Role | None = None,
) -> Report:
    """Critique a stored session: a practice call knows its facts and the true fit."""
    record = store.session(session_id)
    rows = store.turns_of(session_id)
    me = me or next((r.speaker for r in rows if r.role == "user" and r.speaker), None) or "You"
    turns = [
        Turn(n, (r.speaker or me) if r.role == "user" else (r.speaker or "Them"), r.text, r.events)
        for n, r in enumerate(rows, start=1)
    ]
    context = Context(facts="\n\n".join(facts), personal_code=personal_code, role=role or "seller")
    if cards is None and record.kind == "practice" and record.persona_id and record.scenario_id:
        from personas import loader

        cards = (loader.persona(record.persona_id), loader.scenario(record.scenario_id))
    if cards is not None:
        context = practice_context(*cards, rows, facts, personal_code)
    return run(
        with_me(turns, me, f"session {session_id}"), context, settings=settings, use_model=use_model
    )


def practice_context(
    persona: PersonaCard,
    scenario: ScenarioCard,
    rows: Sequence[TurnRecord],
    facts: Sequence[str],
    personal_code: Sequence[str],
) -> Context:
    """What the critique of a practice call knows: the scenario's facts and (as a list) its
    limitations, any facts of hers, her rules, the persona's true fit and what she uncovered.
    Her own facts are facts, never limitations."""
    unlocked = {f for r in rows for f in r.events.get("revealed", [])}
    return Context(
        facts="\n\n".join([scenario.offer.facts, *facts]),
        limitations=scenario.offer.limitations,
        personal_code=personal_code,
        role=scenario.user_role,
        verdict=persona.fit.verdict,
        hidden_facts=len(persona.hidden_facts),
        uncovered=len(unlocked),
    )
