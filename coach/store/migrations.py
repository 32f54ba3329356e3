"""Append-only, named schema migrations.

Each migration is a function that takes a connection and changes the schema. Applied names are
recorded in the ``migrations`` table, so each runs once per database. Never edit or reorder a
migration that has shipped: add a new one at the end.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

Migration = Callable[[Connection], None]


def m001_sessions_and_turns(conn: Connection) -> None:
    """Sessions and their turns: who spoke, what, with which model, at what cost."""
    meta = sa.MetaData()
    sa.Table(
        "sessions",
        meta,
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("model", sa.Text),
        sa.Column("api_base", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    sa.Table(
        "turns",
        meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "session_id",
            sa.String(32),
            sa.ForeignKey("sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("speaker", sa.Text),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("model", sa.Text),
        sa.Column("prompt_tokens", sa.Integer),
        sa.Column("completion_tokens", sa.Integer),
        sa.Column("ttft_ms", sa.Integer),
        sa.Column("latency_ms", sa.Integer),
        sa.Column("status", sa.String(16), nullable=False, server_default="complete"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("session_id", "seq", name="uq_turns_session_seq"),
    )
    meta.create_all(conn)


def m002_practice_events(conn: Connection) -> None:
    """Practice calls: which persona and scenario, how it ended, and each turn's events."""
    for statement in (
        "ALTER TABLE sessions ADD COLUMN persona_id TEXT",
        "ALTER TABLE sessions ADD COLUMN scenario_id TEXT",
        "ALTER TABLE sessions ADD COLUMN outcome TEXT",
        "ALTER TABLE turns ADD COLUMN events TEXT",
    ):
        conn.execute(sa.text(statement))


def m003_reports(conn: Connection) -> None:
    """Critique reports, stored with their session (a session may be critiqued again)."""
    meta = sa.MetaData()
    sa.Table("sessions", meta, sa.Column("id", sa.String(32), primary_key=True))
    sa.Table(
        "reports",
        meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "session_id",
            sa.String(32),
            sa.ForeignKey("sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report", sa.Text, nullable=False),
    )
    meta.tables["reports"].create(conn)


def m004_user_ids(conn: Connection) -> None:
    """Every row carries the id of the user it belongs to; rows from before are 'local'."""
    for table in ("sessions", "turns", "reports"):
        conn.execute(
            sa.text(f"ALTER TABLE {table} ADD COLUMN user_id TEXT NOT NULL DEFAULT 'local'")
        )
    conn.execute(sa.text("CREATE INDEX ix_sessions_user ON sessions (user_id, updated_at)"))
    conn.execute(sa.text("CREATE INDEX ix_turns_user ON turns (user_id, session_id)"))
    conn.execute(sa.text("CREATE INDEX ix_reports_user ON reports (user_id, session_id)"))


MIGRATIONS: list[tuple[str, Migration]] = [
    ("m001_sessions_and_turns", m001_sessions_and_turns),
    ("m002_practice_events", m002_practice_events),
    ("m003_reports", m003_reports),
    ("m004_user_ids", m004_user_ids),
]

_applied = sa.Table(
    "migrations",
    sa.MetaData(),
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)


def migrate(conn: Connection, now: Callable[[], object]) -> list[str]:
    """Apply the migrations this database has not seen; returns their names, in order."""
    _applied.create(conn, checkfirst=True)
    done = {row.name for row in conn.execute(sa.select(_applied.c.name))}
    ran = []
    for name, migration in MIGRATIONS:
        if name in done:
            continue
        migration(conn)
        conn.execute(_applied.insert().values(name=name, applied_at=now()))
        ran.append(name)
    return ran
