"""Eight practice calls at once on the built-in model, in threads as Streamlit runs them."""

import threading
import time

import pytest

from coach.config import ModelSettings
from coach.llm import runtime
from coach.practice import PracticeSession
from coach.store import Store
from personas import loader

SESSIONS = 8
TURNS = 2


@pytest.mark.integration
def test_eight_sessions_at_once_keep_their_own_turns(smollm2):
    settings = ModelSettings(smollm2)
    ids = sorted(loader.personas())[:SESSIONS]
    results: dict[int, str] = {}
    errors: list[BaseException] = []
    depth_seen: list[int] = []
    start = threading.Barrier(SESSIONS)

    def one_call(number: int) -> None:
        try:
            persona = loader.persona(ids[number])
            store = Store().for_user(f"user-{number}")
            session = PracticeSession.start(store, persona, loader.scenario_for(persona), settings)
            start.wait(timeout=300)  # everyone talks at the same moment
            for turn in range(TURNS):
                reply = "".join(session.send(f"Caller {number} asks question {turn}: how is work?"))
                assert reply.strip()
            results[number] = session.record.id
        except BaseException as exc:  # reported below, with the thread it happened in
            errors.append(exc)

    def watch() -> None:
        while len(results) + len(errors) < SESSIONS:
            depth_seen.append(runtime.queue_depth(smollm2))
            time.sleep(0.02)

    threads = [threading.Thread(target=one_call, args=(n,)) for n in range(SESSIONS)]
    watcher = threading.Thread(target=watch, daemon=True)
    for thread in threads:
        thread.start()
    watcher.start()
    for thread in threads:
        thread.join(timeout=900)
    assert not errors, errors
    assert len(results) == SESSIONS

    for number, session_id in results.items():
        turns = Store().for_user(f"user-{number}").turns_of(session_id)
        assert [t.seq for t in turns] == list(range(1, 2 + 2 * TURNS))
        assert [t.role for t in turns] == ["assistant"] + ["user", "assistant"] * TURNS
        users = [t.text for t in turns if t.role == "user"]
        assert users == [f"Caller {number} asks question {i}: how is work?" for i in range(TURNS)]
        assert all(t.status == "complete" for t in turns)
        assert turns[0].text == loader.persona(ids[number]).opening
    # Others waited their turn for the model, and saw that they were queued.
    assert max(depth_seen) > 1
