"""'Delete all my data' removes the DB rows, the knowledge collections, the exports and the
user's own cards, leaves no trace of them in the files, and the app works afterwards.

Module-level figures (:data:`CHECKED`) say what the last run checked, for the docs.
"""

from __future__ import annotations

import secrets
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import knowledge
from coach import privacy
from coach.config import ModelSettings
from coach.critique import critique
from coach.critique.transcript import parse_plain
from coach.practice import PracticeSession
from coach.store import Store
from knowledge.documents import Document
from personas import loader

MARKER = "QUOKKA" + secrets.token_hex(6).upper()
"""A word that only this test's data contains: searched for in every file afterwards."""

CALL = f"""Maya: Hi Dana, what made you reach out about {MARKER}?
Dana: I need someone to run payroll for my four staff, it takes me hours every week.
Maya: How do you handle it today?
Dana: I'm worried about getting the tax forms wrong again, that was a bad experience.
Maya: Don't worry about that, everyone says that."""

CHECKED: dict[str, int] = {
    "tables": 0,
    "rows_left": 0,
    "collections_before": 0,
    "collections_left": 0,
    "exports_before": 0,
    "exports_left": 0,
    "user_cards_before": 0,
    "user_cards_left": 0,
    "files_scanned": 0,
    "marker_hits": 0,
}
"""What :func:`test_delete_all_removes_everything_and_the_app_still_works` counted."""


def _make_data(fake: Any, store: Store) -> dict[str, Any]:
    """A practice call with its critique, a review, a document, exports and a drafted card."""
    from coach import replay

    dana = loader.persona("dana-bakery-owner")
    fake.default = "Fair question. We're a small bakery with four staff."
    session = PracticeSession.start(
        store, dana, loader.scenario_for(dana), ModelSettings("fake/scripted")
    )
    "".join(session.send(f"Who runs payroll for your staff today? ({MARKER})"))
    session.end()  # stores the outcome and the critique
    transcript = parse_plain(CALL, "Maya")
    critique(transcript, store=store, use_model=False)
    knowledge.add_document(
        Document("my-offer.md", f"# My offer\n\nPayroll for small shops, {MARKER} edition.\n")
    )
    review_id = next(s.id for s in store.list_sessions() if s.kind == "review")
    exports = [
        privacy.export_session(store, session.record.id, "markdown"),
        privacy.export_session(store, session.record.id, "json"),
        privacy.export_session(store, review_id, "markdown"),
    ]
    replayed = replay.save(*replay.cards_from_transcript(transcript))
    return {"practice": session.record.id, "exports": exports, "replay": replayed}


def _rows(db: Path) -> dict[str, int]:
    """Rows per table, read from the SQLite file directly (not through the Store)."""
    with sqlite3.connect(db) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        counts = {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    conn.close()
    return counts


def _files_with(root: Path, needle: bytes) -> tuple[int, list[str]]:
    """How many files under ``root`` were read, and which contain ``needle`` (bytes)."""
    files = [p for p in sorted(root.rglob("*")) if p.is_file()]
    return len(files), [str(p.relative_to(root)) for p in files if needle in p.read_bytes()]


def _user_cards() -> list[str]:
    return sorted(str(p.name) for p in loader.user_dir().rglob("*.yaml"))


def test_delete_all_removes_everything_and_the_app_still_works(fake, candor_home):
    store = Store()
    knowledge.ensure_principles()  # as the app does when it starts
    made = _make_data(fake, store)
    before = {c.name: c.chunks for c in knowledge.collections()}
    CHECKED["collections_before"] = len(before)
    CHECKED["exports_before"] = len(list(privacy.exports_dir().iterdir()))
    CHECKED["user_cards_before"] = len(_user_cards())
    assert {"my-documents", "scenario-bookkeeping-for-a-bakery"} <= set(before)
    assert all(path.is_file() for path in made["exports"])
    assert len(_user_cards()) == 2
    rows = _rows(candor_home / "candor.db")
    assert rows["sessions"] == 2 and rows["reports"] == 2 and rows["turns"] > 4
    assert _files_with(candor_home, MARKER.encode())[1], "the marker should be on disk first"

    removed = privacy.delete_all_data(store)

    # what it says it removed
    assert (removed.sessions, removed.reports, removed.turns) == (2, 2, rows["turns"])
    assert set(removed.collections) == set(before) - {knowledge.PRINCIPLES}
    assert removed.chunks == sum(n for c, n in before.items() if c != knowledge.PRINCIPLES)
    assert removed.exports == 3
    assert (removed.persona_cards, removed.scenario_cards) == (1, 1)
    assert removed.problems == ()
    assert removed.kept == ("the 'principles' collection (Candor's own principles, not your data)",)
    assert removed.summary().startswith("Deleted 2 sessions (")
    # every table is empty but the record of the schema's migrations
    left = _rows(candor_home / "candor.db")
    CHECKED["tables"] = len(left)
    CHECKED["rows_left"] = sum(n for t, n in left.items() if t != "migrations")
    assert {t: n for t, n in left.items() if n and t != "migrations"} == {}
    assert left["migrations"] > 0
    # no collection of the user's is left; the built-in principles may stay
    names = {c.name for c in knowledge.collections()}
    CHECKED["collections_left"] = len(names - {knowledge.PRINCIPLES})
    assert names == {knowledge.PRINCIPLES}
    # no exports, no cards of her own
    CHECKED["exports_left"] = len(list(privacy.exports_dir().glob("*")))
    assert not privacy.exports_dir().exists()
    CHECKED["user_cards_left"] = len(_user_cards())
    assert _user_cards() == []
    assert all(listed.builtin for listed in loader.personas().values())
    # and nothing of it can be read from the files either (SQLite and chroma keep deleted
    # rows in free pages until they are vacuumed; chroma leaves a deleted collection's vectors)
    scanned, found = _files_with(candor_home, MARKER.encode())
    CHECKED["files_scanned"], CHECKED["marker_hits"] = scanned, len(found)
    assert found == [], f"deleted data is still readable in {found}"

    # the app still works: a new call, a document, a search and an export
    dana = loader.persona("dana-bakery-owner")
    again = PracticeSession.start(
        store, dana, loader.scenario_for(dana), ModelSettings("fake/scripted")
    )
    assert "".join(again.send("What does a normal week look like for you?"))
    again.end()
    knowledge.add_document(Document("again.md", "# Again\n\nA fresh document about payroll.\n"))
    hits = knowledge.search("a fresh document about payroll", k=1, collections=["my-documents"])
    assert [h.source for h in hits] == ["again.md"]
    assert knowledge.search("she said no but I want to try once more", k=1)[0].practice_id
    assert privacy.export_session(store, again.record.id).is_file()
    assert [s.id for s in Store().list_sessions()] == [again.record.id]


def test_deleting_twice_and_deleting_nothing_is_fine(candor_home):
    first = privacy.delete_all_data(Store())
    assert (first.rows, first.collections, first.exports, first.persona_cards) == (0, (), 0, 0)
    assert privacy.delete_all_data(Store()).summary() == (
        "Deleted 0 sessions (0 turns, 0 critiques), 0 knowledge collections (0 chunks), "
        "0 exports and 0 cards of your own (0 personas, 0 scenarios)."
    )


def test_an_export_holds_the_transcript_and_the_latest_critique(candor_home):
    store = Store()
    report = critique(parse_plain(CALL, "Maya"), store=store, use_model=False)
    session = store.list_sessions()[0]
    markdown = privacy.export_session(store, session.id, "markdown")
    assert markdown == candor_home / "exports" / f"{session.id}.md"
    text = markdown.read_text(encoding="utf-8")
    assert text.startswith("# Critique for Maya")
    assert "## Transcript" in text and "Don't worry about that" in text
    assert f"- Id: `{session.id}` (review)" in text
    import json

    data = json.loads(privacy.export_session(store, session.id, "json").read_text("utf-8"))
    assert data["critique"]["summary"] == report.summary
    assert [t["speaker"] for t in data["turns"]][:2] == ["Maya", "Dana"]
    with pytest.raises(privacy.InputError, match="no session"):
        privacy.export_session(store, "../../etc/passwd")


def test_with_login_on_it_deletes_only_that_users_data(candor_home):
    """Signed-in users share the index and the cards, so those stay; rows and exports go."""
    alice, bob = Store().for_user("alice@example.org"), Store().for_user("bob@example.org")
    for store in (alice, bob):
        critique(parse_plain(CALL, "Maya"), store=store, use_model=False)
        privacy.export_session(store, store.list_sessions()[0].id, "json")
    knowledge.add_document(Document("shared.md", "# Shared\n\nA document everyone sees.\n"))
    removed = privacy.delete_all_data(bob)
    assert (removed.sessions, removed.reports, removed.exports) == (1, 1, 1)
    assert removed.collections == () and any(
        "every user of this installation" in k for k in removed.kept
    )
    assert bob.list_sessions() == [] and len(alice.list_sessions()) == 1
    assert [p.stem for p in privacy.exports_dir().iterdir()] == [alice.list_sessions()[0].id]
    assert "my-documents" in {c.name for c in knowledge.collections()}


def test_delete_all_against_a_chroma_server(fake, tmp_path, monkeypatch):
    """CANDOR_CHROMA_URL: Candor's collections go, another application's collection stays."""
    from knowledge import index
    from tests.chroma_server import chroma_server

    with chroma_server(tmp_path / "server-data") as url:
        monkeypatch.setenv("CANDOR_CHROMA_URL", url)
        knowledge.add_document(Document("offer.md", f"# Offer\n\nBread and {MARKER}.\n"))
        dana = loader.persona("dana-bakery-owner")
        PracticeSession.start(
            Store(), dana, loader.scenario_for(dana), ModelSettings("fake/scripted")
        )
        index.client().create_collection("someone-elses")  # not Candor's: must stay
        removed = privacy.delete_all_data(Store())
        assert set(removed.collections) == {"my-documents", "scenario-bookkeeping-for-a-bakery"}
        assert any("someone-elses" in kept for kept in removed.kept)
        left = {c if isinstance(c, str) else c.name for c in index.client().list_collections()}
        assert left <= {"someone-elses", knowledge.PRINCIPLES}
        knowledge.add_document(Document("offer.md", "# Offer\n\nBread, again.\n"))
        found = knowledge.search("bread", k=1, collections=["my-documents"])
        assert [h.source for h in found] == ["offer.md"]


def test_the_history_page_button_deletes_everything_and_says_what(fake, open_page):
    store = Store()
    _make_data(fake, store)
    at = open_page("history", run=False)
    at.session_state["practice_pick"] = "dana-bakery-owner"
    at.run()
    assert not at.exception
    next(b for b in at.button if b.label == "Yes, delete everything").click().run()
    assert not at.exception
    said = [s.value for s in at.success]
    assert any(s.startswith("Deleted 2 sessions (") and "2 cards of your own" in s for s in said)
    assert Store().list_sessions() == [] and Store().all_reports() == []
    assert {c.name for c in knowledge.collections()} <= {knowledge.PRINCIPLES}
    assert not privacy.exports_dir().exists() and _user_cards() == []
    assert "practice_pick" not in at.session_state
    at.run()  # the page again, now with nothing in it
    assert not at.exception
    assert at.info[0].value.startswith("Nothing here yet")
