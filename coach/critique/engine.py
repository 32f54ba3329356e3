"""The critique: from a transcript (or a practice session) to a typed report with evidence.

Deterministic analyzers run first (:mod:`coach.critique.analyze`). Every finding then gets a
verbatim quote, checked character for character against its turn (a finding that fails is
dropped), the principle or practice it rests on, retrieved from the knowledge base among the
practices that fit its kind, and an honest alternative taken from that practice. The model
writes only the summary, from the findings alone; if it cannot, a plain summary is composed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast, get_args

from coach.config import ModelSettings
from coach.critique import analyze
from coach.critique.analyze import Limits, Observation, limitations
from coach.critique.report import (
    Dimension,
    Finding,
    FitJudgement,
    FlagKind,
    Report,
    TranscriptOut,
    TranscriptTurn,
)
from coach.critique.transcript import Transcript
from coach.errors import CandorError
from coach.reading.vocabulary import Role

FLAG_KINDS: tuple[str, ...] = get_args(FlagKind)

# The practices each kind of finding may rest on; the first is the default.
PRACTICES: dict[str, tuple[str, ...]] = {
    "overclaim": ("P1.honest-claims", "P3.experience-not-guesses"),
    "undisclosed_limitation": ("P1.disclose-limits", "P2.share-what-you-know"),
    "pressure": ("P1.no-false-urgency", "P1.she-decides"),
    "pushed_after_no": ("P5.respect-no",),
    "dismissed_concern": ("P5.take-concerns-seriously",),
    "code_breach": ("P6.own-code",),
    "disclosed_limitation": ("P1.disclose-limits",),
    "respected_no": ("P5.respect-no",),
    "walked_away": ("P4.walk-away",),
    "referred": ("P4.refer-elsewhere",),
    "asked_before_pitch": ("P2.ask-before-pitch",),
}


@dataclass(frozen=True)
class Context:
    """What the critique knows beyond the words: facts, rules, and a simulated persona."""

    facts: str = ""
    """The offer's facts, as Markdown; bullets under a ``Limitations`` heading are limitations."""
    limitations: Sequence[str] = ()
    """The offer's limitations as a list (a practice scenario's), besides any in ``facts``."""
    personal_code: Sequence[str] = ()
    role: Role = "seller"
    """Her side of the table: the critique names it when it speaks to her."""
    verdict: str | None = None
    """The true fit when known (a practice session's persona card)."""
    hidden_facts: int | None = None
    uncovered: int | None = None


def limitations_of(context: Context) -> list[str]:
    """The offer's limitations: the listed ones, then those written in the facts, each once."""
    return Limits.unique([*context.limitations, *limitations(context.facts)])


def run(
    transcript: Transcript,
    context: Context | None = None,
    *,
    settings: ModelSettings | None = None,
    use_model: bool = True,
    judge_claims: bool = False,
    judge_moves: bool | None = None,
) -> Report:
    """Critique ``transcript`` for its speaker ``transcript.me``.

    ``judge_moves`` also asks the model to read each of her turns, combined with the trained
    reader; by default it is on for a remote model and off for the built-in ones
    (:func:`coach.reading.judge.enabled`).

    ``judge_claims`` also asks the model whether each remaining factual claim contradicts the
    facts. It is off by default: on the built-in 1.5B model it called 51 of 54 sound claims
    contradicted in the evaluation, so it is for stronger models only.
    """
    from knowledge.embedding import embed

    context = context or Context()
    limits = Limits.of(limitations_of(context), embed)
    if judge_moves is None:
        from coach.reading.judge import enabled

        judge_moves = use_model and enabled(settings or ModelSettings.from_env())
    judge = (settings or ModelSettings.from_env()) if judge_moves else None
    call = analyze.CallReading.of(transcript, judge=judge)
    observations = analyze.pressure(call)
    observations += analyze.disclosure(call, limits, embed)
    overclaims, claims_checked = analyze.claims(call, context.facts, limits, embed)
    claimed = {o.turn for o in overclaims}
    overclaims += [o for o in analyze.false_yeses(call, limits, embed) if o.turn not in claimed]
    observations += analyze.denied_needs(call, overclaims, observations)
    observations += overclaims
    if use_model and judge_claims and context.facts:
        from coach.critique.judge import contradicted_claims

        flagged = {o.turn for o in observations}
        observations += contradicted_claims(call, context.facts, flagged, settings, context.role)
    observations += analyze.code_breaches(transcript, context.personal_code)
    stance, stance_obs = analyze.stance(call)
    stats: dict[str, float | int | None] = {**analyze.discovery(call)}
    stats["claims_checked"] = claims_checked
    if context.hidden_facts is not None:
        stats["facts_uncovered"] = context.uncovered
        stats["facts_hidden"] = context.hidden_facts

    verdict = context.verdict or _judge_fit(observations, limits)
    hid_limits = any(o.kind == "undisclosed_limitation" for o in observations)
    fit = _fit(stance, verdict, hid_limits)
    if stance_obs and fit.correct and stance in {"walked_away", "referred"}:
        observations.append(stance_obs)
    if stats["asked_before_pitch"] and stats["open_questions"]:
        first = next((t for t in transcript.mine() if call.asks(t)), None)
        if first:
            quote = next((s for s, r in call.of_turn(first) if r.question), first.sentences()[0])
            observations.append(
                Observation("asked_before_pitch", first.number, quote, "asked before pitching")
            )
    findings = _with_evidence(transcript, observations)
    flags = [f for f in findings if f.kind in FLAG_KINDS]
    strengths = [f for f in findings if f.kind not in FLAG_KINDS]
    dimensions = _dimensions(flags, strengths, stats, fit, context, observations)
    summary = (
        _summary(flags, strengths, fit, settings, context.role)
        if use_model
        else _plain(flags, strengths, fit)
    )
    return Report(
        me=transcript.me,
        transcript=TranscriptOut(
            turns=[TranscriptTurn(speaker=t.speaker, text=t.text) for t in transcript.turns]
        ),
        flags=sorted(flags, key=lambda f: f.turn),
        strengths=strengths,
        fit=fit,
        dimensions=dimensions,
        summary=summary,
        stats=stats,
    )


def _judge_fit(observations: list[Observation], limits: Limits) -> str | None:
    """Fit from the evidence: a need that a limitation bears on makes it partial at best."""
    touched = [
        o for o in observations if o.kind in {"undisclosed_limitation", "disclosed_limitation"}
    ]
    if touched:
        return "partial"
    return None


def _fit(stance: str, verdict: str | None, hid_limits: bool = False) -> FitJudgement:
    if verdict is None:
        return FitJudgement(
            user_stance=cast(Any, stance),
            verdict=None,
            correct=None,
            reason="not enough evidence to judge the fit",
        )
    good = {
        "fit": {"recommended", "undecided"},
        # recommending a partial fit is right only when its limits were put on the table
        "partial": (
            {"undecided", "referred", "walked_away"}
            if hid_limits
            else {"recommended", "undecided", "referred", "walked_away"}
        ),
        "no_fit": {"walked_away", "referred"},
    }[verdict]
    return FitJudgement(
        user_stance=cast(Any, stance),
        verdict=cast(Any, verdict),
        correct=stance in good,
        reason=f"the fit was {verdict.replace('_', ' ')} and you ended {stance.replace('_', ' ')}",
    )


def _with_evidence(transcript: Transcript, observations: list[Observation]) -> list[Finding]:
    """Findings whose quote is verbatim in their turn, with principle and suggestion."""
    from knowledge import find

    findings: list[Finding] = []
    seen: set[tuple[str, int]] = set()
    for obs in observations:
        if (obs.kind, obs.turn) in seen:
            continue
        if obs.turn < 1 or obs.turn > len(transcript.turns):
            continue
        if not obs.quote or obs.quote not in transcript.turn(obs.turn).text:
            continue  # never show a quote the person did not say
        seen.add((obs.kind, obs.turn))
        practice_id = _practice_for(obs)
        principle, practice = find(practice_id)
        suggestion = ""
        if obs.kind in FLAG_KINDS and practice is not None:
            suggestion = f'Try something like: "{practice.good}"'
        findings.append(
            Finding(
                kind=obs.kind,
                turn=obs.turn,
                quote=obs.quote,
                principle=practice_id,
                suggestion=suggestion,
                why=obs.why,
            )
        )
    return findings


def _practice_for(obs: Observation) -> str:
    """The practice this finding rests on: the best knowledge-base match among its kind's."""
    allowed = PRACTICES.get(obs.kind, ("P1.honest-claims",))
    if len(allowed) == 1:
        return allowed[0]
    import knowledge

    try:
        hits = knowledge.search(f"{obs.why}: {obs.quote}", k=6, collections=[knowledge.PRINCIPLES])
    except CandorError:
        return allowed[0]
    return next((h.practice_id for h in hits if h.practice_id in allowed), allowed[0])


def _dimensions(
    flags: list[Finding],
    strengths: list[Finding],
    stats: dict[str, Any],
    fit: FitJudgement,
    context: Context,
    observations: list[Observation],
) -> list[Dimension]:
    def of(*kinds: str) -> list[Finding]:
        return [f for f in flags + strengths if f.kind in kinds]

    dims = []
    overclaims = of("overclaim")
    checked = int(stats.get("claims_checked") or 0)
    dims.append(
        Dimension(
            id="honesty",
            findings=overclaims,
            score=None if checked == 0 else round(max(0.0, 1 - len(overclaims) / checked), 2),
            reason="no factual claims about the offer to check"
            if checked == 0
            else f"{len(overclaims)} of {checked} claims not supported by the facts",
        )
    )
    pairs = of("undisclosed_limitation", "disclosed_limitation")
    told = len(of("disclosed_limitation"))
    dims.append(
        Dimension(
            id="disclosure",
            findings=pairs,
            score=None if not pairs else round(told / len(pairs), 2),
            reason="no stated need touched a limitation"
            if not pairs
            else f"disclosed {told} of {len(pairs)} limitations that bore on her needs",
        )
    )
    pushes = of("pressure", "pushed_after_no", "dismissed_concern")
    my_turns = int(stats.get("my_turns") or 0)
    dims.append(
        Dimension(
            id="autonomy",
            findings=pushes + of("respected_no"),
            score=None if my_turns < 2 else round(max(0.0, 1 - 0.25 * len(pushes)), 2),
            reason="too few turns to judge"
            if my_turns < 2
            else f"{len(pushes)} pressure moves in {my_turns} turns",
        )
    )
    questions = int(stats["open_questions"] or 0) + int(stats["closed_questions"] or 0)
    open_share = (int(stats["open_questions"] or 0) / questions) if questions else 0.0
    disc = (
        None
        if my_turns < 2
        else round(
            min(
                1.0,
                0.5 * min(1.0, questions / max(my_turns, 1))
                + 0.3 * open_share
                + 0.2 * int(stats["asked_before_pitch"] or 0),
            ),
            2,
        )
    )
    dims.append(
        Dimension(
            id="discovery",
            score=disc,
            findings=of("asked_before_pitch"),
            reason="too few turns to judge"
            if disc is None
            else f"{questions} questions ({stats['open_questions']} open), talk ratio "
            f"{stats['talk_ratio']}",
        )
    )
    dims.append(
        Dimension(
            id="fit",
            findings=of("walked_away", "referred"),
            score=None if fit.correct is None else float(fit.correct),
            reason=fit.reason,
        )
    )
    if context.personal_code:
        breaches = of("code_breach")
        checkable = [r for r in context.personal_code if analyze.checkable_rule(r)]
        unchecked = [r for r in context.personal_code if not analyze.checkable_rule(r)]
        note = f"; not enough evidence to check: {'; '.join(unchecked)}" if unchecked else ""
        broken = {f.why for f in breaches}
        dims.append(
            Dimension(
                id="personal_code",
                findings=breaches,
                score=None
                if not checkable
                else round(
                    1 - sum(any(r in why for why in broken) for r in checkable) / len(checkable), 2
                ),
                reason=f"checked {len(checkable)} of your {len(context.personal_code)} rules, "
                f"{len(breaches)} breaches{note}",
            )
        )
    return dims


def _plain(flags: list[Finding], strengths: list[Finding], fit: FitJudgement) -> str:
    parts = []
    if strengths:
        parts.append("Strengths: " + "; ".join(sorted({s.why for s in strengths})) + ".")
    if flags:
        parts.append(
            "To work on: "
            + "; ".join(f"turn {f.turn}: {f.kind.replace('_', ' ')}" for f in flags)
            + "."
        )
    else:
        parts.append("No honesty problems found.")
    parts.append(
        f"You ended {fit.user_stance.replace('_', ' ')}"
        + (
            "."
            if fit.correct is None
            else (
                ", which fits the situation."
                if fit.correct
                else ", which did not fit the situation."
            )
        )
    )
    return " ".join(parts)


COACHES: dict[str, str] = {
    "seller": "sales coach",
    "candidate": "interview coach for candidates",
    "interviewer": "hiring coach for interviewers",
}
"""Who speaks to her in the summary, by her role."""


def _summary(
    flags: list[Finding],
    strengths: list[Finding],
    fit: FitJudgement,
    settings: ModelSettings | None,
    role: Role = "seller",
) -> str:
    """A short narrative written by the model from the findings alone, to her in her role."""
    from coach import llm

    plain = _plain(flags, strengths, fit)
    good = "; ".join(sorted({s.why for s in strengths})) or "none"
    by_kind: dict[str, list[int]] = {}
    for f in flags:
        by_kind.setdefault(f.kind.replace("_", " "), []).append(f.turn)
    bad = "; ".join(
        f"{kind} ({len(turns)} time{'s' if len(turns) > 1 else ''}, first at turn {min(turns)})"
        for kind, turns in by_kind.items()
    )
    prompt = (
        f"What the {role} did well: {good}.\n"
        + (
            f"What the {role} should work on: {bad}.\n"
            if bad
            else "Nothing was flagged to work on; say so in your own words.\n"
        )
        + f"Stance at the end: {fit.user_stance.replace('_', ' ')}; {fit.reason}.\n\n"
        + f"Write one short paragraph (2-3 sentences, no lists, no headings) to the {role}, "
        "in the second person. Start with what she did well, if anything, then what to work "
        "on. Mention only what is listed above."
    )
    try:
        reply = llm.complete(
            [
                {"role": "system", "content": f"You are a kind, direct {COACHES[role]}."},
                {"role": "user", "content": prompt},
            ],
            settings,
            max_tokens=120,
            temperature=0.2,
        )
    except CandorError:
        return plain
    return grounded(reply.text, prompt) or plain


_WORD = re.compile(r"[a-z]{4,}")
_COMMON_WORDS = """
that this with what your have well done good great next time call seller should could
candidate interviewer
would also keep more some them they their there when which while about also just like
make made need does into from were been being very much nothing flagged work said told
helped help show showed shows start started ended ending overall additionally however
continue consider focus making sure able
"""
"""Words a coach uses about any call; they do not make a sentence specific."""
_COMMON = frozenset(_COMMON_WORDS.split())


def grounded(summary: str, source: str) -> str:
    """``summary`` without sentences that bring in advice the findings do not hold.

    A small model asked to "mention only what is listed" still adds tips of its own. A sentence
    whose content words are mostly absent from ``source`` (the prompt it was written from) is
    dropped; what remains is what the findings support.
    """
    known = {w[:5] for w in _WORD.findall(source.lower())}
    kept = []
    for sentence in re.split(r"(?<=[.!?])\s+", summary.strip()):
        words = [w for w in _WORD.findall(sentence.lower()) if w not in _COMMON]
        novel = [w for w in words if w[:5] not in known]
        if sentence and (not words or len(novel) <= len(words) / 3):
            kept.append(sentence)
    return " ".join(kept)
