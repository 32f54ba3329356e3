"""API keys never reach the database, the exports, the logs, error messages or the UI.

A sentinel key is set in the environment (``OPENAI_API_KEY``) and a sentinel password is put in
an API base URL (``http://candor:<password>@127.0.0.1:<port>/v1``). Full practice calls and
reviews then run on the scripted model and over real HTTP against ``tests/fault_server.py``
(an OpenAI-compatible server, so the key really travels in the ``Authorization`` header), in
process and through the ``candor`` command; models fail on purpose (a 401 that echoes the key
it was given, an unreachable API base). Afterwards every file under ``CANDOR_HOME`` (read as
bytes: the SQLite database and its WAL, the chroma files), every export, everything the
commands printed, every log record, every error message and every element of the Settings
page are searched for the sentinels, and for the base64 form in which HTTP Basic carries the
URL's credentials.

:data:`FIGURES` counts what was searched and :data:`HITS` lists what was found where, for the
docs to report after a run.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from coach import llm, privacy
from coach.config import ModelSettings
from coach.critique import critique, markdown
from coach.critique.transcript import parse_plain
from coach.errors import CandorError
from coach.practice import PracticeSession
from coach.store import Store
from personas import loader
from tests.fault_server import FaultServer

pytestmark = pytest.mark.scripted_server

KEY = "sk-SENTINEL-" + secrets.token_hex(16)
"""The provider key, as ``OPENAI_API_KEY``."""
BASE_USER = "candor"
BASE_PASSWORD = "sk-SENTINEL-" + secrets.token_hex(16)
"""The password in the API base URL."""
NEEDLES: dict[str, bytes] = {
    "the API key": KEY.encode(),
    "the start of the API key's random part": KEY[12:24].encode(),
    "the end of the API key's random part": KEY[-12:].encode(),
    "the API base password": BASE_PASSWORD.encode(),
    "the start of the API base password's random part": BASE_PASSWORD[12:24].encode(),
    "the end of the API base password's random part": BASE_PASSWORD[-12:].encode(),
    "the API base credentials as HTTP Basic sends them": base64.b64encode(
        f"{BASE_USER}:{BASE_PASSWORD}".encode()
    ),
}
"""What must never be found, anywhere."""

FIGURES: dict[str, int] = {
    "places": 0,
    "files": 0,
    "exports": 0,
    "outputs": 0,
    "logs": 0,
    "errors": 0,
    "ui_pages": 0,
    "ui_elements": 0,
    "bytes": 0,
    "hits": 0,
}
"""What the tests searched, summed over every test run in this process: ``files`` under
``CANDOR_HOME`` (the database, its WAL, chroma's files, cards), ``exports`` (files, and the
UI's in-memory downloads), ``outputs`` (the CLI's stdout and stderr), ``logs`` (log records
and exception chains), ``errors`` (error messages), ``ui_pages`` (renders of the Settings
page, made of ``ui_elements`` elements); ``places`` is the sum of all but the elements,
``bytes`` what was read, and ``hits`` the places where a sentinel was found."""
HITS: list[str] = []
"""``"<place>: <needle>"`` for every sentinel found."""

ROOT = Path(__file__).resolve().parent.parent
CANDOR = Path(sys.executable).parent / "candor"
REPLY = "Fair question. We're a small bakery with four staff."
LINES = [
    "Hi Dana, who runs payroll for your staff today?",
    "What worries you most about your books?",
]
CALL = """Maya: Hi Dana, what made you reach out?
Dana: I need someone to run payroll for my four staff.
Maya: We can start next week, and I'll tell you what we don't cover.
Dana: I'm worried about the tax forms.
Maya: Don't worry about that, everyone says that."""


def scan(place: str, data: bytes | str, kind: str) -> list[str]:
    """Search ``data`` for every needle; count it under ``kind``; return and record hits."""
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    FIGURES["places"] += 1
    FIGURES[kind] += 1
    FIGURES["bytes"] += len(raw)
    found = [f"{place}: {name}" for name, needle in NEEDLES.items() if needle in raw]
    FIGURES["hits"] += bool(found)
    HITS.extend(found)
    return found


def scan_home(home: Path) -> list[str]:
    """Every file under ``home``, as bytes; exports are counted as exports."""
    found = []
    for path in sorted(home.rglob("*")):
        if path.is_file():
            kind = "exports" if privacy.EXPORTS in path.relative_to(home).parts else "files"
            found += scan(f"{kind[:-1]} {path.relative_to(home)}", path.read_bytes(), kind)
    return found


def scan_page(place: str, at: Any) -> list[str]:
    """Every element of an AppTest page, as the protobuf the browser would receive."""

    def protos(node: Any) -> Iterator[str]:
        proto = getattr(node, "proto", None)
        if proto is not None:
            FIGURES["ui_elements"] += 1
            yield str(proto)
        for child in getattr(node, "children", {}).values():
            yield from protos(child)

    return scan(f"UI ({place})", "\n".join(protos(at._tree)), "ui_pages")


def leak_report(found: list[str], owner: str) -> str:
    return f"secrets leaked ({owner}):\n  " + "\n  ".join(found)


def credentialed(base: str) -> str:
    """``base`` with the sentinel user and password in it."""
    scheme, rest = base.split("://", 1)
    return f"{scheme}://{BASE_USER}:{BASE_PASSWORD}@{rest}"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with FaultServer() as fault:
        yield fault


class _Records(logging.Handler):
    """Every log record, formatted with its traceback, kept in memory."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@contextmanager
def recorded_logs() -> Iterator[_Records]:
    """Every log record at DEBUG and above, kept here instead of going to pytest's report or
    to a library's own stderr handler (litellm has one), which would print the sentinels."""
    root = logging.getLogger()
    records = _Records()
    loggers = [root] + [
        lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    saved = {lg: lg.handlers[:] for lg in loggers if lg.handlers or lg is root}
    level = root.level
    for lg in saved:
        lg.handlers[:] = [records] if lg is root or not lg.propagate else []
    root.setLevel(logging.DEBUG)
    try:
        yield records
    finally:
        for lg, handlers in saved.items():
            lg.handlers[:] = handlers
        root.setLevel(level)


@pytest.fixture
def sentinel(server, monkeypatch) -> FaultServer:
    """The sentinel key in the environment, and no retries."""
    server.reset()
    server.text = REPLY
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("CANDOR_RETRIES", "0")
    monkeypatch.setenv("CANDOR_TIMEOUT", "10")
    return server


def _practice(store: Store, settings: ModelSettings) -> PracticeSession:
    dana = loader.persona("dana-bakery-owner")
    session = PracticeSession.start(store, dana, loader.scenario_for(dana), settings)
    for line in LINES:
        "".join(session.send(line))
    session.end()  # the critique, with its summary written by the model
    return session


def _review_and_export(store: Store, settings: ModelSettings, practice_id: str) -> list[str]:
    """A review, every export of both sessions, and the UI's in-memory downloads, scanned."""
    report = critique(parse_plain(CALL, "Maya"), store=store, settings=settings)
    review_id = next(s.id for s in store.list_sessions() if s.kind == "review")
    for session_id in (practice_id, review_id):
        for fmt in privacy.FORMATS:
            privacy.export_session(store, session_id, fmt)
    found = scan("download (Markdown)", markdown(report), "exports")
    return found + scan("download (JSON)", report.model_dump_json(), "exports")


def test_a_call_and_a_review_on_the_scripted_model_leave_no_key(sentinel, fake):
    with recorded_logs() as logs:
        fake.default = REPLY
        settings = ModelSettings("fake/scripted", api_base=credentialed(sentinel.api_base))
        store = Store()
        session = _practice(store, settings)
        assert session.report is not None and len(store.turns_of(session.record.id)) == 5
        assert store.session(session.record.id).api_base == sentinel.api_base
        found = _review_and_export(store, settings, session.record.id)
        found += scan_home(Path(os.environ["CANDOR_HOME"]))
    found += scan("log records (in process)", logs.text, "logs")
    assert not found, leak_report(found, "database, exports or logs")


def test_a_call_and_a_review_over_http_leave_no_key(sentinel):
    with recorded_logs() as logs:
        store = Store()
        plain = ModelSettings("openai/candor-stub", api_base=sentinel.api_base)
        session = _practice(store, plain)
        # the key really went out, as a bearer token
        assert {r.headers.get("authorization") for r in sentinel.chat_requests} == {"Bearer ***"}
        assert session.report is not None
        # the critique asked the remote model for its summary (which, being off-topic, the
        # grounding check then set aside for the plain one)
        asked = [m.get("content", "") for r in sentinel.chat_requests for m in r.messages]
        assert any("What the seller did well" in str(text) for text in asked)
        found = _review_and_export(store, plain, session.record.id)
        # and with the credentials in the API base: HTTP Basic carries them
        sentinel.reset()
        sentinel.text = REPLY
        with_password = ModelSettings(
            "openai/candor-stub", api_base=credentialed(sentinel.api_base)
        )
        again = _practice(store, with_password)
        assert {r.headers.get("authorization") for r in sentinel.chat_requests} == {"Basic ***"}
        assert store.session(again.record.id).api_base == sentinel.api_base
        privacy.export_session(store, again.record.id, "json")
        found += scan_home(Path(os.environ["CANDOR_HOME"]))
    found += scan("log records (in process)", logs.text, "logs")
    assert not found, leak_report(found, "database, exports or logs")


def test_model_errors_carry_no_key(sentinel):
    """A provider that echoes the key it refused, and an API base that cannot be reached."""
    with recorded_logs() as logs:
        cases = {
            "401 echoing the key": ModelSettings("openai/fault-401", api_base=sentinel.api_base),
            "401 echoing the API base credentials": ModelSettings(
                "openai/fault-401", api_base=credentialed(sentinel.api_base)
            ),
            "unreachable API base with credentials": ModelSettings(
                "openai/candor-stub", api_base=credentialed(f"http://127.0.0.1:{closed_port()}/v1")
            ),
        }
        messages: list[str] = []
        chains: list[str] = []
        for label, settings in cases.items():
            with pytest.raises(CandorError) as raised:
                llm.complete([{"role": "user", "content": "Reply with ok"}], settings, max_tokens=5)
            messages += scan(f"error message ({label})", str(raised.value), "errors")
            chain = "".join(traceback.format_exception(raised.value))
            chains += scan(f"traceback ({label})", chain, "logs")
        # a practice call and a critique whose model fails keep going, and store what failed
        store = Store()
        session = _practice(store, cases["401 echoing the API base credentials"])
        assert session.last is not None and session.last.fallback
        failures = [
            p
            for t in store.turns_of(session.record.id)
            for p in t.events.get("problems", [])
            if p.startswith("model_error")
        ]
        assert failures, "the failed model calls should be recorded with the turns"
        privacy.export_session(store, session.record.id, "json")
        on_disk = scan_home(Path(os.environ["CANDOR_HOME"]))
    in_logs = scan("log records (in process, DEBUG)", logs.text, "logs")
    owners = {
        "coach/llm/gateway.py: the message of the translated error (scrub() knows the "
        "environment's keys, but not the API base's password or its base64 form that a "
        "provider echoes back)": messages,
        "coach/llm/gateway.py: the exception chain behind the translated error keeps the "
        "provider's raw message; anything that logs the traceback writes it": chains,
        "coach/practice.py stores 'model_error: <message>' in the turn's events, so a "
        "message that carries a secret reaches the database": on_disk,
        "litellm's own DEBUG log records of the provider's reply (coach/llm/gateway.py "
        "configures litellm)": in_logs,
    }
    leaks = [leak_report(found, owner) for owner, found in owners.items() if found]
    assert not leaks, "\n".join(leaks)


def _candor(home: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CANDOR), *args],
        env={**os.environ, "CANDOR_HOME": str(home), **env},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_the_command_line_prints_and_writes_no_key(sentinel, tmp_path):
    home = Path(os.environ["CANDOR_HOME"])
    script = tmp_path / "lines.txt"
    script.write_text("\n".join([*LINES, "/end"]) + "\n", encoding="utf-8")
    with_password = {
        "CANDOR_MODEL": "openai/candor-stub",
        "CANDOR_API_BASE": credentialed(sentinel.api_base),
    }
    plain = {**with_password, "CANDOR_API_BASE": sentinel.api_base}
    failing = {**with_password, "CANDOR_MODEL": "openai/fault-401"}
    # independent runs at once, to save time: the model list and a failing chat
    background = {
        "candor models": ["models"],
        "candor chat (401 echoing the API base credentials)": ["chat", "--once", "Reply with ok"],
    }
    envs = [with_password, failing]
    started = {
        label: subprocess.Popen(
            [str(CANDOR), *args],
            env={**os.environ, "CANDOR_HOME": str(home), **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for (label, args), env in zip(background.items(), envs, strict=True)
    }
    runs: dict[str, subprocess.CompletedProcess[str]] = {}
    try:
        runs["candor practice"] = _candor(
            home,
            with_password,
            *("practice", "--persona", "dana-bakery-owner", "--script", str(script)),
            *("--format", "json"),
        )
        assert runs["candor practice"].returncode == 0, runs["candor practice"].stderr[-2000:]
        session_id = json.loads(runs["candor practice"].stdout)["session"]
        runs["candor review"] = _candor(home, plain, "review", "--session", session_id)
        runs["candor export"] = _candor(home, plain, "export", session_id)
        runs["candor export --format json"] = _candor(
            home, plain, "export", session_id, "--format", "json"
        )
        for label, proc in started.items():
            out, err = proc.communicate(timeout=120)
            runs[label] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    finally:
        for proc in started.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    for label in ("candor review", "candor export", "candor export --format json"):
        assert runs[label].returncode == 0, runs[label].stderr[-2000:]
    assert "## Scorecard" in runs["candor review"].stdout
    for fmt, ext in (("", "md"), (" --format json", "json")):
        path = Path(runs[f"candor export{fmt}"].stdout.strip())
        assert path == home / "exports" / f"{session_id}.{ext}" and path.is_file()
    for label in background:
        if label.startswith("candor chat"):
            assert runs[label].returncode == 2, runs[label].stderr[-2000:]
            assert runs[label].stderr.startswith("Error: The provider refused the API key")
    sent = {r.headers.get("authorization") for r in sentinel.chat_requests}
    assert {"Basic ***", "Bearer ***"} <= sent  # the password, then the key, went out
    found: dict[str, list[str]] = {}
    for label, run in runs.items():
        for stream in ("stdout", "stderr"):
            hits = scan(f"{label} {stream}", getattr(run, stream), "outputs")
            if hits:
                found.setdefault(label, []).extend(hits)
    on_disk = scan_home(home)
    problems = []
    if found.get("candor models"):
        problems.append(
            leak_report(
                found.pop("candor models"),
                "coach/cli.py `candor models` prints 'Active model: ... at <CANDOR_API_BASE>' "
                "with the URL's user and password",
            )
        )
    if any(label.startswith("candor chat") for label in found):
        chats = [
            h for label in list(found) if label.startswith("candor chat") for h in found.pop(label)
        ]
        problems.append(
            leak_report(
                chats,
                "coach/llm/gateway.py: the error message of a refused key, printed by the CLI",
            )
        )
    if found:
        problems.append(leak_report([h for v in found.values() for h in v], "CLI output"))
    if on_disk:
        problems.append(leak_report(on_disk, "database or exports written by the CLI"))
    assert not problems, "\n".join(problems)


def test_the_settings_page_shows_only_whether_keys_are_set(sentinel, open_page, monkeypatch):
    with recorded_logs() as logs:
        monkeypatch.setenv("CANDOR_API_BASE", credentialed(sentinel.api_base))
        at = open_page("settings")
        assert not at.exception
        shown = " ".join(m.value for m in at.markdown)
        assert "`OPENAI_API_KEY`: set" in shown and "`ANTHROPIC_API_KEY`: not set" in shown
        found = scan_page("Settings, as opened", at)
        # a working model, then one that refuses the key and echoes it
        next(b for b in at.button if b.label == "Test connection").click().run()
        assert not at.exception and at.success
        found += scan_page("Settings, connection tested", at)
        at.selectbox[0].set_value("Another model (any litellm model string)").run()
        at.text_input[0].set_value("openai/fault-401").run()
        next(b for b in at.button if b.label == "Use this model").click().run()
        next(b for b in at.button if b.label == "Test connection").click().run()
        assert not at.exception
        assert "refused the API key" in at.error[0].value
        found += scan_page("Settings, refused key", at)
    found += scan("log records (Settings page, in process)", logs.text, "logs")
    owners = []
    if any("as opened" in h or "connection tested" in h for h in found):
        owners.append(
            "app_pages/settings.py fills the 'API base (optional)' field with "
            "CANDOR_API_BASE, credentials and all"
        )
    if any("refused key" in h for h in found):
        owners.append("the error shown for a refused key (coach/llm/gateway.py)")
    assert not found, leak_report(found, "; ".join(owners))
