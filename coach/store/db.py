"""The database: SQLite in ``CANDOR_HOME`` by default, PostgreSQL through ``CANDOR_DB_URL``.

Every write commits before it returns, so a turn that :meth:`Store.add_turn` has returned
survives a crash of the process a moment later. SQLite runs in WAL mode, so the UI and the CLI
can read while the other writes.

Every row carries the id of the user it belongs to, and every query here is scoped by it: a
:class:`Store` sees only its user's rows (``local`` on a single-user install; the signed-in
user's id when the app has login turned on, through :meth:`Store.for_user`). Another user's
session id behaves exactly like one that does not exist.
"""

from __future__ import annotations

import copy
import fcntl
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from coach import config
from coach.errors import InputError, StorageError
from coach.redact import redact_url
from coach.store.migrations import migrate
from coach.store.records import Role, SessionRecord, TurnRecord, TurnStatus


def now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


LOCAL_USER = "local"
"""The user of a single-user install (the CLI, or the app without login)."""


class Store:
    """One user's sessions, turns and reports, in whichever database the URL names."""

    def __init__(self, url: str | None = None, user_id: str = LOCAL_USER) -> None:
        self.url = url or config.db_url()
        self.user_id = _valid_user(user_id)
        try:
            self.engine: Engine = sa.create_engine(self.url, future=True)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise StorageError(
                f"Cannot use the database URL in CANDOR_DB_URL ({redact_url(self.url)}): {exc}"
            ) from exc
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        with _migration_lock(self.engine), self._begin() as conn:
            if self.engine.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(4212637)"))  # one migrator
            self.applied = migrate(conn, now)
        meta = sa.MetaData()
        with self._begin() as conn:
            meta.reflect(conn, only=["sessions", "turns", "reports"])
        self.sessions = meta.tables["sessions"]
        self.turns = meta.tables["turns"]
        self.reports = meta.tables["reports"]

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StorageError(f"The database at {redact_url(self.url)} failed: {exc}") from exc

    def close(self) -> None:
        self.engine.dispose()

    def for_user(self, user_id: str) -> Store:
        """The same database seen by another user: same connections, that user's rows only."""
        view = copy.copy(self)
        view.user_id = _valid_user(user_id)
        return view

    def _mine(self, table: sa.Table) -> Any:
        return table.c.user_id == self.user_id

    def _owned(self, conn: Connection, session_id: str) -> None:
        """Refuse a session id that is not this user's, exactly as if it did not exist."""
        found = conn.execute(
            sa.select(self.sessions.c.id).where(
                self.sessions.c.id == session_id, self._mine(self.sessions)
            )
        ).first()
        if found is None:
            raise InputError(f"There is no session with id '{session_id}'.")

    # sessions

    def create_session(
        self,
        kind: str = "chat",
        title: str = "",
        model: str | None = None,
        api_base: str | None = None,
        persona_id: str | None = None,
        scenario_id: str | None = None,
    ) -> SessionRecord:
        """A new, empty session, committed."""
        stamp = now()
        record = SessionRecord(
            id=uuid.uuid4().hex,
            kind=kind,
            title=title,
            model=model,
            api_base=redact_url(api_base),
            created_at=stamp,
            updated_at=stamp,
            persona_id=persona_id,
            scenario_id=scenario_id,
        )
        with self._begin() as conn:
            conn.execute(
                self.sessions.insert().values(
                    **{**asdict(record), "outcome": None, "user_id": self.user_id}
                )
            )
        return record

    def set_outcome(self, session_id: str, outcome: dict[str, Any]) -> None:
        """Record how a practice call ended."""
        with self._begin() as conn:
            self._owned(conn, session_id)
            conn.execute(
                self.sessions.update()
                .where(self.sessions.c.id == session_id, self._mine(self.sessions))
                .values(outcome=json.dumps(outcome), updated_at=now())
            )

    def session(self, session_id: str) -> SessionRecord:
        """The session with this id, or an :class:`InputError` naming it."""
        with self._begin() as conn:
            row = (
                conn.execute(
                    sa.select(self.sessions).where(
                        self.sessions.c.id == session_id, self._mine(self.sessions)
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            raise InputError(f"There is no session with id '{session_id}'.")
        return self._session(row)

    def list_sessions(self, limit: int = 100) -> list[SessionRecord]:
        """The most recently active sessions first."""
        with self._begin() as conn:
            rows = (
                conn.execute(
                    sa.select(self.sessions)
                    .where(self._mine(self.sessions))
                    .order_by(self.sessions.c.updated_at.desc())
                    .limit(limit)
                )
                .mappings()
                .all()
            )
        return [self._session(r) for r in rows]

    @staticmethod
    def _session(row: Any) -> SessionRecord:
        return SessionRecord(
            id=row["id"],
            kind=row["kind"],
            title=row["title"],
            model=row["model"],
            api_base=row["api_base"],
            created_at=_utc(row["created_at"]) or now(),
            updated_at=_utc(row["updated_at"]) or now(),
            persona_id=row["persona_id"],
            scenario_id=row["scenario_id"],
            outcome=json.loads(row["outcome"]) if row["outcome"] else None,
        )

    # turns

    def add_turn(
        self,
        session_id: str,
        role: Role,
        text: str,
        *,
        speaker: str | None = None,
        model: str | None = None,
        prompt_tokens: int | None = None,
        completion_tokens: int | None = None,
        ttft_ms: int | None = None,
        latency_ms: int | None = None,
        status: TurnStatus = "complete",
        events: dict[str, Any] | None = None,
    ) -> TurnRecord:
        """Append a turn to the session and commit it before returning."""
        stamp = now()
        with self._begin() as conn:
            self._owned(conn, session_id)
            seq = conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(self.turns.c.seq), 0) + 1).where(
                    self.turns.c.session_id == session_id
                )
            ).scalar_one()
            values = {
                "session_id": session_id,
                "seq": seq,
                "role": role,
                "speaker": speaker,
                "text": text,
                "model": model,
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "ttft_ms": ttft_ms,
                "latency_ms": latency_ms,
                "status": status,
                "created_at": stamp,
                "events": json.dumps(events) if events else None,
            }
            inserted = conn.execute(
                self.turns.insert().values(**values, user_id=self.user_id)
            ).inserted_primary_key
            assert inserted is not None
            turn_id = inserted[0]
            conn.execute(
                self.sessions.update()
                .where(self.sessions.c.id == session_id)
                .values(updated_at=stamp)
            )
        return TurnRecord(id=int(turn_id), **{**values, "events": events or {}})

    def save_report(self, session_id: str, report: dict[str, Any]) -> None:
        """Store a critique report with its session."""
        with self._begin() as conn:
            self._owned(conn, session_id)
            conn.execute(
                self.reports.insert().values(
                    session_id=session_id,
                    created_at=now(),
                    report=json.dumps(report),
                    user_id=self.user_id,
                )
            )

    def all_reports(self) -> list[tuple[str, datetime, dict[str, Any]]]:
        """Every stored report as ``(session id, created at, report)``, oldest first."""
        with self._begin() as conn:
            rows = conn.execute(
                sa.select(
                    self.reports.c.session_id, self.reports.c.created_at, self.reports.c.report
                )
                .where(self._mine(self.reports))
                .order_by(self.reports.c.id)
            ).all()
        return [(r[0], _utc(r[1]) or now(), json.loads(r[2])) for r in rows]

    def delete_session(self, session_id: str) -> None:
        """Delete a session with its turns and reports."""
        with self._begin() as conn:
            self._owned(conn, session_id)
            for table in (self.reports, self.turns, self.sessions):
                column = table.c.id if table is self.sessions else table.c.session_id
                conn.execute(table.delete().where(column == session_id, self._mine(table)))

    def delete_everything(self) -> None:
        """Delete every session, turn and report of this user (the schema stays)."""
        with self._begin() as conn:
            for table in (self.reports, self.turns, self.sessions):
                conn.execute(table.delete().where(self._mine(table)))

    def latest_report(self, session_id: str) -> dict[str, Any] | None:
        """The session's most recent report, if any."""
        with self._begin() as conn:
            row = conn.execute(
                sa.select(self.reports.c.report)
                .where(self.reports.c.session_id == session_id, self._mine(self.reports))
                .order_by(self.reports.c.id.desc())
                .limit(1)
            ).first()
        return json.loads(row[0]) if row else None

    def turns_of(self, session_id: str) -> list[TurnRecord]:
        """The session's turns in order."""
        with self._begin() as conn:
            rows = (
                conn.execute(
                    sa.select(self.turns)
                    .where(self.turns.c.session_id == session_id, self._mine(self.turns))
                    .order_by(self.turns.c.seq)
                )
                .mappings()
                .all()
            )
        result = []
        for row in rows:
            data = dict(row)
            data["created_at"] = _utc(data["created_at"])
            data["events"] = json.loads(data["events"]) if data["events"] else {}
            del data["user_id"]
            result.append(TurnRecord(**data))
        return result


_migrating = threading.Lock()


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """One migrator at a time: across threads, and across processes for a SQLite file (its
    DDL is not transactional, so two first starts at once could both create the tables)."""
    with _migrating:
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        if not database or database == ":memory:":
            yield
            return
        with open(f"{database}.migrate-lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _valid_user(user_id: str) -> str:
    user_id = (user_id or "").strip()
    if not user_id or len(user_id) > 320:
        raise InputError("A user id must be 1 to 320 characters.")
    return user_id
