"""The critique: how honest and how two-sided the user was, with evidence for every point.

``critique(source, me=..., facts=[...], personal_code=[...]) -> Report`` takes a transcript
file, a :class:`Transcript`, or a stored session id (with ``store``). Practice sessions bring
their scenario's facts and the persona's true fit; reports are stored with the session.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from coach.config import ModelSettings
from coach.critique.engine import Context, run
from coach.critique.render import markdown
from coach.critique.report import Finding, Report
from coach.critique.transcript import Transcript, Turn, from_imported, with_me
from coach.store import Store
from coach.store.records import TurnRecord
from personas.cards import PersonaCard, ScenarioCard

__all__ = [
    "Context",
    "Finding",
    "Report",
    "Transcript",
    "critique",
    "critique_practice",
    "markdown",
]


def critique(
    source: Transcript | Path | str,
    me: str | None = None,
    facts: Sequence[str] = (),
    personal_code: Sequence[str] = (),
    *,
    store: Store | None = None,
    settings: ModelSettings | None = None,
    use_model: bool = True,
    judge_claims: bool = False,
) -> Report:
    """Critique a transcript (object or file) or a stored session; stores it with a session."""
    if store is not None and isinstance(source, str) and not Path(source).exists():
        report = _session(store, source, me, facts, personal_code, settings, use_model)
        store.save_report(source, report.model_dump())
        return report
    if isinstance(source, Transcript):
        transcript = source
    else:
        from coach.importers import import_file

        transcript = from_imported(import_file(source), me)
    report = run(
        transcript,
        Context(facts="\n\n".join(facts), personal_code=personal_code),
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
) -> Report:
    """Critique a stored session: a practice call knows its facts and the true fit."""
    record = store.session(session_id)
    rows = store.turns_of(session_id)
    me = me or next((r.speaker for r in rows if r.role == "user" and r.speaker), None) or "You"
    turns = [
        Turn(n, (r.speaker or me) if r.role == "user" else (r.speaker or "Them"), r.text, r.events)
        for n, r in enumerate(rows, start=1)
    ]
    context = Context(facts="\n\n".join(facts), personal_code=personal_code)
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
        verdict=persona.fit.verdict,
        hidden_facts=len(persona.hidden_facts),
        uncovered=len(unlocked),
    )
