"""Storage: migrations, turn order, nothing lost on a crash, no credentials stored."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest
import sqlalchemy as sa

from coach.chat import ChatSession
from coach.config import ModelSettings
from coach.errors import InputError, ModelUnavailableError
from coach.store import Store
from coach.store.migrations import MIGRATIONS

EXPECTED_COLUMNS = {
    "migrations": {"name", "applied_at"},
    "reports": {"id", "session_id", "created_at", "report", "user_id"},
    "sessions": {
        "id",
        "kind",
        "title",
        "model",
        "api_base",
        "created_at",
        "updated_at",
        "persona_id",
        "scenario_id",
        "outcome",
        "user_id",
    },
    "turns": {
        "id",
        "session_id",
        "seq",
        "role",
        "speaker",
        "text",
        "model",
        "prompt_tokens",
        "completion_tokens",
        "ttft_ms",
        "latency_ms",
        "status",
        "created_at",
        "events",
        "user_id",
    },
}


def test_migrations_on_an_empty_database(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'empty.db'}")
    assert store.applied == [name for name, _ in MIGRATIONS]
    inspector = sa.inspect(store.engine)
    columns = {
        t: {c["name"] for c in inspector.get_columns(t)} for t in inspector.get_table_names()
    }
    assert columns == EXPECTED_COLUMNS
    with store.engine.connect() as conn:
        recorded = [r[0] for r in conn.execute(sa.text("select name from migrations"))]
    assert recorded == [name for name, _ in MIGRATIONS]


def test_migrations_run_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    Store(url).close()
    assert Store(url).applied == []


def test_default_database_is_sqlite_in_wal_mode_under_candor_home(candor_home):
    store = Store()
    assert store.url == f"sqlite:///{candor_home / 'candor.db'}"
    store.create_session()
    mode = sqlite3.connect(candor_home / "candor.db").execute("pragma journal_mode").fetchone()
    assert mode == ("wal",)


def test_turns_are_numbered_in_order_per_session():
    store = Store()
    a, b = store.create_session(), store.create_session()
    store.add_turn(a.id, "user", "first")
    store.add_turn(b.id, "user", "other")
    store.add_turn(a.id, "assistant", "second", latency_ms=12, prompt_tokens=3)
    turns = store.turns_of(a.id)
    assert [(t.seq, t.role, t.text) for t in turns] == [
        (1, "user", "first"),
        (2, "assistant", "second"),
    ]
    assert turns[1].latency_ms == 12 and turns[1].created_at.tzinfo is not None
    assert store.list_sessions()[0].id == a.id  # most recently active first


def test_unknown_session_is_a_clear_error():
    with pytest.raises(InputError, match="no session with id 'nope'"):
        Store().session("nope")


def test_credentials_in_an_api_base_are_not_stored(candor_home):
    store = Store()
    record = store.create_session(model="openai/x", api_base="https://bob:s3cret@vllm.lan:8000/v1")
    assert record.api_base == "https://vllm.lan:8000/v1"
    assert b"s3cret" not in (candor_home / "candor.db").read_bytes()


def test_user_turn_is_committed_before_the_model_is_called(fake):
    store = Store()
    seen_in_db = []

    def look(messages):
        other = Store(store.url)  # a separate connection sees only committed rows
        seen_in_db.extend(t.text for t in other.turns_of(session.record.id))

    fake.on_call = look
    fake.queue("Happy to help.")
    session = ChatSession.start(store, ModelSettings("fake/x"))
    reply = "".join(session.send("Can you help me price my workshop?"))
    assert reply == "Happy to help."
    assert seen_in_db == ["Can you help me price my workshop?"]
    stored = store.turns_of(session.record.id)
    assert [(t.role, t.text, t.status) for t in stored] == [
        ("user", "Can you help me price my workshop?", "complete"),
        ("assistant", "Happy to help.", "complete"),
    ]
    assert stored[1].model == "fake/x" and stored[1].latency_ms is not None


def test_a_broken_stream_keeps_the_user_turn_and_marks_the_partial_reply(fake):
    import litellm

    fake.queue("This reply will break off halfway through")
    fake.fail_with, fake.fail_after = (
        litellm.ServiceUnavailableError(message="upstream died", llm_provider="fake", model="x"),
        3,
    )
    store = Store()
    session = ChatSession.start(store, ModelSettings("fake/x"))
    with pytest.raises(ModelUnavailableError):
        "".join(session.send("Tell me about the on-call duty."))
    stored = store.turns_of(session.record.id)
    assert stored[0].text == "Tell me about the on-call duty."
    assert stored[1].status == "incomplete" and stored[1].text == "This reply will "


def test_empty_message_stores_nothing(fake):
    store = Store()
    session = ChatSession.start(store, ModelSettings("fake/x"))
    with pytest.raises(InputError, match="empty"):
        session.send("   \n")
    assert store.turns_of(session.record.id) == []
    assert fake.prompts == []


WRITER = textwrap.dedent(
    """
    import sys
    from coach.store import Store
    store = Store(sys.argv[1])
    session = store.create_session(title="crash test")
    print(session.id, flush=True)
    i = 0
    while True:
        i += 1
        turn = store.add_turn(session.id, "user" if i % 2 else "assistant", f"turn {i}")
        print(turn.seq, flush=True)
    """
)


def test_every_committed_turn_survives_kill_9(tmp_path):
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, url],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    session_id = proc.stdout.readline().strip()
    acknowledged = []
    while len(acknowledged) < 50:
        acknowledged.append(int(proc.stdout.readline()))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    turns = Store(url).turns_of(session_id)
    seqs = [t.seq for t in turns]
    assert seqs == list(range(1, len(seqs) + 1))  # no gaps, no torn rows
    assert set(acknowledged) <= set(seqs)
    assert all(t.text == f"turn {t.seq}" for t in turns)


def test_first_starts_at_once_migrate_once(tmp_path):
    """The UI and the CLI (or several threads) opening a new database at the same moment."""
    import subprocess
    import sys
    import threading

    url = f"sqlite:///{tmp_path / 'race.db'}"
    code = f"from coach.store import Store; print(Store({url!r}).applied)"
    procs = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    errors: list[BaseException] = []

    def open_store() -> None:
        try:
            Store(url)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert not errors and all(p.returncode == 0 for p in procs)
    assert sum(out.strip() != "[]" for out in outputs) <= 1  # one of them did the work
    with Store(url).engine.connect() as conn:
        names = [r[0] for r in conn.execute(sa.text("select name from migrations"))]
    assert names == [name for name, _ in MIGRATIONS]
