"""The app in a real browser: ``streamlit run app.py`` on a free port, and the system's Chromium.

Used by ``tests/test_browser.py`` and by ``bench/startup.py`` and ``bench/screenshots.py``.
Chromium is Debian's ``/usr/bin/chromium`` (``make test`` installs it), driven by Playwright;
Playwright's own browser download is never used. This module does not import pytest.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CANDOR_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking switches Chromium keeps dialling Google services, which
# on a machine with no network only adds noise and load.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def unavailable() -> str | None:
    """Why the browser cannot run here, or None when Chromium and Playwright are both present."""
    if not os.access(CHROMIUM, os.X_OK):
        return (
            f"Chromium is not installed at {CHROMIUM} "
            "(`make test` installs Debian's chromium package when it runs as root or with sudo)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (it is in the dev extra: pip install -e '.[dev]')"
    return None


def launch(playwright: Any) -> Any:
    """Start headless Chromium through a ``sync_playwright()`` handle; returns the Browser."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class App:
    """A running ``streamlit run app.py``: its URL, process and log file."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path
    started: float  # time.monotonic() when the process was launched
    ready: float  # time.monotonic() when /_stcore/health first answered

    def output(self, tail: int = 6000) -> str:
        return self.log.read_text(errors="replace")[-tail:]


def streamlit_command(port: int, *extra: str) -> list[str]:
    """The command ``make run`` uses, on ``port``."""
    exe = Path(sys.executable).parent / "streamlit"
    return [
        str(exe),
        "run",
        "app.py",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        *extra,
    ]


@contextmanager
def running_app(
    home: Path,
    log: Path,
    model: str | None = None,
    extra: tuple[str, ...] = (),
    timeout: float = 120.0,
) -> Iterator[App]:
    """Start the app with ``CANDOR_HOME=home`` (and ``CANDOR_MODEL=model`` if given).

    Waits until ``/_stcore/health`` answers, yields the :class:`App`, and kills the whole
    process group afterwards. Output goes to ``log``; a failed start raises with its tail.
    """
    port = free_port()
    env = {**os.environ, "CANDOR_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    if model is not None:
        env["CANDOR_MODEL"] = model
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        started = time.monotonic()
        command = streamlit_command(port, *extra)
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = started + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                text = log.read_text(errors="replace")[-4000:]
                raise RuntimeError(f"streamlit did not start ({' '.join(command)}):\n{text}")
            time.sleep(0.05)
        yield App(url, process, log, started, time.monotonic())
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


# How a Streamlit page reports its script run in the DOM (the same hook Streamlit's own
# end-to-end tests wait on): "running" while the script runs, "notRunning" once it is done.
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def wait_idle(page: Any, timeout_s: float) -> None:
    """Wait until the page's script run has finished."""
    page.wait_for_selector(IDLE, state="attached", timeout=timeout_s * 1000)


def artifacts_dir() -> Path:
    """Where browser runs leave screenshots and logs: ``$CANDOR_ARTIFACTS`` or tests/artifacts."""
    folder = Path(os.environ.get("CANDOR_ARTIFACTS") or ROOT / "tests" / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# The practice page, step by step. Timeouts are in seconds and generous: the first click loads
# the model and indexes the offer, each turn runs the director with MiniLM embeddings, and
# ending the call runs the critique. Each step fails at once if the page shows an exception
# or an error box instead of what it waits for.
MESSAGES = '[data-testid="stChatMessage"]'
CHAT_INPUT = '[data-testid="stChatInputTextArea"]'
PROBLEMS = '[data-testid="stException"], [data-testid="stAlertContentError"]'


class PageError(AssertionError):
    """The app showed an exception or an error box."""


def check_no_problem(page: Any) -> None:
    """Raise :class:`PageError` with its text if the page shows an exception or an error."""
    problems = page.locator(PROBLEMS)
    if problems.count():
        raise PageError(f"the app shows: {problems.first.inner_text()}")


def wait_for(page: Any, target: Any, timeout_s: float) -> None:
    """Wait until ``target`` (a Locator) is visible, or fail as soon as a problem shows."""
    from playwright.sync_api import expect

    expect(target.or_(page.locator(PROBLEMS)).first).to_be_visible(timeout=timeout_s * 1000)
    check_no_problem(page)


def open_practice(page: Any, url: str, timeout_s: float = 120) -> None:
    """Load the app, which opens on the Practice page, and wait for its first run to finish."""
    page.goto(url)
    wait_for(page, page.get_by_role("heading", name="Practice a call"), timeout_s)
    wait_idle(page, timeout_s)
    check_no_problem(page)


def start_call(page: Any, timeout_s: float = 300) -> None:
    """Start a call with the person selected, and wait for her opening line and the chat box."""
    from playwright.sync_api import expect

    page.get_by_role("button", name="Start the call").click()
    wait_for(page, page.locator(CHAT_INPUT), timeout_s)
    wait_idle(page, timeout_s)
    check_no_problem(page)
    expect(page.locator(CHAT_INPUT)).to_be_enabled()
    expect(page.locator(MESSAGES)).to_have_count(1)


def say(page: Any, text: str, timeout_s: float = 300) -> str:
    """Send one line through the chat box; wait for her whole reply and return it."""
    from playwright.sync_api import expect

    messages = page.locator(MESSAGES)
    before = messages.count()
    box = page.locator(CHAT_INPUT)
    expect(box).to_be_enabled(timeout=timeout_s * 1000)
    box.fill(text)
    box.press("Enter")
    # Her reply is a new message after ours; once it exists the run is under way, so waiting
    # for the run to end then means the reply has finished streaming.
    wait_for(page, messages.nth(before + 1), timeout_s)
    wait_idle(page, timeout_s)
    check_no_problem(page)
    expect(messages).to_have_count(before + 2)
    expect(messages.nth(before)).to_contain_text(text)
    content = messages.nth(before + 1).locator('[data-testid="stChatMessageContent"]')
    return str(content.inner_text()).strip()


def end_call(page: Any, timeout_s: float = 300) -> None:
    """End the call and wait for the critique to be shown."""
    page.get_by_role("button", name="End the call and see my critique").click()
    wait_for(page, page.get_by_role("heading", name="Your critique"), timeout_s)
    wait_idle(page, timeout_s)
    check_no_problem(page)


def screenshot(page: Any, path: Path, full_page: bool = True) -> Path:
    """Save a screenshot; ``full_page`` grows the window to show all of Streamlit's main area.

    Streamlit scrolls inside its ``<main>`` element, not the document, so Playwright's own
    ``full_page`` sees only the window. The window is made as tall as the content for the shot
    and then put back.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    if full_page and size:
        height = page.evaluate("() => document.querySelector('main').scrollHeight")
        page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
        page.wait_for_timeout(300)  # let the layout settle at the new size
    try:
        page.screenshot(path=str(path), full_page=full_page)
    finally:
        if full_page and size:
            page.set_viewport_size(size)
    return path
