"""Voice a beat through the model, and check every sentence before it is shown.

The persona's prompt holds only what she may say: her public card (role, style, background),
the facts already revealed, and the beat's instruction. Hidden facts that are not unlocked are
never in it, so the model cannot leak them. The prompt grows only by appending (system prompt,
then each turn with its director note), so llama.cpp reuses its cached prefix every turn.

Sentences are released one at a time, each after its checks: not empty, not an echo of the
user, no refusal or meta talk, not speaking as the other side, not too long, and no details
(numbers, names) from facts that are still locked. A failed first sentence means one retry,
then the beat's authored line; a later failure stops the reply at the last good sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from coach.director.director import Beat
from personas.cards import PersonaCard, ScenarioCard

MAX_SENTENCES = 4
MAX_WORDS = 80

_META = re.compile(
    r"\b(as an ai|an ai (language )?model|language model|i('m| am) (just )?an? (ai|assistant|"
    r"chatbot|bot)|i can(no|')t (assist|help) with (that|this)|i('m| am) (not able|unable) to "
    r"(assist|comply)|openai|chatgpt|qwen|alibaba|system prompt|my instructions|director|"
    r"\bbeat\b|in character|role-?play|as a helpful)",
    re.I,
)
_LABEL = re.compile(r"^\s*\**\s*([A-Z][\w .'-]{0,30})\s*\**\s*:", re.M)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+")
_NUMBER = re.compile(r"\d[\d,.]*")


def user_side(scenario: ScenarioCard) -> str:
    return {"seller": "seller", "candidate": "candidate", "interviewer": "interviewer"}[
        scenario.user_role
    ]


def system_prompt(persona: PersonaCard, scenario: ScenarioCard) -> str:
    """The persona's stable system prompt: public card only, never a hidden fact."""
    other = {
        "seller": f"someone offering you {scenario.offer.name}: {scenario.offer.summary}",
        "candidate": f"a candidate for the role. What they bring: {scenario.offer.summary}",
        "interviewer": f"a hiring manager interviewing you for {scenario.offer.name}: "
        f"{scenario.offer.summary}",
    }[scenario.user_role]
    return (
        f"You are {persona.name}, {persona.role} {persona.background}\n"
        f"How you talk: {persona.style}\n"
        f"You are on a call with {other}\n"
        f"Speak only as {persona.name}, in the first person, in 1 to 3 short sentences. "
        "Follow each director note exactly; never mention the notes. Never invent facts about "
        "yourself beyond what you have said. Never speak for the other person."
    )


def director_note(beat: Beat) -> str:
    return f"[Note: {beat.instruction}]"


@dataclass
class Checker:
    """The checks a sentence of the persona's reply must pass."""

    persona: PersonaCard
    scenario: ScenarioCard
    user_text: str
    allowed_text: str
    """Everything she may draw details from: public card, revealed facts, the conversation."""
    locked: list[str] = field(default_factory=list)
    """Texts of the facts not yet unlocked."""

    def problem(self, sentence: str, so_far: str) -> str | None:
        """Why ``sentence`` may not be shown after ``so_far``, or None."""
        text = sentence.strip()
        if not text:
            return "empty"
        if _META.search(text):
            return "meta"
        label = _LABEL.match(text)
        if label and label.group(1).strip().lower() not in {
            self.persona.name.lower(),
            self.persona.name.split()[0].lower(),
        }:
            return "other_side"
        if re.search(
            r"\b(as your|i('m| am) your) (seller|consultant|coach|designer|"
            r"interviewer|recruiter)\b",
            text,
            re.I,
        ):
            return "other_side"
        if _echoes(text, self.user_text) or _echoes(f"{so_far} {text}".strip(), self.user_text):
            return "echo"
        words = len((so_far + " " + text).split())
        if words > MAX_WORDS:
            return "too_long"
        for number in _NUMBER.findall(text):
            digits = number.strip(".,")
            if (
                digits
                and digits not in self.allowed_text
                and any(digits in fact for fact in self.locked)
            ):
                return "locked_detail"
        return None


def _norm(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def _echoes(reply: str, user: str) -> bool:
    """The reply repeats the user's words: same text, or most of a longer user turn."""
    r, u = _norm(reply), _norm(user)
    if not r or not u:
        return False
    if r == u:
        return True
    if len(r) >= CLAUSE_WORDS and u[: len(r)] == r:
        return True  # the reply so far is the start of the user's turn, word for word
    if len(u) >= 6:
        joined = " ".join(u)
        return joined in " ".join(r) or (len(set(r) & set(u)) / len(set(r)) > 0.8 and len(r) >= 6)
    return False


def sentences(pieces: Iterator[str]) -> Iterator[str]:
    """Regroup streamed text pieces into whole sentences (the last may lack an end mark)."""
    buffer = ""
    for piece in pieces:
        buffer += piece
        while True:
            match = _SENTENCE_END.search(buffer)
            if not match:
                break
            yield buffer[: match.end()]
            buffer = buffer[match.end() :]
    if buffer.strip():
        yield buffer


_BREAK = re.compile(r"(?<=[.!?])[\"')\]]*\s+|(?<=[,;:\u2014])\s+")
CLAUSE_WORDS = 4
"""A clause is released early only once it has this many words: enough to check it."""
RUN_WORDS = 8
"""Words released together when the model writes a long stretch without punctuation."""


def segments(pieces: Iterator[str]) -> Iterator[str]:
    """The streamed text as short checkable segments: sentences, clauses, or runs of words.

    A segment ends at a sentence end, at a comma or similar once it has a few words, or after
    :data:`RUN_WORDS` words. Releasing segments rather than whole sentences gets the first
    words of a reply on screen sooner, each still checked before it is shown.
    """
    buffer = ""
    for piece in pieces:
        buffer += piece
        while True:
            cut = None
            for match in _BREAK.finditer(buffer):
                ends_sentence = buffer[match.start() - 1 : match.start()] in ".!?\"')]"
                if ends_sentence or len(buffer[: match.end()].split()) >= CLAUSE_WORDS:
                    cut = match.end()
                    break
            if cut is None and len(buffer.split()) > RUN_WORDS:
                # a long run without punctuation: release it, but keep back the last word,
                # which may still be growing
                cut = buffer.rstrip().rfind(" ") + 1 or None
            if cut is None:
                break
            yield buffer[:cut]
            buffer = buffer[cut:]
    if buffer.strip():
        yield buffer
