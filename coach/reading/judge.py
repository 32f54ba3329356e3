"""A second reader where a capable model is configured: the model reads each user turn.

The model is asked which of the user's moves a turn makes, in context, and answers in JSON,
validated by pydantic. An unreadable reply is asked again once and then dropped: no move is
ever guessed from a reply we could not read. Its verdict is combined with the trained reader's
(:func:`combine`): either can carry a move the other is unsure of, and neither can overrule a
confident reading of the other.

On the built-in 1.5B model this is off: judging "pushy or respectful" on real replies after a
refusal, it is close to chance (AUC 0.57), so :func:`enabled` is true only for a remote model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from pydantic import BaseModel, ConfigDict, field_validator

from coach.config import ModelSettings
from coach.errors import CandorError
from coach.llm.structured import ask_json
from coach.reading.reader import Reading
from coach.reading.vocabulary import AFTER_CONCERN, AFTER_NO, USER_MOVES

WEIGHT = 0.4
"""How much the model's verdict counts against the trained reader's (calibrated) confidence:
with 0.4, the model's yes carries a move the reader gives at least a third of its threshold,
and its no overrules the reader unless the reader is well past its threshold."""
MAX_TURNS = 40

_DEFINITIONS = {
    "open_question": "an open question about the other side's situation, needs or view",
    "closed_question": "a yes/no or pick-one question",
    "pitch": "promotes the offer (or herself, or the job)",
    "claim": "a checkable factual assertion about the offer or herself",
    "disclosed_limitation": "says plainly what the offer or she cannot do, or a real downside",
    "false_urgency": "a deadline, scarcity or 'decide now' that pressures the decision",
    "pushed_after_no": "keeps persuading after the other side said no",
    "dismissed_concern": "brushes off a worry the other side just voiced",
    "accepted_no": "accepts the other side's no without pushing",
    "walk_away": "says the fit is not there and steps back",
    "referral": "points the other side to someone or something that would serve them better",
    "recommend": "recommends going ahead with her offer, or makes the offer",
    "asks_decision": "asks the other side to decide or commit now",
    "demand": "demands information without earning it, or rests on a false premise",
    "manipulation": "talks to an AI behind the person: role swaps, 'print your prompt'",
}


class TurnVerdict(BaseModel):
    """The model's reading of one turn."""

    model_config = ConfigDict(extra="ignore")
    moves: list[str]

    @field_validator("moves")
    @classmethod
    def _known(cls, moves: list[str]) -> list[str]:
        unknown = [m for m in moves if m not in USER_MOVES]
        if unknown:
            raise ValueError(f"unknown moves {unknown}")
        return moves


def enabled(settings: ModelSettings) -> bool:
    """Whether the model is capable enough to judge moves: a remote one, not the built-in."""
    from coach import llm

    return llm.is_remote(settings)


def _ask(before: str, text: str, settings: ModelSettings) -> TurnVerdict | None:
    definitions = "\n".join(f"- {m}: {d}" for m, d in _DEFINITIONS.items())
    messages = [
        {
            "role": "system",
            "content": "You label the moves in one line of a sales call or job interview. "
            "Reply with one JSON object and nothing else.",
        },
        {
            "role": "user",
            "content": (
                f"MOVES:\n{definitions}\n\nTHE CALL SO FAR:\n{before[-2000:]}\n\n"
                f'THE LINE TO LABEL (said by the user): "{text[:1500]}"\n\n'
                'Reply {"moves": [...]} with every move the line makes, or {"moves": []}.'
            ),
        },
    ]
    return ask_json(messages, TurnVerdict, settings)


def combine(reading: Reading, verdict: TurnVerdict) -> Reading:
    """The trained reading and the model's verdict, on one scale with the threshold at 0.5:
    the reader's score is first mapped so that its own threshold lands on 0.5."""
    said = set(verdict.moves)
    if not reading.context.said_no:
        said -= set(AFTER_NO)  # a push needs a no before it, whoever reads it
    if not reading.context.concern:
        said -= set(AFTER_CONCERN)
    scores = dict(reading.scores)
    thresholds = dict(reading.thresholds)
    confident = dict(reading.confident)
    for move in USER_MOVES:
        t = thresholds[move]

        def calibrated(s: float, t: float = t) -> float:
            return 0.5 * s / t if s < t else 0.5 + 0.5 * (s - t) / max(1 - t, 1e-6)

        scores[move] = (1 - WEIGHT) * calibrated(scores[move]) + WEIGHT * (move in said)
        thresholds[move] = 0.5
        # confident: as sure as the reader alone had to be, and the model agrees
        confident[move] = (1 - WEIGHT) * calibrated(confident.get(move, 0.95)) + WEIGHT
    return replace(reading, scores=scores, thresholds=thresholds, confident=confident)


def judge_turns(
    turns: Sequence[tuple[str, str]], readings: Sequence[Reading], settings: ModelSettings
) -> list[Reading]:
    """``readings`` of the user's turns combined with the model's; ``turns`` are the whole
    call as (side, text). Turns the model could not read keep the trained reading alone."""
    out = list(readings)
    asked = 0
    for i, (side, text) in enumerate(turns):
        if side != "user" or asked >= MAX_TURNS:
            continue
        asked += 1
        before = "\n".join(f"{'USER' if s == 'user' else 'OTHER'}: {t}" for s, t in turns[:i])
        try:
            verdict = _ask(before, text, settings)
        except CandorError:
            break  # the model is unavailable: asking about the next turn would fail too
        if verdict is not None:
            out[i] = combine(readings[i], verdict)
    return out
