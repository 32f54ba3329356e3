"""The same storage on PostgreSQL, selected by CANDOR_DB_URL."""

import pytest
import sqlalchemy as sa

from coach.chat import ChatSession
from coach.config import ModelSettings, db_url
from coach.store import Store
from coach.store.migrations import MIGRATIONS
from tests.postgres import postgres_server
from tests.test_store import EXPECTED_COLUMNS


@pytest.fixture(scope="module")
def pg_url():
    with postgres_server() as url:
        yield url


@pytest.fixture
def pg_store(pg_url, monkeypatch):
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:  # an empty database for each test
        conn.execute(sa.text("drop schema public cascade; create schema public"))
    engine.dispose()
    monkeypatch.setenv("CANDOR_DB_URL", pg_url)
    store = Store()
    yield store
    store.close()


def test_candor_db_url_selects_postgresql(pg_store, pg_url):
    assert db_url() == pg_url
    assert pg_store.engine.dialect.name == "postgresql"


def test_migrations_on_an_empty_postgres_database(pg_store):
    assert pg_store.applied == [name for name, _ in MIGRATIONS]
    inspector = sa.inspect(pg_store.engine)
    columns = {
        t: {c["name"] for c in inspector.get_columns(t)} for t in inspector.get_table_names()
    }
    assert columns == EXPECTED_COLUMNS
    assert Store().applied == []


def test_chat_turns_round_trip_on_postgres(pg_store, fake):
    fake.queue("Of course — what matters most to you?")
    session = ChatSession.start(pg_store, ModelSettings("fake/x"))
    text = "".join(session.send("Hello ✋ — שלום, can we talk about pricing?"))
    turns = Store().turns_of(session.record.id)
    assert [(t.seq, t.role, t.text) for t in turns] == [
        (1, "user", "Hello ✋ — שלום, can we talk about pricing?"),
        (2, "assistant", text),
    ]
    assert turns[0].created_at.tzinfo is not None


def test_two_users_never_see_each_others_rows_on_postgres(pg_store):
    from tests.test_users import CROSS_USER_PROBES, cross_user_reads

    probes, seen = cross_user_reads(pg_store.for_user("alice"), pg_store.for_user("bob"))
    assert (probes, seen) == (CROSS_USER_PROBES, 0)


def test_exotic_text_comes_back_exactly_on_postgres(pg_store):
    from tests.test_bad_input import EXACT

    record = pg_store.create_session(kind="chat", title=EXACT[0])
    for text in EXACT:
        pg_store.add_turn(record.id, "user", text)
    assert [t.text for t in pg_store.turns_of(record.id)] == EXACT
    assert pg_store.session(record.id).title == EXACT[0]
