"""Line-based exports: Otter.ai text, Zoom chat, and plain ``Name: text`` lines."""

from __future__ import annotations

import re

from coach.errors import InputError
from coach.importers.turns import (
    ImportedTurn,
    first_line,
    known,
    merge,
    require,
    split_speaker,
)

# Otter: "Speaker Name  01:02" (two spaces, then M:SS, MM:SS or H:MM:SS) above the paragraph.
OTTER_HEADER = re.compile(
    r"^(?P<name>[^\s:][^:]{0,79}?) {2,}(?P<time>(?:\d{1,2}:)?\d{1,2}:\d{2})\s*$"
)
# Some Otter exports put a "0:00 " in front of every line, headers and footer included.
_STRAY_TIME = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?(?: |$)")
_OTTER_FOOTER = re.compile(r"^(?:\d{1,2}:\d{2}(?::\d{2})? )?\s*Transcribed by https?://otter\.ai")
# Zoom chat: "HH:MM:SS<TAB>Name:<TAB>message"; a message may go on over the following lines.
ZOOM_CHAT_LINE = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})\t(?P<name>[^\t]+?):\t(?P<text>.*)$")
_REACTION = re.compile(r'^\s*Reacted to ".*" with \S.*$', re.DOTALL)
# A reply repeats the start of the message it answers; that quote is someone else's words.
_REPLY_QUOTE = re.compile(r'^\s*Replying to "[^\n]*"[^\n]*(?:\n|$)')


def seconds(clock: str) -> float:
    """``"01:02"`` or ``"1:02:03"`` as seconds."""
    total = 0
    for part in clock.split(":"):
        total = total * 60 + int(part)
    return float(total)


def without_stray_times(lines: list[str]) -> list[str]:
    """``lines`` without a leading ``0:00 `` when every non-blank line has one (Otter's mess)."""
    filled = [line for line in lines if line.strip()]
    if not filled or not all(_STRAY_TIME.match(line) for line in filled):
        return lines
    return [_STRAY_TIME.sub("", line, count=1) for line in lines]


def parse_otter(text: str, source: str) -> list[ImportedTurn]:
    """The turns of an Otter.ai text export; "Unknown Speaker" becomes no speaker.

    The "Transcribed by https://otter.ai" footer and everything after it are dropped. Text before
    the first speaker header is kept as a turn with no speaker rather than given to anyone.
    """
    lines = text.split("\n")
    footer = next((n for n, line in enumerate(lines) if _OTTER_FOOTER.match(line)), len(lines))
    turns: list[ImportedTurn] = []
    speaker: str | None = None
    start: float | None = None
    said: list[str] = []
    headers = 0
    for line in without_stray_times(lines[:footer]):
        header = OTTER_HEADER.match(line)
        if header:
            turns.append(ImportedTurn(speaker, " ".join(said), start))
            speaker, start, said = known(header["name"]), seconds(header["time"]), []
            headers += 1
        else:
            said.append(line)
    turns.append(ImportedTurn(speaker, " ".join(said), start))
    if not headers:
        raise InputError(
            f"{source}: expected an Otter.ai export with speaker lines like 'Jane Doe  0:05' "
            f"(name, two spaces, time), found {first_line(text)!r}."
        )
    return require(merge(turns), source, "Otter.ai paragraphs with text")


def parse_zoom_chat(text: str, source: str) -> list[ImportedTurn]:
    """The messages of a Zoom chat export as turns; reactions are dropped, as are reply quotes."""
    messages: list[tuple[str | None, list[str], float | None]] = []
    for line in text.split("\n"):
        match = ZOOM_CHAT_LINE.match(line)
        if match:
            clock = f"{match[1]}:{match[2]}:{match[3]}"
            messages.append((known(match["name"]), [match["text"]], seconds(clock)))
        elif messages:
            messages[-1][1].append(line)
        elif line.strip():
            messages.append((None, [line], None))
    if not any(start is not None for _, _, start in messages):
        raise InputError(
            f"{source}: expected a Zoom chat export with lines like "
            f"'00:01:02<TAB>Jane Doe:<TAB>message', found {first_line(text)!r}."
        )
    turns: list[ImportedTurn] = []
    for speaker, said, start in messages:
        message = "\n".join(said)
        if not _REACTION.match(message):
            turns.append(ImportedTurn(speaker, _REPLY_QUOTE.sub("", message, count=1), start))
    return require(merge(turns), source, "Zoom chat messages with text")


def parse_plain(text: str, source: str, unit: str = "lines") -> list[ImportedTurn]:
    """The turns of ``Name: text`` lines; a line without a prefix continues the turn before it.

    Lines before the first ``Name:`` have no speaker. ``unit`` names the lines in messages
    ("paragraphs" for a .docx).
    """
    turns: list[ImportedTurn] = []
    speaker: str | None = None
    said: list[str] = []
    prefixed_lines = 0
    for line in text.split("\n"):
        prefixed = split_speaker(line)
        if prefixed is None:
            said.append(line)
            continue
        turns.append(ImportedTurn(speaker, " ".join(said)))
        speaker, said = prefixed.speaker, [prefixed.text]
        prefixed_lines += 1
    turns.append(ImportedTurn(speaker, " ".join(said)))
    if not prefixed_lines:
        raise InputError(
            f"{source}: expected {unit} like 'Jane Doe: text', found no {unit[:-1]} that "
            f"starts with a speaker's name (the first is {first_line(text)!r})."
        )
    return require(merge(turns), source, f"'Name: text' {unit}")
