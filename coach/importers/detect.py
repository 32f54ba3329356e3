"""Telling transcript formats apart by their first lines, with the file extension as a hint."""

from __future__ import annotations

import json
import re

from coach.importers.exports import OTTER_HEADER, ZOOM_CHAT_LINE, without_stray_times
from coach.importers.turns import split_speaker

# A cue timing line, "00:00:01,000 --> 00:00:02,000" (SRT) or with a dot (WebVTT).
_TIMING = re.compile(r"^\s*(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}\s*-->")
TEXT_HINTS = {".vtt": "vtt", ".srt": "srt", ".json": "json"}

EXPECTED = (
    "WebVTT (a 'WEBVTT' first line), SRT (numbered '00:00:01,000 --> 00:00:02,000' cues), "
    "an Otter.ai export ('Jane Doe  0:05' speaker lines), a Zoom chat export "
    "('00:01:02<TAB>Jane Doe:<TAB>message'), plain 'Jane Doe: text' lines, JSON turns or a .docx"
)


def detect(text: str, hint: str | None = None) -> str | None:
    """The format ``text`` is in, or None if it matches none.

    Checked in this order, each on the first non-blank lines: WebVTT (``WEBVTT``), JSON (parses
    and starts with ``[`` or ``{``), SRT (a cue timing line among the first three), Zoom chat
    (``HH:MM:SS<TAB>Name:<TAB>``), Otter (``Name  M:SS`` headers, after any stray ``0:00 ``),
    plain (a ``Name: text`` line among the first ten). The content decides; ``hint``, the format
    the file extension suggests, breaks the tie between SRT and a WebVTT without its header, and
    is the answer when nothing matches, so that its parser explains what is wrong.
    """
    lines = [line for line in text.split("\n", 200)[:200] if line.strip()][:40]
    if not lines:
        return hint
    first = lines[0].strip()
    if first.startswith("WEBVTT"):
        return "vtt"
    if first[0] in "[{" and (hint == "json" or _is_json(text)):
        return "json"
    if any(_TIMING.match(line) for line in lines[:3]):
        return "vtt" if hint == "vtt" else "srt"
    if any(ZOOM_CHAT_LINE.match(line) for line in lines[:3]):
        return "zoom_chat"
    if any(OTTER_HEADER.match(line) for line in without_stray_times(lines)[:6]):
        return "otter"
    if any(split_speaker(line) is not None for line in lines[:10]):
        return "plain"
    return hint


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True
