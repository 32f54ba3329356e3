"""Nothing lost: a practice call cut off mid-reply, or killed with kill -9, resumes where it was."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coach.config import ModelSettings
from coach.errors import InputError
from coach.practice import PracticeSession
from coach.store import Store
from personas import loader

FAKE = ModelSettings("fake/persona")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def dana():
    persona = loader.persona("dana-bakery-owner")
    return persona, loader.scenario_for(persona)


def test_a_reply_cut_off_is_stored_incomplete_and_answered_on_resume(fake, dana):
    fake.default = "Mm, okay. Tell me more about how that would work. What does it cost?"
    session = PracticeSession.start(Store(), *dana, FAKE)
    "".join(session.send("Thanks for making time. What made you fill in the form?"))
    "".join(session.send("Who runs payroll for your staff today?"))
    stream = session.send("And how do you keep track of expenses right now?")
    first = next(stream)
    stream.close()  # the page reran, or the connection dropped, mid-reply
    turns = Store().turns_of(session.record.id)
    assert [t.role for t in turns] == ["assistant", "user", "assistant", "user", "assistant"] + [
        "user",
        "assistant",
    ]
    assert turns[-1].status == "incomplete" and turns[-1].text == first
    assert session.pending is not None

    resumed = PracticeSession.resume(Store(), session.record.id, FAKE)
    assert resumed.director.state.unlocked == session.director.state.unlocked
    assert resumed.director.state.trust == session.director.state.trust
    assert resumed.pending is not None and resumed.pending[0].startswith("And how do you keep")
    with pytest.raises(InputError, match="still missing"):
        resumed.send("Hello?")
    answer = "".join(resumed.answer_pending())
    assert answer
    turns = Store().turns_of(session.record.id)
    users = [t.text for t in turns if t.role == "user"]
    assert len(users) == 3 and len(set(users)) == 3  # no turn lost, none doubled
    assert turns[-1].role == "assistant" and turns[-1].status == "complete"
    "".join(resumed.send("Would a monthly fixed fee help?"))
    assert [t.role for t in Store().turns_of(session.record.id)][-2:] == ["user", "assistant"]


def test_only_an_unfinished_practice_call_resumes(fake, dana):
    session = PracticeSession.start(Store(), *dana, FAKE)
    session.end(critique=False)
    with pytest.raises(InputError, match="has ended"):
        PracticeSession.resume(Store(), session.record.id, FAKE)
    chat = Store().create_session(kind="chat", title="x", model="fake/x", api_base=None)
    with pytest.raises(InputError, match="not a practice call"):
        PracticeSession.resume(Store(), chat.id, FAKE)


def _wait(predicate, timeout: float, what: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc.poll() is not None:
            raise AssertionError(f"the CLI exited early while waiting for {what}")
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.integration
def test_kill_9_mid_call_then_resume_from_the_cli(smollm2, candor_home, tmp_path):
    """A real `candor practice` is killed with SIGKILL; `--resume ID` loses nothing."""
    env = {**os.environ, "CANDOR_HOME": str(candor_home), "CANDOR_MODEL": smollm2}
    candor = [str(Path(sys.executable).parent / "candor")]
    proc = subprocess.Popen(
        [*candor, "practice", "--persona", "dana-bakery-owner"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=ROOT,
        text=True,
        start_new_session=True,
    )
    lines = [
        "What made you get in touch about the books?",
        "Who runs payroll for your staff today?",
        "How do you keep track of expenses right now?",
    ]
    try:
        _wait(lambda: Store().list_sessions(), 180, "the session to be stored", proc)
        session_id = Store().list_sessions()[0].id
        users = lambda: [t for t in Store().turns_of(session_id) if t.role == "user"]  # noqa: E731
        replies = lambda: [t for t in Store().turns_of(session_id) if t.role == "assistant"]  # noqa: E731
        assert proc.stdin is not None
        for number, line in enumerate(lines, start=1):
            proc.stdin.write(line + "\n")
            proc.stdin.flush()
            _wait(lambda n=number: len(users()) == n, 120, f"user turn {number}", proc)
            if number < len(lines):
                _wait(lambda n=number: len(replies()) == n + 1, 120, f"reply {number}", proc)
        os.killpg(proc.pid, signal.SIGKILL)  # her third reply is being written, or not yet
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    before = Store().turns_of(session_id)
    assert [t.text for t in before if t.role == "user"] == lines

    script = tmp_path / "more.txt"
    script.write_text("Would a fixed monthly fee for payroll and the books help?\n")
    result = subprocess.run(
        [*candor, "practice", "--resume", session_id, "--script", str(script), "--format", "json"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads(result.stdout)
    assert data["session"] == session_id
    after = Store().turns_of(session_id)
    assert [t.text for t in after if t.role == "user"] == [*lines, script.read_text().strip()]
    complete = [t for t in after if t.role == "assistant" and t.status == "complete"]
    assert len(complete) == 1 + 4  # the opening and one reply to each user turn
    assert Store().session(session_id).outcome["ended_by"] in {"user", "persona"}
