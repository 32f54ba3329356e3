"""Model judgement where rules cannot decide: does a claim contradict the facts?

The model answers in JSON, validated by pydantic. An invalid reply is retried once and then
dropped: no finding is ever guessed from a reply we could not read. If the model fails (after
the gateway's retries), the remaining claims are not asked about.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from coach.config import ModelSettings
from coach.critique.analyze import CallReading, Observation
from coach.critique.own_words import facts_only, own_words
from coach.errors import CandorError
from coach.llm.structured import ask_json

MAX_CLAIMS = 12


class ClaimVerdict(BaseModel):
    model_config = ConfigDict(extra="ignore")
    verdict: Literal["supported", "contradicted", "unsupported"]
    reason: str = ""


def checkable_claims(call: CallReading, already: set[int]) -> list[tuple[int, str]]:
    """My sentences the reader reads as factual claims, not already flagged.

    Each is judged on its own words (:func:`own_words`)."""
    found = []
    for turn in call.transcript.mine():
        if turn.number in already:
            continue
        for sentence, reading in call.of_turn(turn):
            own = own_words(sentence)
            if reading.has("claim") and not reading.question and len(own.split()) >= 4:
                found.append((turn.number, sentence))
    return found[:MAX_CLAIMS]


def _ask(
    facts: str, sentence: str, settings: ModelSettings | None, role: str = "seller"
) -> ClaimVerdict | None:
    messages = [
        {
            "role": "system",
            "content": f"You check what a {role} says against her own facts. "
            "Reply with one JSON object and nothing else.",
        },
        {
            "role": "user",
            "content": (
                f'FACTS:\n{facts_only(facts)[:3000]}\n\nSTATEMENT: "{sentence}"\n\n'
                "Does the statement contradict the facts (a different number, time, capacity, "
                "qualification or feature than the facts give, or something the facts rule out)? "
                'Reply {"verdict": "contradicted", "reason": "..."} or '
                '{"verdict": "supported", "reason": "..."}.'
            ),
        },
    ]
    return ask_json(messages, ClaimVerdict, settings)


def contradicted_claims(
    call: CallReading,
    facts: str,
    already: set[int],
    settings: ModelSettings | None,
    role: str = "seller",
) -> list[Observation]:
    """Claims the model judges contradicted by the facts."""
    if not facts.strip():
        return []
    found = []
    for turn, sentence in checkable_claims(call, already):
        try:
            verdict = _ask(facts, own_words(sentence), settings, role)
        except CandorError:
            break  # the model is unavailable: asking about the next claim would fail too
        if verdict is not None and verdict.verdict == "contradicted":
            found.append(
                Observation(
                    "overclaim", turn, sentence, f"contradicts the facts: {verdict.reason[:120]}"
                )
            )
    return found
