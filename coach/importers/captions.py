"""Caption files: WebVTT (Zoom, Microsoft Teams, Google Meet) and SRT.

A cue's speaker comes from a WebVTT voice tag (``<v Name>``, as Teams writes it) or from a
``Name: text`` prefix on the cue's first line (Zoom, Meet, subtitles). A cue with neither has no
speaker; consecutive cues without one stay separate turns (see ``turns.merge``).
"""

from __future__ import annotations

import html
import re

import srt
import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from coach.errors import InputError
from coach.importers.turns import (
    ImportedTurn,
    first_line,
    known,
    merge,
    require,
    split_speaker,
)

_VOICE = re.compile(r"^\s*<v(?:\.[^\s>]*)*\s+([^>]*)>")
_TAG = re.compile(r"<[^<>]*>")
_SSA_TAG = re.compile(r"\{\\[^{}]*\}")


def _plain(text: str) -> str:
    """Cue text without markup: tags such as ``<i>`` or ``<c.x>`` removed, entities decoded."""
    return html.unescape(_TAG.sub("", _SSA_TAG.sub("", text)))


def cue_turns(lines: list[str], start: float) -> list[ImportedTurn]:
    """The turns in one cue: a new one at each voice tag, else one with the first line's prefix."""
    turns: list[ImportedTurn] = []
    speaker: str | None = None
    said: list[str] = []
    for number, line in enumerate(lines):
        voice = _VOICE.match(line)
        if voice:
            if said:
                turns.append(ImportedTurn(speaker, " ".join(said), start))
            speaker, said = known(voice.group(1)), []
            line = line[voice.end() :]
        text = _plain(line)
        if number == 0 and not voice:
            prefixed = split_speaker(text)
            if prefixed is not None:
                speaker, text = prefixed
        said.append(text)
    if said:
        turns.append(ImportedTurn(speaker, " ".join(said), start))
    return turns


def parse_vtt(text: str, source: str) -> list[ImportedTurn]:
    """The turns of a WebVTT file, one per cue before merging."""
    try:
        captions = webvtt.from_string(text).captions
    except MalformedFileError:
        raise InputError(
            f"{source}: expected a WebVTT file starting with a 'WEBVTT' line, "
            f"found {first_line(text)!r}."
        ) from None
    except MalformedCaptionError as exc:
        raise InputError(f"{source}: a WebVTT cue has an invalid time ({exc}).") from None
    turns: list[ImportedTurn] = []
    for caption in captions:
        turns.extend(cue_turns(caption.lines, caption.start_time.in_milliseconds() / 1000))
    return require(merge(turns), source, "WebVTT cues with text")


def parse_srt(text: str, source: str) -> list[ImportedTurn]:
    """The turns of an SRT file, one per subtitle before merging."""
    try:
        subtitles = list(srt.parse(text))
    except srt.SRTParseError as exc:
        found = exc.unmatched_content.strip() or text
        raise InputError(
            f"{source}: expected SRT subtitles (a number, a '00:00:01,000 --> 00:00:02,000' "
            f"line, then text), found {first_line(found)!r}."
        ) from None
    except srt.TimestampParseError as exc:
        raise InputError(f"{source}: an SRT subtitle has an invalid time ({exc}).") from None
    turns: list[ImportedTurn] = []
    for subtitle in subtitles:
        lines = subtitle.content.split("\n")
        turns.extend(cue_turns(lines, subtitle.start.total_seconds()))
    return require(merge(turns), source, "SRT subtitles with text")
