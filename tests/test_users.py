"""Many users: every row carries its user, every query is scoped in the storage layer."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from coach.errors import InputError
from coach.store import Store
from coach.store.migrations import MIGRATIONS, migrate

CROSS_USER_PROBES = 12
"""Reads and writes user B tries on user A's data (see the test below)."""


def _fill(store: Store, marker: str) -> str:
    record = store.create_session(kind="practice", title=f"{marker} call")
    store.add_turn(record.id, "user", f"{marker} says hello")
    store.add_turn(record.id, "assistant", f"{marker} hears hello")
    store.set_outcome(record.id, {"decision": "pending", "ended_by": "user"})
    store.save_report(record.id, {"me": marker, "dimensions": [], "flags": []})
    return record.id


def cross_user_reads(a: Store, b: Store) -> tuple[int, int]:
    """User B probes everything of user A's; returns (probes, how many saw or changed A's data)."""
    a_id = _fill(a, "alice")
    _fill(b, "bob")
    seen = 0

    def refused(action) -> None:
        nonlocal seen
        try:
            result = action()
        except InputError as exc:
            assert "There is no session" in str(exc)
            return
        seen += result not in (None, [], {})

    probes = [
        lambda: b.session(a_id),
        lambda: b.turns_of(a_id),
        lambda: b.latest_report(a_id),
        lambda: [s for s in b.list_sessions() if s.id == a_id],
        lambda: [r for r in b.all_reports() if r[0] == a_id],
        lambda: [t for t in b.turns_of(a_id) if "alice" in t.text],
        lambda: b.add_turn(a_id, "user", "bob was here"),
        lambda: b.set_outcome(a_id, {"decision": "bob"}),
        lambda: b.save_report(a_id, {"me": "bob"}),
        lambda: b.delete_session(a_id),
        lambda: b.delete_everything(),
        lambda: [s for s in b.for_user("bob").list_sessions() if "alice" in s.title],
    ]
    assert len(probes) == CROSS_USER_PROBES
    for probe in probes:
        refused(probe)
    # Alice's data is untouched by everything Bob tried.
    turns = a.turns_of(a_id)
    if [t.text for t in turns] != ["alice says hello", "alice hears hello"]:
        seen += 1
    if a.session(a_id).outcome != {"decision": "pending", "ended_by": "user"}:
        seen += 1
    if a.latest_report(a_id) != {"me": "alice", "dimensions": [], "flags": []}:
        seen += 1
    return len(probes), seen


def test_two_users_never_see_each_others_rows():
    base = Store()
    probes, seen = cross_user_reads(base.for_user("alice@example.com"), base.for_user("bob"))
    assert probes == CROSS_USER_PROBES and seen == 0
    assert [s.title for s in base.list_sessions()] == []  # the local user has nothing
    with base.engine.connect() as conn:
        for table in ("sessions", "turns", "reports"):
            users = {r[0] for r in conn.execute(sa.text(f"select user_id from {table}"))}
            assert users == {"alice@example.com"}, table  # bob deleted all of his own


def test_rows_from_before_user_ids_belong_to_the_local_user(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    old = [m for m in MIGRATIONS if m[0] != "m004_user_ids"]
    with engine.begin() as conn:
        import coach.store.migrations as migrations

        saved = migrations.MIGRATIONS
        migrations.MIGRATIONS = old
        try:
            migrate(conn, lambda: datetime(2026, 1, 1, tzinfo=UTC))
        finally:
            migrations.MIGRATIONS = saved
        conn.execute(
            sa.text(
                "insert into sessions (id, kind, title, created_at, updated_at) "
                "values ('s1', 'chat', 'old', '2026-01-01', '2026-01-01')"
            )
        )
    store = Store(url)
    assert store.applied == ["m004_user_ids"]
    assert [s.id for s in store.list_sessions()] == ["s1"]
    assert store.for_user("someone").list_sessions() == []


def test_a_blank_user_id_is_refused():
    with pytest.raises(InputError, match="user id"):
        Store().for_user("  ")
