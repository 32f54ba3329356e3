"""The knowledge index on the real offline embedder: principles, documents, search, CLI."""

import json

import pytest
from click.testing import CliRunner

import knowledge as kb
from coach.cli import cli
from coach.errors import InputError
from knowledge.documents import Document
from tests.chroma_server import chroma_server
from tests.offline import run_offline

SHEET = """# Bright Books: bookkeeping for small bakeries

## What we do
We reconcile your bank accounts every week and close the books each month.

## Limits
We do not run payroll. We cannot file sales tax in Oregon.
We answer email within two working days, never on weekends.

## Price
The monthly plan is 300 dollars for up to 200 receipts.
"""


@pytest.fixture
def sheet(tmp_path):
    path = tmp_path / "bright-books.md"
    path.write_text(SHEET, encoding="utf-8")
    return path


def test_principles_are_indexed_once_and_then_a_no_op():
    first = kb.ensure_principles()
    expected = sum(len(p.practices) for p in kb.principles())
    assert first.chunks >= expected + 6 and first.written == first.chunks
    again = kb.ensure_principles()
    assert again.written == 0 and again.removed == 0 and again.chunks == first.chunks


def test_search_finds_the_walk_away_practice_with_typed_hits():
    hits = kb.search(
        "she needs a feature I can't deliver, so I tell her to go with someone else", k=3
    )
    assert len(hits) == 3
    assert hits[0].score >= hits[1].score >= hits[2].score
    assert all(h.collection == kb.PRINCIPLES for h in hits)
    top = hits[0]
    assert top.principle_id == "P4"
    assert top.id.startswith(f"{top.practice_id or top.principle_id}#")


def test_documents_are_indexed_by_content_hash_and_searchable(sheet):
    (report,) = kb.add_files([sheet], collection="bright-books")
    assert report.chunks >= 3 and report.written == report.chunks
    (again,) = kb.add_files([sheet], collection="bright-books")
    assert again.written == 0 and again.removed == 0
    hits = kb.search("Do you handle employee salaries?", k=2, collections=["bright-books"])
    assert hits[0].source == "bright-books.md"
    assert "payroll" in hits[0].text
    assert hits[0].text.startswith("Bright Books: bookkeeping for small bakeries > Limits")
    # an edited document replaces only what changed, and drops chunks that are gone
    sheet.write_text(
        SHEET.replace("300 dollars", "350 dollars").split("## Price")[0] + "## Price\n"
        "The monthly plan is 350 dollars.\n",
        encoding="utf-8",
    )
    (edited,) = kb.add_files([sheet], collection="bright-books")
    assert 0 < edited.written < edited.chunks + 1
    hits = kb.search("how much does it cost per month", k=1, collections=["bright-books"])
    assert "350 dollars" in hits[0].text


def test_a_bad_file_refuses_the_batch_and_keeps_what_was_indexed(sheet, tmp_path):
    kb.add_files([sheet])
    empty = tmp_path / "notes.txt"
    empty.write_text("")
    with pytest.raises(InputError, match="notes.txt: the file is empty"):
        kb.add_files([sheet, empty])
    (info,) = [c for c in kb.collections() if c.name == kb.DEFAULT_COLLECTION]
    assert info.sources == ["bright-books.md"] and info.chunks > 0


def test_bad_collection_name_and_query():
    with pytest.raises(InputError, match="not a usable collection name"):
        kb.search("price", collections=["a b"])
    with pytest.raises(InputError, match="query is empty"):
        kb.search("   ")
    with pytest.raises(InputError, match="built-in principles only"):
        kb.add_document(Document("x.md", "x"), collection=kb.PRINCIPLES)


def test_cli_search_json_add_and_list(sheet):
    runner = CliRunner()
    result = runner.invoke(cli, ["knowledge", "add", str(sheet), "-c", "bright-books"])
    assert result.exit_code == 0, result.output
    assert "bright-books.md:" in result.output and "in 'bright-books'" in result.output
    result = runner.invoke(
        cli,
        [
            "knowledge",
            "search",
            "Should I hurry her with a deadline that isn't real?",
            "--k",
            "4",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)
    assert len(hits) == 4 and set(hits[0]) == {"id", "source", "text", "score"}
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert any(h["id"].startswith("P1.no-false-urgency#") for h in hits[:2])
    result = runner.invoke(cli, ["knowledge", "list"])
    assert "principles:" in result.output and "bright-books: " in result.output
    assert "  - bright-books.md" in result.output


def test_cli_refuses_a_bad_file_with_exit_code_2(tmp_path):
    bad = tmp_path / "scan.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n")
    result = CliRunner().invoke(cli, ["knowledge", "add", str(bad)])
    assert result.exit_code == 2
    assert "scan.png: unknown format '.png'" in result.output
    assert "Traceback" not in result.output


def test_chroma_server_mode(tmp_path, monkeypatch, sheet):
    """CANDOR_CHROMA_URL switches to a real `chroma run` server, same embedding function."""
    with chroma_server(tmp_path / "server-data") as url:
        monkeypatch.setenv("CANDOR_CHROMA_URL", url)
        kb.add_files([sheet], collection="served")
        hits = kb.search("Do you run payroll for my staff?", k=1, collections=["served"])
        assert "payroll" in hits[0].text
        names = {c.name for c in kb.collections()}
        assert {"served", kb.PRINCIPLES} <= names
        # the server itself holds the collection, embedded by our function
        import chromadb
        from chromadb.config import Settings

        port = int(url.rsplit(":", 1)[1])
        direct = chromadb.HttpClient(
            host="127.0.0.1", port=port, settings=Settings(anonymized_telemetry=False)
        )
        served = direct.get_collection("served", embedding_function=None)
        assert served.count() >= 3
        assert served.configuration_json["embedding_function"]["name"] == "candor-minilm-l6-v2"
    assert (tmp_path / "server-data").exists()
    # the local index under CANDOR_HOME never saw the served collection
    monkeypatch.delenv("CANDOR_CHROMA_URL")
    assert "served" not in {c.name for c in kb.collections()}


def test_cli_prepare_indexes_the_principles_once():
    runner = CliRunner()
    first = runner.invoke(cli, ["knowledge", "prepare"])
    assert first.exit_code == 0, first.output
    assert "Principles and practices indexed:" in first.output
    second = runner.invoke(cli, ["knowledge", "prepare"])
    assert "already indexed" in second.output


def test_search_uses_no_network(tmp_path):
    """Index the principles and search with every socket connection refused."""
    run_offline(
        """
        import knowledge
        hits = knowledge.search("Should I mention the feature we lack?", k=2)
        assert hits and hits[0].principle_id, hits
        """,
        drop_env=("ANONYMIZED_TELEMETRY",),
        CANDOR_HOME=str(tmp_path / "home"),
    )
