"""Reading a transcript file's bytes and turning them into text, with errors a person can act on."""

from __future__ import annotations

import codecs
from pathlib import Path

from coach.errors import InputError

MAX_BYTES = 10 * 1024 * 1024

BINARY = (
    "expected a text transcript (VTT, SRT, Otter, Zoom chat, plain, JSON) or .docx, "
    "found binary data"
)
# Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
# Control bytes that text files do not contain (tab, line breaks and form feed excluded).
_CONTROL = frozenset(range(0x20)) - {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1B}


def size_text(size: int) -> str:
    """A byte count for people: ``12.5 MB (13,107,200 bytes)``."""
    return f"{size / 1024 / 1024:.1f} MB ({size:,} bytes)"


def too_big(source: str, size: int) -> InputError:
    """The error for a transcript over ``MAX_BYTES``."""
    return InputError(
        f"{source}: the file is {size_text(size)}; the limit for a transcript is "
        f"{size_text(MAX_BYTES)}."
    )


def read_bytes(path: Path) -> bytes:
    """The file's bytes, after checking that it exists, is a file, and is neither empty nor huge."""
    source = path.name or str(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise InputError(f"{source}: no such file ({path}).") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot be read ({exc.strerror or exc}).") from exc
    if path.is_dir():
        raise InputError(f"{source}: is a folder; expected a transcript file.")
    if stat.st_size > MAX_BYTES:
        raise too_big(source, stat.st_size)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{source}: cannot be read ({exc.strerror or exc}).") from exc
    if len(data) > MAX_BYTES:  # it grew after the size check
        raise too_big(source, len(data))
    if not data:
        raise InputError(f"{source}: the file is empty (0 bytes); expected a transcript.")
    return data


def decode(data: bytes, source: str) -> str:
    """The text of a transcript: UTF-8 with or without a byte-order mark, or UTF-16/32 with one.

    Other encodings are refused rather than guessed, since a wrong guess silently garbles names.
    """
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{source}: starts with a {label} byte-order mark but is not valid {label} "
                    f"(at byte {exc.start}); expected a text transcript."
                ) from None
    if b"\x00" in data:
        raise InputError(f"{source}: {BINARY} (NUL bytes).")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if _CONTROL.intersection(data):
            raise InputError(f"{source}: {BINARY}.") from None
        raise InputError(
            f"{source}: expected UTF-8 text (or UTF-16 with a byte-order mark), found byte "
            f"0x{data[exc.start]:02X} at position {exc.start}, which is not UTF-8; the file may "
            "be in Latin-1 or Windows-1252. Save it as UTF-8 and try again."
        ) from None


def normalise(text: str, source: str) -> str:
    """``text`` with a leading byte-order mark removed and CRLF and CR line ends made LF.

    Raises :class:`InputError` for binary content, text over ``MAX_BYTES``, or no text at all.
    """
    if "\x00" in text:
        raise InputError(f"{source}: {BINARY} (NUL characters).")
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise too_big(source, size)
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError(f"{source}: has no text (only blank lines); expected a transcript.")
    return text
