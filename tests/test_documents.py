"""Reading the user's documents, and refusing bad ones with a message that names the file."""

import docx
import pytest

from coach.errors import InputError
from knowledge.documents import MAX_BYTES, read_document


def make_pdf(text: str) -> bytes:
    """A minimal one-page PDF with a real text layer."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def test_markdown_and_text_with_bom_and_crlf(tmp_path):
    md = tmp_path / "offer.md"
    md.write_bytes("\ufeff# Offer\r\n\r\nWe answer within two days — לא בשבת.\r\n".encode())
    doc = read_document(md)
    assert doc.name == "offer.md"
    assert doc.text.startswith("# Offer")
    assert "לא בשבת" in doc.text
    assert len(doc.sha256) == 64


def test_pdf_text_is_extracted(tmp_path):
    path = tmp_path / "prices.pdf"
    path.write_bytes(make_pdf("Coaching costs 120 dollars per session"))
    assert "Coaching costs 120 dollars per session" in read_document(path).text


def test_docx_paragraphs_and_headings(tmp_path):
    document = docx.Document()
    document.add_heading("Job description", level=1)
    document.add_paragraph("On call one week in four.")
    path = tmp_path / "job.docx"
    document.save(path)
    text = read_document(path).text
    assert "# Job description" in text
    assert "On call one week in four." in text


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.md", b"", "empty.md: the file is empty"),
        ("blank.txt", b"  \n\n ", "blank.txt: the file has no text"),
        (
            "photo.txt",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00",
            "photo.txt: expected text, but the file looks binary",
        ),
        ("latin1.txt", "café".encode("latin-1"), "latin1.txt: expected UTF-8 text"),
        ("sheet.xlsx", b"PK\x03\x04", "sheet.xlsx: unknown format '.xlsx'"),
        ("noext", b"hello", "noext: unknown format '(no extension)'"),
        ("fake.pdf", b"hello, not a pdf", "fake.pdf: expected a PDF"),
        ("broken.pdf", b"%PDF-1.4\n garbage", "broken.pdf: the PDF"),
        ("fake.docx", b"not a zip at all", "fake.docx: expected a Word .docx file"),
    ],
)
def test_bad_files_are_refused_by_name(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_document(path)
    assert message in str(info.value)


def test_too_large_and_missing(tmp_path):
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(MAX_BYTES + 1)
    with pytest.raises(InputError, match=r"big.txt: the file is 20.0 MB; the limit is 20 MB"):
        read_document(big)
    with pytest.raises(InputError, match="nothere.md: no such file"):
        read_document(tmp_path / "nothere.md")
