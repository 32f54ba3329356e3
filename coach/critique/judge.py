"""Model judgement where rules cannot decide: does a claim contradict the facts?

The model answers in JSON, validated by pydantic. An invalid reply is retried once and then
dropped: no finding is ever guessed from a reply we could not read. If the model fails (after
the gateway's retries), the remaining claims are not asked about.
"""

from __future__ import annotations

import json
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from coach.config import ModelSettings
from coach.critique.analyze import Observation
from coach.critique.own_words import facts_only, own_words
from coach.critique.transcript import Transcript
from coach.errors import CandorError

MAX_CLAIMS = 12
_CHECKABLE = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|"
    r"fifty|hundred|thousand|days?|weeks?|months?|hours?|tops|at most|at least|within|always|"
    r"never|all|every|fully|qualified|certified|licensed|managed|led)\b",
    re.I,
)
_CLAIMING = re.compile(
    r"\b(i|i'?m|i'?ll|i'?ve|we|we'?re|we'?ll|our|my|you'?ll|it'?s|that'?s)\b", re.I
)


class ClaimVerdict(BaseModel):
    model_config = ConfigDict(extra="ignore")
    verdict: Literal["supported", "contradicted", "unsupported"]
    reason: str = ""


def checkable_claims(t: Transcript, already: set[int]) -> list[tuple[int, str]]:
    """My factual-sounding sentences (numbers, times, absolutes) not already flagged.

    Whether a sentence is a claim is read from its own words (:func:`own_words`)."""
    found = []
    for turn in t.mine():
        if turn.number in already:
            continue
        for sentence in turn.sentences():
            own = own_words(sentence)
            if own.endswith("?") or len(own.split()) < 4:
                continue
            if _CHECKABLE.search(own) and _CLAIMING.search(own):
                found.append((turn.number, sentence))
    return found[:MAX_CLAIMS]


def _ask(facts: str, sentence: str, settings: ModelSettings | None) -> ClaimVerdict | None:
    from coach import llm

    messages = [
        {
            "role": "system",
            "content": "You check what a seller says against her own facts. "
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
    for _ in range(2):
        # A model error (after the gateway's retries) propagates: the caller stops asking.
        text = llm.complete(messages, settings, max_tokens=80, temperature=0).text
        start, end = text.find("{"), text.rfind("}")
        try:
            return ClaimVerdict.model_validate(json.loads(text[start : end + 1]))
        except (ValueError, ValidationError):
            continue
    return None


def contradicted_claims(
    t: Transcript, facts: str, already: set[int], settings: ModelSettings | None
) -> list[Observation]:
    """Claims the model judges contradicted by the facts."""
    if not facts.strip():
        return []
    found = []
    for turn, sentence in checkable_claims(t, already):
        try:
            verdict = _ask(facts, own_words(sentence), settings)
        except CandorError:
            break  # the model is unavailable: asking about the next claim would fail too
        if verdict is not None and verdict.verdict == "contradicted":
            found.append(
                Observation(
                    "overclaim", turn, sentence, f"contradicts the facts: {verdict.reason[:120]}"
                )
            )
    return found
