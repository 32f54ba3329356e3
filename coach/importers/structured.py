"""Structured transcripts: JSON lists of turns and Word .docx documents."""

from __future__ import annotations

import io
import json
import math
import zipfile
import zlib
from typing import Any

import docx
from docx.opc.exceptions import PackageNotFoundError
from lxml.etree import LxmlError

from coach.errors import InputError
from coach.importers.exports import parse_plain
from coach.importers.turns import ImportedTurn, known, merge, require

_JSON_SHAPE = 'a list of {"speaker": ..., "text": ...} objects, or {"turns": [that list]}'
_JSON_NAMES = {
    dict: "an object",
    list: "a list",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "true or false",
    type(None): "null",
}
# What python-docx and the zip reader raise for a file that is not a sound .docx.
_DOCX_ERRORS = (
    PackageNotFoundError,
    zipfile.BadZipFile,
    zlib.error,
    LxmlError,
    KeyError,
    ValueError,
    EOFError,
    NotImplementedError,
)


def _kind(value: object) -> str:
    return _JSON_NAMES.get(type(value), type(value).__name__)


def parse_json(text: str, source: str) -> list[ImportedTurn]:
    """The turns of a JSON transcript; ``speaker`` may be null or missing, ``start`` optional."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise InputError(
            f"{source}: expected {_JSON_SHAPE}, found JSON nested too deeply."
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{source}: expected JSON ({_JSON_SHAPE}), found invalid JSON at line {exc.lineno}, "
            f"column {exc.colno}: {exc.msg}."
        ) from None
    except ValueError as exc:  # e.g. a number with more digits than Python will convert
        raise InputError(f"{source}: expected JSON ({_JSON_SHAPE}), found {exc}.") from None
    where = ""
    if isinstance(data, dict) and "turns" in data:
        data, where = data["turns"], "turns"
    if not isinstance(data, list):
        found = _kind(data)
        if isinstance(data, dict) and data:
            found = f"an object with keys {', '.join(map(repr, data))}"
        if where:
            found = f'"turns" holding {found}'
        raise InputError(f"{source}: expected {_JSON_SHAPE}, found {found}.")
    turns = [_json_turn(item, f"{where}[{index}]", source) for index, item in enumerate(data)]
    return require(merge(turns), source, "JSON turns with text")


def _json_turn(item: Any, where: str, source: str) -> ImportedTurn:
    if not isinstance(item, dict):
        raise InputError(
            f'{source}: {where}: expected an object with "speaker" and "text", found {_kind(item)}.'
        )
    if "text" not in item:
        raise InputError(f'{source}: {where}: the "text" field is missing.')
    text, speaker, start = item["text"], item.get("speaker"), item.get("start")
    if not isinstance(text, str):
        raise InputError(f"{source}: {where}.text: expected a string, found {_kind(text)}.")
    if speaker is not None and not isinstance(speaker, str):
        raise InputError(
            f"{source}: {where}.speaker: expected a string or null, found {_kind(speaker)}."
        )
    if start is not None and (
        isinstance(start, bool)
        or not isinstance(start, int | float)
        or not math.isfinite(start)
        or start < 0
    ):
        raise InputError(
            f"{source}: {where}.start: expected seconds (a number, 0 or more) or null, "
            f"found {start!r}."
        )
    return ImportedTurn(known(speaker), text, None if start is None else float(start))


def parse_docx(data: bytes, source: str) -> list[ImportedTurn]:
    """The turns of a Word document whose paragraphs are ``Name: text``."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
        if any(member.flag_bits & 0x1 for member in members):
            raise InputError(
                f"{source}: expected a Word .docx document, found a password-protected one; "
                "save a copy without the password."
            )
        if "word/document.xml" not in {member.filename for member in members}:
            raise InputError(
                f"{source}: expected a Word .docx document, found a ZIP archive without one."
            )
        document = docx.Document(io.BytesIO(data))
    except _DOCX_ERRORS as exc:
        raise InputError(
            f"{source}: expected a Word .docx document, found a file that cannot be opened as "
            f"one ({type(exc).__name__})."
        ) from None
    paragraphs = "\n".join(paragraph.text for paragraph in document.paragraphs)
    if not paragraphs.strip():
        raise InputError(f"{source}: the .docx document has no text; expected a transcript.")
    return parse_plain(paragraphs, source, unit="paragraphs")
