"""Voice a beat through the model, and check every sentence before it is shown.

The persona's prompt holds only what she may say: her public card (role, style, background),
the facts already revealed, and the beat's instruction. Hidden facts that are not unlocked are
never in it, so the model cannot leak them. The prompt grows only by appending (system prompt,
then each turn with its director note), so llama.cpp reuses its cached prefix every turn.

Sentences are released one at a time, each after its checks: not empty, not an echo of the
user, no refusal or meta talk (an AI or assistant, chat-template or system markup, her prompt or
the director's notes read out), not speaking as the other side, not encoded (base64, hex,
rot13, reversed or spelled out letter by letter), not too long, and no details (numbers, names)
from facts that are still locked. The checks read the text as it looks (full-width letters,
zero-width characters and look-alike letters folded). A failed first sentence means one retry,
then the beat's authored line; a later failure stops the reply at the last good sentence.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from coach.director.director import Beat
from coach.importers.turns import speaker_name
from coach.reading.lexical import plain
from personas.cards import PersonaCard, ScenarioCard

MAX_SENTENCES = 4
MAX_WORDS = 80

_META = re.compile(
    r"\b(as an ai|an ai (language )?model|language model|i('m| am)( (just|really|only|actually|"
    r"simply|merely|now|not|also|basically))* (an? )?(ai|assistant|chatbot|bot|llm)\b(?! "
    r"(manager|director|coach|editor|to\b))|i can(no|')t (assist|"
    r"help) with (that|this)|i('m| am) (not able|unable) to (assist|comply)|openai|chatgpt|qwen|"
    r"alibaba|system prompt|my instructions|director'?s? notes?|hidden[_ ]facts?|locked facts?|"
    r"developer mode|debug mode|ignore (all |any |your |the )?(previous |prior |above )?"
    r"instructions|(the|this|my) beat\b|in character|out of character|role-?play|as a helpful|"
    r"drop the act)",
    re.I,
)
# Chat-template and system markup, role labels, JSON role objects, a director note read out.
_MARKUP = re.compile(
    r"<\|[^|>]{0,20}\|>|</?\s*(s|system|inst|assistant|user)\s*>|\[\s*/?\s*(system|inst|note|"
    r"assistant|user)\b|^\s*#{2,}\s*\w|\"(role|content)\"\s*:|^\s*\**\s*(system|user|assistant|"
    r"human)\s*\**\s*:",
    re.I | re.M,
)
_LABEL = re.compile(r"^\s*\**\s*([A-Z][\w .'-]{0,30})\s*\**\s*:", re.M)
# How the user's side is named, by the role the user plays: she never claims to be them.
_USER_SIDE = {
    "seller": r"seller|salesperson|sales ?rep|sales ?person|vendor|supplier|consultant|coach|"
    r"designer",
    "candidate": r"candidate|applicant|interviewee|job ?seeker",
    "interviewer": r"interviewer|hiring manager|recruiter|employer",
}
# A base64 or hex dump: one long run of letters and digits.
_BLOB = re.compile(r"[A-Za-z0-9+/=]{24,}")
PROMPT_WORDS = 5
"""A run of this many words from her standing instructions (how to speak, how she talks) is
her prompt read out, not her speaking. The director's notes are not compared: she follows them,
often in their words ("not ready to decide yet"); a note read out shows as ``[Note``."""
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
        f"You are on a call with {other}\n" + _RULES.format(name=persona.name)
    )


_RULES = (
    "Speak only as {name}, in the first person, in 1 to 3 short sentences. "
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
    _prompt: set[tuple[str, ...]] = field(init=False, repr=False)
    _vocabulary: set[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Her standing instructions: she never says these words.
        rules = f"{_RULES.format(name=self.persona.name)} | You are on a call with | How you "
        self._prompt = _grams(f"{rules}talk: {self.persona.style}", PROMPT_WORDS)
        self._vocabulary = set(_norm(f"{self.allowed_text} {self.user_text}"))

    def problem(self, sentence: str, so_far: str) -> str | None:
        """Why ``sentence`` may not be shown after ``so_far``, or None."""
        text = plain(sentence).strip()
        if not text:
            return "empty"
        if _META.search(text) or _MARKUP.search(text) or self._reads_prompt(text, so_far):
            return "meta"
        label = _LABEL.match(text)
        if (
            label
            and _names_someone(label.group(1).strip())
            and label.group(1).strip().lower()
            not in {self.persona.name.lower(), self.persona.name.split()[0].lower()}
        ):
            return "other_side"
        side = _USER_SIDE[self.scenario.user_role]
        if re.search(
            rf"\b((i('m| am)|i'?ll be|i will be|let me be|speaking as|playing) (now |just )?"
            rf"(the |your |a |an )?|as (the|your) )({side})\b",
            text,
            re.I,
        ):
            return "other_side"
        if _echoes(text, self.user_text) or _echoes(f"{so_far} {text}".strip(), self.user_text):
            return "echo"
        if self._encoded(text):
            return "encoded"
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

    def _reads_prompt(self, text: str, so_far: str) -> bool:
        """Her prompt read out: "You are <her name>", or a run of its instructions."""
        name = self.persona.name.split()[0]
        if re.search(rf"\byou(('| a)re| are) {re.escape(name)}\b", text, re.I):
            return True
        return bool(_grams(f"{so_far} {text}", PROMPT_WORDS) & self._prompt)

    def _encoded(self, text: str) -> bool:
        """Not speech: a base64 or hex dump, letters spelled out one by one, or text that only
        makes sense once rot13 or reversal is undone (its words are the conversation's)."""
        if any(
            re.search(r"\d", blob) and re.search(r"[A-Za-z]", blob) for blob in _BLOB.findall(text)
        ):
            return True
        tokens = text.split()
        singles = [t for t in tokens if len(t.strip(".,;:!?'\"()-")) <= 1]
        if len(tokens) >= 6 and len(singles) > 0.6 * len(tokens):
            return True
        words = _norm(text)
        if len(words) < 3:
            return False
        known = sum(w in self._vocabulary for w in words) / len(words)
        return any(
            sum(w in self._vocabulary for w in _norm(decoded)) / len(words) >= known + 0.5
            for decoded in (codecs.decode(text, "rot13"), text[::-1])
        )


def _names_someone(label: str) -> bool:
    """A ``Label:`` that names a speaker ("Seller", "Maya", "SYSTEM"), not a sentence that
    runs into a colon ("I'll be straight with you:", "One thing:")."""
    return speaker_name(label) and all(w[:1].isupper() for w in label.split())


def _grams(text: str, n: int) -> set[tuple[str, ...]]:
    words = _norm(text)
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _norm(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", plain(text).lower())


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

    A segment ends at a sentence end or at a comma or similar once it has a few words
    (:data:`CLAUSE_WORDS`), or after :data:`RUN_WORDS` words. Releasing segments rather than
    whole sentences gets the first words of a reply on screen sooner, each still checked before
    it is shown. A shorter sentence waits for what follows, so that "Sure!" or "Of course." is
    checked together with what it leads into ("Sure! Here is my system prompt: ...").
    """
    buffer = ""
    for piece in pieces:
        buffer += piece
        while True:
            cut = None
            for match in _BREAK.finditer(buffer):
                if len(buffer[: match.end()].split()) >= CLAUSE_WORDS:
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
