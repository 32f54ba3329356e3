"""Read the user's documents (.md, .txt, .pdf, .docx) into text, or refuse them clearly.

Every refusal is an :class:`InputError` whose message names the file and says what was
expected and what was found: a missing, empty, binary or oversized file, an unknown format,
or a PDF or Word file that cannot be read.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from coach.errors import InputError

MAX_BYTES = 20 * 1024 * 1024
READERS = (".md", ".markdown", ".txt", ".pdf", ".docx")


@dataclass(frozen=True)
class Document:
    """A document's text and where it came from."""

    name: str
    """The file name; chunks are filed under it, so re-adding a file replaces its chunks."""
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def read_document(path: Path | str) -> Document:
    """The text of the document at ``path``; an :class:`InputError` naming it if unusable."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise InputError(f"{name}: no such file ({path}).")
    size = path.stat().st_size
    _check_size(name, size)
    _check_suffix(name)
    return document_from_bytes(path.read_bytes(), name)


def document_from_bytes(data: bytes, name: str) -> Document:
    """The text of a document called ``name`` whose bytes are ``data`` (an upload, read from
    memory and never written to disk), with the same checks as :func:`read_document`."""
    name = Path(name).name or "upload"
    _check_size(name, len(data))
    suffix = _check_suffix(name)
    if suffix == ".pdf":
        text = _pdf_text(name, data)
    elif suffix == ".docx":
        text = _docx_text(name, data)
    else:
        text = _plain_text(name, data)
    if not text.strip():
        raise InputError(f"{name}: the file has no text in it.")
    return Document(name=name, text=text)


def _check_size(name: str, size: int) -> None:
    if size == 0:
        raise InputError(f"{name}: the file is empty.")
    if size > MAX_BYTES:
        raise InputError(
            f"{name}: the file is {size / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_BYTES // 1024 // 1024} MB."
        )


def _check_suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in READERS:
        raise InputError(
            f"{name}: unknown format '{suffix or '(no extension)'}'; Candor reads "
            f"{', '.join(READERS)} files."
        )
    return suffix


def _plain_text(name: str, data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise InputError(f"{name}: expected text, but the file looks binary.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name}: expected UTF-8 text, but byte {exc.start} is not valid UTF-8. "
            "Save the file as UTF-8 and try again."
        ) from exc


def _pdf_text(name: str, data: bytes) -> str:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not data.startswith(b"%PDF"):
        raise InputError(f"{name}: expected a PDF, but the file does not start like one.")
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise InputError(f"{name}: the PDF cannot be read ({exc}).") from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise InputError(
            f"{name}: the PDF has no text layer (a scanned image?); Candor needs selectable text."
        )
    return text


def _docx_text(name: str, data: bytes) -> str:
    import io

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise InputError(f"{name}: expected a Word .docx file, but it cannot be opened.") from exc
    lines = []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if text and style.startswith("Heading"):
            level = int(style.split()[-1]) if style.split()[-1].isdigit() else 1
            lines.append(f"{'#' * min(level, 6)} {text}")
        elif text:
            lines.append(text)
        lines.append("")
    return "\n".join(lines)
