"""A transcript to critique: who said what, turn by turn, from a file or a stored session."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coach.errors import InputError

_LINE = re.compile(r"^\s*([^:\n]{1,60}?)\s*:\s*(.+?)\s*$")
_SENTENCE = re.compile(r"[^.!?]+(?:[.!?]+[\"')\]]*|$)")


@dataclass(frozen=True)
class Turn:
    """One speaker's turn; ``number`` is 1-based."""

    number: int
    speaker: str
    text: str
    events: dict[str, Any] = field(default_factory=dict)

    def sentences(self) -> list[str]:
        """The turn's sentences, each an exact substring of ``text``."""
        return [s.strip() for s in _SENTENCE.findall(self.text) if s.strip()]


@dataclass(frozen=True)
class Transcript:
    turns: list[Turn]
    me: str

    def mine(self) -> list[Turn]:
        return [t for t in self.turns if t.speaker == self.me]

    def theirs(self) -> list[Turn]:
        return [t for t in self.turns if t.speaker != self.me]

    def turn(self, number: int) -> Turn:
        return self.turns[number - 1]


def parse_plain(text: str, me: str, where: str = "transcript") -> Transcript:
    """``Name: text`` lines into a transcript; consecutive lines of one speaker are merged."""
    turns: list[Turn] = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if not match:
            raise InputError(
                f"{where}, line {line_number}: expected 'Name: text', found {line.strip()[:60]!r}."
            )
        speaker, said = match.group(1), match.group(2)
        if turns and turns[-1].speaker == speaker:
            last = turns.pop()
            turns.append(Turn(last.number, speaker, f"{last.text} {said}"))
        else:
            turns.append(Turn(len(turns) + 1, speaker, said))
    if not turns:
        raise InputError(f"{where}: no 'Name: text' lines found.")
    return with_me(turns, me, where)


def with_me(turns: list[Turn], me: str, where: str) -> Transcript:
    speakers = sorted({t.speaker for t in turns})
    if me not in speakers:
        raise InputError(f"{where}: there is no speaker '{me}'; speakers: {', '.join(speakers)}.")
    return Transcript(turns, me)


def read_plain(path: Path | str, me: str) -> Transcript:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path.name}: cannot be read as UTF-8 text ({exc}).") from exc
    return parse_plain(text, me, path.name)


def from_imported(imported: Any, me: str | None) -> Transcript:
    """A critique transcript from an imported one; every turn must have a known speaker.

    Unlabelled turns are never attributed silently: the user labels them, or asks for the
    alternating-speaker split and confirms it.
    """
    unknown = sum(1 for t in imported.turns if t.speaker is None)
    if unknown:
        raise InputError(
            f"{imported.source}: {unknown} of {len(imported.turns)} turns have no speaker. "
            "Label them, or split them by alternating speakers with --alternate."
        )
    if not me:
        raise InputError(
            f"{imported.source}: say which speaker is you with --me; speakers: "
            f"{', '.join(imported.speakers)}."
        )
    turns: list[Turn] = []
    for item in imported.turns:
        if turns and turns[-1].speaker == item.speaker:
            last = turns.pop()
            turns.append(Turn(last.number, last.speaker, f"{last.text} {item.text}"))
        else:
            turns.append(Turn(len(turns) + 1, item.speaker, item.text))
    return with_me(turns, me, imported.source)
