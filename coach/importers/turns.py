"""The imported transcript and the rules every format shares: speaker prefixes, merging, text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from coach.errors import InputError

FORMATS = ("vtt", "srt", "otter", "zoom_chat", "plain", "json", "docx")

# "Name: text", where the name is short and has no colon. Whether it is really a name is
# decided by `speaker_name`, so that "The point is: ..." stays text.
_PREFIX = re.compile(r"^\s*(?P<name>[^:\n]{1,60}?)\s*:(?:\s+(?P<text>.*)|\s*)$", re.DOTALL)
# Words that appear in sentences but not in names; a prefix holding one is not a speaker.
# fmt: off
_SENTENCE_WORDS = frozenset({
    "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "did", "do", "does", "for",
    "from", "had", "has", "have", "he", "her", "here", "his", "how", "i", "if", "in", "is", "it",
    "its", "just", "me", "my", "not", "of", "on", "or", "our", "she", "so", "than", "that", "the",
    "their", "them", "then", "there", "these", "they", "this", "to", "too", "us", "was", "we",
    "were", "what", "when", "where", "which", "who", "why", "will", "with", "would", "you", "your",
})
# Words that open a sentence with a colon ("Look: ...", "Note: ..."); alone, not a speaker.
_OPENERS = _SENTENCE_WORDS.union({
    "actually", "also", "anyway", "basically", "but", "finally", "first", "honestly", "however",
    "listen", "look", "no", "note", "now", "ok", "okay", "remember", "second", "so", "well",
    "yeah", "yes",
}) - {"me", "them", "us", "you"}
# fmt: on
_NAME_JUNK = frozenset(',;?!"“”<>=')
_UNKNOWN_NAMES = frozenset({"unknown", "unknown speaker"})


@dataclass(frozen=True)
class ImportedTurn:
    """One stretch of speech; ``speaker`` is None when the transcript does not say who spoke."""

    speaker: str | None
    text: str
    start: float | None = None
    """Seconds from the start of the recording, when the format has timestamps."""


@dataclass(frozen=True)
class Imported:
    """A transcript read from a file, before anyone decides which speaker is the user."""

    format: str
    """The format it was read as, one of ``FORMATS``."""
    source: str
    """The file name, for messages."""
    turns: list[ImportedTurn]

    @property
    def speakers(self) -> list[str]:
        """The known speakers, in order of first appearance."""
        return list(dict.fromkeys(t.speaker for t in self.turns if t.speaker is not None))

    @property
    def has_unknown(self) -> bool:
        """True if some turn has no speaker."""
        return any(t.speaker is None for t in self.turns)


def clean(text: str) -> str:
    """``text`` with every run of whitespace, line breaks included, collapsed to one space."""
    return " ".join(text.split())


def known(name: str | None) -> str | None:
    """A speaker name tidied, or None for a blank name and the "Unknown Speaker" placeholder."""
    if name is None:
        return None
    name = clean(name)
    if not name or name.casefold() in _UNKNOWN_NAMES:
        return None
    return name


def speaker_name(candidate: str) -> bool:
    """True if ``candidate`` (the part before a colon) reads as a person's name, not a sentence.

    One word ("Barnabas", "felipe", "Q", "Me", "Them") does, unless it opens sentences ("Look",
    "Note"). Longer ones must look like a name: at most six words ("Marius van der Wijden"), a
    letter, no sentence punctuation and no words such as "the" or "is", so "The point is: ..."
    stays text.
    """
    words = candidate.split()
    if not words or len(words) > 6 or not candidate[0].isalnum():
        return False
    if not any(c.isalpha() for c in candidate) or _NAME_JUNK.intersection(candidate):
        return False
    if len(words) == 1:
        return candidate.casefold() not in _OPENERS
    return not any(w.strip("().'").casefold() in _SENTENCE_WORDS for w in words)


class Prefixed(NamedTuple):
    """A line split at its speaker prefix; ``speaker`` is None for "Unknown Speaker: ..."."""

    speaker: str | None
    text: str


def split_speaker(line: str) -> Prefixed | None:
    """The speaker and text of a ``Name: text`` line, or None if it has no speaker prefix."""
    match = _PREFIX.match(line)
    if not match or not speaker_name(match["name"]):
        return None
    return Prefixed(known(match["name"]), match["text"] or "")


def merge(turns: list[ImportedTurn]) -> list[ImportedTurn]:
    """Turns with their text cleaned, empty ones dropped, and runs of one known speaker merged.

    A merged turn keeps the first start time. Turns with no speaker are never merged with each
    other: "unknown" is not a person, and two unknown turns in a row are often two people (a
    caption file without speakers has one cue per line of speech, and Otter labels everyone it
    cannot tell apart "Unknown Speaker"). Keeping them apart is what lets
    ``alternate_speakers`` label them.
    """
    merged: list[ImportedTurn] = []
    for turn in turns:
        text = clean(turn.text)
        if not text:
            continue
        last = merged[-1] if merged else None
        if last is not None and turn.speaker is not None and last.speaker == turn.speaker:
            merged[-1] = ImportedTurn(last.speaker, f"{last.text} {text}", last.start)
        else:
            merged.append(ImportedTurn(turn.speaker, text, turn.start))
    return merged


def first_line(text: str, limit: int = 80) -> str:
    """The first non-blank line of ``text``, shortened to ``limit`` characters, for messages."""
    line = next((ln.strip() for ln in text.split("\n") if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def require(turns: list[ImportedTurn], source: str, what: str) -> list[ImportedTurn]:
    """``turns``, or an :class:`InputError` saying that no ``what`` was found in ``source``."""
    if not turns:
        raise InputError(f"{source}: expected {what}, found none.")
    return turns
