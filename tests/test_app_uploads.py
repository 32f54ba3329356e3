"""Uploads are read from memory: Review, Knowledge and Personas leave no copy on disk.

Before, each page wrote every upload under a fresh temporary folder that was never removed,
and "Delete all my data" did not know about them. The pages run headless (AppTest) with the
temporary folder pointed at an empty one, which must stay empty.
"""

import tempfile

import pytest

CALL = b"Maya: Hi Dana, what made you reach out?\nDana: Our books are a mess.\n"


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setenv("TMPDIR", str(folder))
    return folder


def _uploads_left(folder):
    return [p.name for p in folder.rglob("*") if "candor-upload" in str(p) or p.is_file()]


def test_a_reviewed_transcript_and_its_facts_leave_no_copy(open_page, scratch):
    page = open_page("review")
    page.file_uploader[0].set_value([("call.txt", CALL, "text/plain")]).run()
    assert not page.exception
    assert page.selectbox[0].options == ["Maya", "Dana"]
    page.file_uploader[1].set_value(
        [("offer.md", b"# Offer\n\n## Limitations\n- No payroll\n", "text/markdown")]
    ).run()
    next(b for b in page.button if b.label == "Critique this call").click().run()
    assert not page.exception
    assert any(s.value == "Your critique" for s in page.subheader)
    assert _uploads_left(scratch) == []


def test_knowledge_uploads_leave_no_copy(open_page, scratch):
    page = open_page("knowledge")
    page.file_uploader[0].set_value(
        [("prices.md", b"# Prices\n\nMonthly bookkeeping costs 300 dollars.\n", "text/markdown")]
    ).run()
    next(b for b in page.button if b.label == "Add to the knowledge base").click().run()
    assert not page.exception
    assert [s.value.split(":")[0] for s in page.success] == ["prices.md"]
    assert _uploads_left(scratch) == []


def test_a_bad_upload_is_named_and_leaves_no_copy(open_page, scratch):
    page = open_page("review")
    page.file_uploader[0].set_value([("call.txt", b"", "text/plain")]).run()
    assert not page.exception
    assert any("call.txt" in e.value and "empty" in e.value for e in page.error)
    assert _uploads_left(scratch) == []


def test_reading_from_memory_keeps_the_checks_and_names_the_file():
    from coach.errors import InputError
    from coach.importers import MAX_BYTES, import_bytes
    from knowledge.documents import document_from_bytes

    assert [t.speaker for t in import_bytes(CALL, "call.txt").turns] == ["Maya", "Dana"]
    with pytest.raises(InputError, match="big.txt"):
        import_bytes(b"a" * (MAX_BYTES + 1), "big.txt")
    with pytest.raises(InputError, match=r"notes\.xls: unknown format"):
        document_from_bytes(b"hello", "notes.xls")
    with pytest.raises(InputError, match=r"scan\.pdf: expected a PDF"):
        document_from_bytes(b"not a pdf", "scan.pdf")
    assert document_from_bytes(b"# Prices\n300 dollars", "../../prices.md").name == "prices.md"
