"""Transcripts from other tools, read into turns: who spoke (when known), what they said, when.

Formats are recognised from the content, with the file extension as a hint (see
``detect.detect``): WebVTT from Zoom, Teams and Meet, SRT, Otter.ai text exports, Zoom chat
exports, plain ``Name: text`` lines, JSON and Word .docx. A turn whose speaker the file does not
give has ``speaker=None``; nothing is attributed by guesswork. ``alternate_speakers`` labels such
turns by alternation, which a person must confirm before it is used.

    from coach.importers import import_file
    imported = import_file("call.vtt")
    imported.speakers, imported.turns[0].text

Every problem with the file (missing, empty, too big, binary, not a transcript) raises
``coach.errors.InputError`` with a message that names the file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from coach.errors import InputError
from coach.importers.captions import parse_srt, parse_vtt
from coach.importers.decoding import MAX_BYTES, decode, normalise, read_bytes, too_big
from coach.importers.detect import EXPECTED, TEXT_HINTS, detect
from coach.importers.exports import parse_otter, parse_plain, parse_zoom_chat
from coach.importers.structured import parse_docx, parse_json
from coach.importers.turns import FORMATS, Imported, ImportedTurn, clean, first_line, merge

__all__ = [
    "FORMATS",
    "MAX_BYTES",
    "import_bytes",
    "Imported",
    "ImportedTurn",
    "alternate_speakers",
    "import_file",
    "import_text",
]

_TEXT_PARSERS: dict[str, Callable[[str, str], list[ImportedTurn]]] = {
    "vtt": parse_vtt,
    "srt": parse_srt,
    "otter": parse_otter,
    "zoom_chat": parse_zoom_chat,
    "plain": parse_plain,
    "json": parse_json,
}
_ZIP_SIGNATURE = b"PK\x03\x04"
# Word 97-2003 .doc files and password-protected .docx files are OLE compound files.
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def import_file(path: Path | str, fmt: str | None = None) -> Imported:
    """The transcript in ``path``, in format ``fmt`` or, when None, the one its content shows."""
    path = Path(path)
    source = path.name or str(path)
    _check_format(fmt, source)
    return import_bytes(read_bytes(path), source, fmt)


def import_bytes(data: bytes, name: str, fmt: str | None = None) -> Imported:
    """The transcript in ``data``, a file called ``name`` (an upload, read from memory and
    never written to disk): the same checks and formats as :func:`import_file`."""
    source = Path(name).name or "upload"
    _check_format(fmt, source)
    if len(data) > MAX_BYTES:
        raise too_big(source, len(data))
    if not data:
        raise InputError(f"{source}: the file is empty (0 bytes); expected a transcript.")
    path = Path(source)
    if data.startswith(_OLE_SIGNATURE):
        raise InputError(
            f"{source}: expected a text transcript or .docx, found an old Word .doc file or a "
            "password-protected document; save it as .docx, without a password."
        )
    if fmt == "docx" or (fmt is None and data.startswith(_ZIP_SIGNATURE)):
        return Imported("docx", source, parse_docx(data, source))
    text = normalise(decode(data, source), source)
    return _parse(text, fmt, source, TEXT_HINTS.get(path.suffix.lower()))


def import_text(text: str, fmt: str | None = None, source: str = "transcript") -> Imported:
    """The transcript in ``text`` (pasted, or already read); ``source`` names it in messages."""
    _check_format(fmt, source)
    if fmt == "docx":
        raise InputError(
            f"{source}: a .docx document is a binary file and cannot be given as text; "
            "import the file itself."
        )
    return _parse(normalise(text, source), fmt, source, None)


def alternate_speakers(
    imported: Imported, names: tuple[str, str] = ("Speaker 1", "Speaker 2")
) -> Imported:
    """Label unknown-speaker turns by alternating names.

    The user must confirm this; it is never applied silently (``import_file`` and
    ``import_text`` leave unknown speakers as None). The first unknown turn gets ``names[0]``,
    the next ``names[1]``, and so on; known speakers are left alone, and turns that now share
    a speaker with the one before are merged.
    """
    first, second = (clean(name) for name in names)
    if not first or not second or first == second:
        raise InputError(
            f"{imported.source}: expected two different names for the unknown speakers, "
            f"found {names[0]!r} and {names[1]!r}."
        )
    labelled: list[ImportedTurn] = []
    unknown = 0
    for turn in imported.turns:
        if turn.speaker is None:
            turn = replace(turn, speaker=(first, second)[unknown % 2])
            unknown += 1
        labelled.append(turn)
    return replace(imported, turns=merge(labelled))


def _check_format(fmt: str | None, source: str) -> None:
    if fmt is not None and fmt not in FORMATS:
        raise InputError(
            f"{source}: unknown transcript format {fmt!r}; expected one of {', '.join(FORMATS)}."
        )


def _parse(text: str, fmt: str | None, source: str, hint: str | None) -> Imported:
    chosen = fmt or detect(text, hint)
    if chosen is None:
        raise InputError(
            f"{source}: could not tell which kind of transcript this is. Expected {EXPECTED}; "
            f"found {first_line(text)!r} as the first line."
        )
    return Imported(chosen, source, _TEXT_PARSERS[chosen](text, source))
