"""Your data: the cached exports, and deleting all of it.

What Candor keeps about you:

- the database: sessions, turns and critiques (SQLite ``$CANDOR_HOME/candor.db``, or
  ``CANDOR_DB_URL``);
- the knowledge index (``$CANDOR_HOME/chroma``, or ``CANDOR_CHROMA_URL``): your documents
  (``my-documents`` and any collection you named) and the offers of the scenarios you
  practised (``scenario-<id>``; a scenario can be your own card, drafted from a real call);
- exports (``$CANDOR_HOME/exports/<session>.md|json``), written by :func:`export_session`
  (``candor export``);
- your own persona and scenario cards (``$CANDOR_HOME/personas``). They are your data: a card
  drafted from a real call (``personas draft --from-transcript``) quotes what was said in it.

:func:`delete_all_data` removes all of that (the database rows through
:meth:`Store.delete_everything`, so only the store's own user's rows). It keeps:

- the built-in ``principles`` collection: Candor's own text, not yours. Search and the critique
  expect it indexed, and each process indexes it only once, so deleting it would leave them
  without principles until a restart;
- collections that Candor did not create (a shared Chroma server may hold other applications'
  data): only collections embedded with Candor's own embedding function are deleted;
- the model weights and the embedding model (``CANDOR_CACHE``), the database schema and its
  ``migrations`` table, and the settings (environment, ``.streamlit/secrets.toml``).

Deleted data does not linger in the local files: the SQLite database is vacuumed and its WAL
truncated, the local chroma database is vacuumed, and the vector files chroma leaves behind for
a deleted collection are removed. A database or Chroma server keeps deleted rows until its own
vacuum runs.

API keys are never written by Candor. Exports are scrubbed anyway (:func:`coach.redact.scrub`):
a secret from the environment, credentials in a URL, or an obvious key in a transcript is
replaced by a marker before anything is written.

With login on (a store scoped to a signed-in user, not :data:`~coach.store.db.LOCAL_USER`),
only the database is kept per user: the knowledge index and the cards in ``CANDOR_HOME`` are
shared by every user of the installation. Then :func:`delete_all_data` deletes that user's rows
and the exports of that user's sessions, and keeps the shared index and cards (saying so in
:attr:`Removed.kept`), since deleting them would delete other people's data.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from coach import config
from coach.errors import InputError, StorageError
from coach.redact import scrub
from coach.store import Store
from coach.store.db import LOCAL_USER, redact_url
from knowledge.erase import delete_user_collections

EXPORTS = "exports"
"""The folder under ``CANDOR_HOME`` that holds the cached exports."""
FORMATS = {"markdown": "md", "json": "json"}
"""Export formats and their file extensions."""
PERSONAS = "personas"
"""The folder under ``CANDOR_HOME`` that holds the user's own cards (``personas.loader``)."""
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def exports_dir() -> Path:
    """Where :func:`export_session` writes (not created until something is exported)."""
    return config.home_dir() / EXPORTS


def _scrubbed(value: Any) -> Any:
    """``value`` with :func:`scrub` applied to every string in it."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(v) for v in value]
    return value


def _stamp(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_session(store: Store, session_id: str, fmt: str = "markdown") -> Path:
    """Write the session's transcript and latest critique to ``exports/<session>.<md|json>``.

    Markdown uses the critique's own renderer (:func:`coach.critique.markdown`); a session with
    no critique yet gets its transcript and a line saying how to critique it. Every string is
    scrubbed of secrets before it is written. Returns the path; an earlier export of the same
    session and format is replaced.
    """
    if fmt not in FORMATS:
        raise InputError(f"Unknown export format '{fmt}'; use one of: {', '.join(FORMATS)}.")
    if not _SESSION_ID.match(session_id):
        raise InputError(f"There is no session with id '{session_id}'.")
    record = store.session(session_id)
    turns = store.turns_of(session_id)
    report = store.latest_report(session_id)
    session = {
        "id": record.id,
        "kind": record.kind,
        "title": record.title,
        "model": record.model,
        "api_base": redact_url(record.api_base),
        "created_at": _stamp(record.created_at),
        "updated_at": _stamp(record.updated_at),
        "persona_id": record.persona_id,
        "scenario_id": record.scenario_id,
        "outcome": record.outcome,
    }
    if fmt == "json":
        data = {
            "session": session,
            "turns": [
                {
                    "seq": t.seq,
                    "role": t.role,
                    "speaker": t.speaker,
                    "text": t.text,
                    "status": t.status,
                    "created_at": _stamp(t.created_at),
                }
                for t in turns
            ],
            "critique": report,
            "exported_at": datetime.now(UTC).isoformat(),
        }
        text = json.dumps(_scrubbed(data), ensure_ascii=False, indent=2) + "\n"
    else:
        text = scrub(_markdown(session, turns, report))
    folder = exports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{record.id}.{FORMATS[fmt]}"
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
    return path


def _markdown(session: dict[str, Any], turns: list[Any], report: dict[str, Any] | None) -> str:
    from pydantic import ValidationError

    from coach.critique import Report, markdown

    body = ""
    if report is not None:
        try:
            body = markdown(Report.model_validate(report))
        except ValidationError:  # a report stored by an older version: keep the transcript
            report = None
    if report is None:
        lines = [
            f"# {session['title'] or 'Session ' + session['id']}",
            "",
            f"No critique yet: run `candor review --session {session['id']}`.",
            "",
            "## Transcript",
            "",
        ]
        for number, turn in enumerate(turns, start=1):
            who = turn.speaker or ("You" if turn.role == "user" else "Them")
            cut = " (cut off)" if turn.status == "incomplete" else ""
            lines.append(f"{number}. **{who}**{cut}: {turn.text}")
        body = "\n".join(lines) + "\n"
    about = ["", "## Session", "", f"- Id: `{session['id']}` ({session['kind']})"]
    if session["title"]:
        about.append(f"- Title: {session['title']}")
    about.append(f"- Started: {session['created_at']}")
    if session["model"]:
        about.append(f"- Model: {session['model']}")
    outcome = session["outcome"] or {}
    if outcome.get("decision") or outcome.get("ended_by"):
        about.append(
            f"- Outcome: {outcome.get('decision') or 'none'} (ended by "
            f"{outcome.get('ended_by') or 'nobody'})"
        )
    about.append(f"- Exported: {datetime.now(UTC).isoformat(timespec='seconds')}")
    return body + "\n".join(about) + "\n"


@dataclass(frozen=True)
class Removed:
    """What :func:`delete_all_data` removed, and what it kept on purpose."""

    sessions: int = 0
    turns: int = 0
    reports: int = 0
    collections: tuple[str, ...] = ()
    """Knowledge collections deleted (``my-documents``, ``scenario-<id>``, your own)."""
    chunks: int = 0
    """Chunks that were in those collections."""
    exports: int = 0
    """Files deleted from the exports folder."""
    persona_cards: int = 0
    scenario_cards: int = 0
    other_files: int = 0
    """Other files in your cards folder (a facts file a scenario of yours names, say)."""
    kept: tuple[str, ...] = ()
    """What was left in place, and why."""
    problems: tuple[str, ...] = ()
    """Parts that could not be deleted (the rest was)."""

    @property
    def rows(self) -> int:
        return self.sessions + self.turns + self.reports

    def summary(self) -> str:
        """One sentence for a person: what is gone."""

        def n(count: int, one: str, many: str | None = None) -> str:
            return f"{count} {one if count == 1 else (many or one + 's')}"

        parts = [
            f"{n(self.sessions, 'session')} ({n(self.turns, 'turn')}, "
            f"{n(self.reports, 'critique')})",
            f"{n(len(self.collections), 'knowledge collection')} ({n(self.chunks, 'chunk')})",
            n(self.exports, "export"),
            f"{n(self.persona_cards + self.scenario_cards, 'card')} of your own "
            f"({n(self.persona_cards, 'persona')}, {n(self.scenario_cards, 'scenario')})",
        ]
        return "Deleted " + ", ".join(parts[:-1]) + " and " + parts[-1] + "."


class DeleteIncomplete(StorageError):
    """Some of the data could not be deleted; :attr:`removed` says what was."""

    def __init__(self, removed: Removed) -> None:
        super().__init__(
            "Not everything could be deleted: "
            + "; ".join(removed.problems)
            + ". Everything else was deleted; try again once that is fixed."
        )
        self.removed = removed


def delete_all_data(store: Store) -> Removed:
    """Delete the user's data everywhere Candor keeps it; see the module docstring.

    Every part is attempted even if an earlier one fails; a failure raises
    :class:`DeleteIncomplete` at the end, carrying what was removed.
    """
    counts: dict[str, Any] = {}
    problems: list[str] = []
    kept: list[str] = []
    home = config.home_dir()
    single = getattr(store, "user_id", LOCAL_USER) == LOCAL_USER
    try:
        mine = _session_ids(store)
        counts.update(_delete_rows(store))
    except StorageError as exc:
        mine = []
        problems.append(scrub(str(exc)))
    try:
        if single:
            counts["exports"] = _remove_tree(home / EXPORTS)
        else:
            counts["exports"] = _remove_exports(home / EXPORTS, mine)
    except OSError as exc:
        problems.append(scrub(f"the exports folder: {exc}"))
    if not single:
        # with login on, the index and the cards are shared by every user of the installation
        kept.append(
            "the knowledge index and the persona cards: with login on, every user of this "
            "installation shares them, so deleting them would delete other people's data"
        )
    else:
        try:
            counts.update(delete_user_collections(kept))
        except Exception as exc:  # chroma raises many types (connection, value, its own)
            problems.append(scrub(f"the knowledge index: {type(exc).__name__}: {exc}"))
        try:
            counts.update(_delete_cards(home / PERSONAS))
        except OSError as exc:
            problems.append(scrub(f"your cards: {exc}"))
    removed = Removed(**counts, kept=tuple(kept), problems=tuple(problems))
    if problems:
        raise DeleteIncomplete(removed)
    return removed


def _delete_rows(store: Store) -> dict[str, int]:
    """Count the user's rows, delete them (:meth:`Store.delete_everything`), compact SQLite."""
    user = getattr(store, "user_id", None)
    counts = {}
    try:
        with store.engine.connect() as conn:
            for name, table in (
                ("sessions", store.sessions),
                ("turns", store.turns),
                ("reports", store.reports),
            ):
                query = sa.select(sa.func.count()).select_from(table)
                if user is not None and "user_id" in table.c:
                    query = query.where(table.c.user_id == user)
                counts[name] = int(conn.execute(query).scalar_one())
    except SQLAlchemyError as exc:
        raise StorageError(f"the database could not be read ({exc})") from exc
    store.delete_everything()
    if store.engine.dialect.name == "sqlite":
        # deleted rows stay readable in free pages and in the WAL until the file is rewritten
        try:
            with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM")
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        except SQLAlchemyError as exc:
            raise StorageError(
                "the rows were deleted, but the database file could not be compacted, so "
                f"they may stay readable in it until it is ({exc})"
            ) from exc
    return counts


def _session_ids(store: Store) -> list[str]:
    """The ids of every session of the store's user."""
    query = sa.select(store.sessions.c.id)
    user = getattr(store, "user_id", None)
    if user is not None and "user_id" in store.sessions.c:
        query = query.where(store.sessions.c.user_id == user)
    try:
        with store.engine.connect() as conn:
            return [str(row[0]) for row in conn.execute(query)]
    except SQLAlchemyError as exc:
        raise StorageError(f"the database could not be read ({exc})") from exc


def _remove_exports(path: Path, session_ids: list[str]) -> int:
    """Delete the exports of these sessions; returns how many files went."""
    removed = 0
    for session_id in session_ids:
        for ext in FORMATS.values():
            for name in (f"{session_id}.{ext}", f"{session_id}.{ext}.partial"):
                if (path / name).is_file():
                    (path / name).unlink()
                    removed += 1
    return removed


def _remove_tree(path: Path) -> int:
    """Delete ``path`` and everything in it; returns the number of files it held."""
    if not path.exists():
        return 0
    files = sum(1 for p in path.rglob("*") if p.is_file())
    shutil.rmtree(path)
    return files


def _delete_cards(path: Path) -> dict[str, int]:
    """Delete the user's own cards folder; the loader creates it again when needed."""
    personas = len(list((path / "cards").glob("*.yaml")))
    scenarios = len(list((path / "scenarios").glob("*.yaml")))
    files = _remove_tree(path)
    return {
        "persona_cards": personas,
        "scenario_cards": scenarios,
        "other_files": files - personas - scenarios,
    }
