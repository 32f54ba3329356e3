"""End to end in a real browser: a three-turn practice call on SmolLM2, then its critique.

The app runs as ``make run`` runs it (``streamlit run app.py``) on a free loopback port, and
Debian's Chromium drives it through Playwright. A full-page screenshot of the critique is saved
in ``$CANDOR_ARTIFACTS`` (default ``tests/artifacts/``), with the server's log. The test skips,
naming the reason, only when Chromium or Playwright is missing.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import browser

pytestmark = pytest.mark.integration

SMOLLM2 = "local/smollm2-135m-instruct"
# The default person is an interviewer and you are the candidate: honest, curious questions.
LINES = [
    "Thanks for having me. Before I plan a first week, what does the daily work involve?",
    "Which tools and software skills does the role need?",
    "How does a normal week run at the agency?",
]


@pytest.fixture
def app(tmp_path: Path) -> Iterator[browser.App]:
    reason = browser.unavailable()
    if reason is not None:
        pytest.skip(reason)
    with browser.running_app(
        home=tmp_path / "candor-home",
        log=tmp_path / "streamlit.log",
        model=SMOLLM2,
        # a concurrent edit of a page must not disturb the run under test
        extra=("--server.fileWatcherType", "none"),
    ) as running:
        yield running


def test_a_practice_call_in_the_browser(app: browser.App) -> None:
    from playwright.sync_api import expect, sync_playwright

    artifacts = browser.artifacts_dir()
    started = time.monotonic()
    with sync_playwright() as p:
        chromium = browser.launch(p)
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        try:
            browser.open_practice(page, app.url)
            browser.start_call(page)
            replies = [browser.say(page, line) for line in LINES]
            assert all(replies), f"an empty reply: {replies}"
            expect(page.locator(browser.MESSAGES)).to_have_count(1 + 2 * len(LINES))

            browser.end_call(page)
            expect(page.get_by_text("The fit:")).to_be_visible()
            expect(page.get_by_text("You ended:")).to_be_visible()
            expect(page.get_by_role("button", name="Download as Markdown")).to_be_visible()
            expect(page.get_by_role("button", name="Download as JSON")).to_be_visible()
            expect(page.locator('[data-testid="stMetric"]').first).to_be_visible()
            expect(page.locator('[data-testid="stException"]')).to_have_count(0)
            expect(page.locator('[data-testid="stAlertContentError"]')).to_have_count(0)
            browser.screenshot(page, artifacts / "browser-practice-critique.png")
        except BaseException:
            with contextlib.suppress(Exception):
                browser.screenshot(page, artifacts / "browser-practice-FAILED.png")
            print(f"--- streamlit log ({app.log}) ---\n{app.output()}")
            raise
        finally:
            chromium.close()
            shutil.copyfile(app.log, artifacts / "browser-practice-streamlit.log")
    print(f"browser practice call: {time.monotonic() - started:.1f} s; replies: {replies}")


def test_a_call_survives_kill_9_of_the_app_and_resumes_from_history(tmp_path: Path) -> None:
    """The app is killed with SIGKILL during her third reply, started again on the same data,
    and the call is picked up from History: every turn is there and the call goes on."""
    import os
    import signal

    from playwright.sync_api import expect, sync_playwright

    from coach.store import Store

    reason = browser.unavailable()
    if reason is not None:
        pytest.skip(reason)
    home = tmp_path / "candor-home"
    artifacts = browser.artifacts_dir()
    with sync_playwright() as p:
        chromium = browser.launch(p)
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        try:
            with browser.running_app(home, tmp_path / "first.log", model=SMOLLM2) as first:
                browser.open_practice(page, first.url)
                browser.start_call(page)
                for line in LINES[:2]:
                    browser.say(page, line)
                box = page.locator(browser.CHAT_INPUT)
                box.fill(LINES[2])
                box.press("Enter")
                store = Store(f"sqlite:///{home / 'candor.db'}")
                (record,) = store.list_sessions()
                deadline = time.monotonic() + 120
                while [t.text for t in store.turns_of(record.id) if t.role == "user"] != LINES:
                    assert time.monotonic() < deadline, "her third turn was never stored"
                    time.sleep(0.02)
                os.killpg(first.process.pid, signal.SIGKILL)  # mid-reply, or just after
                first.process.wait(timeout=30)
            with browser.running_app(home, tmp_path / "second.log", model=SMOLLM2) as second:
                page.goto(f"{second.url}/history")
                resume = page.get_by_role("button", name="Resume this call")
                browser.wait_for(page, resume, 120)
                resume.click()
                browser.wait_for(page, page.locator(browser.CHAT_INPUT), 300)
                browser.wait_idle(page, 300)
                browser.check_no_problem(page)
                messages = page.locator(browser.MESSAGES)
                expect(messages).to_have_count(1 + 2 * len(LINES))
                for line in LINES:
                    expect(page.get_by_text(line, exact=True)).to_have_count(1)
                assert browser.say(page, "Thank you. What would my first week look like?")
                browser.screenshot(page, artifacts / "browser-resume-after-kill.png")
            turns = store.turns_of(record.id)
            assert [t.role for t in turns if t.status == "complete"] == ["assistant"] + [
                "user",
                "assistant",
            ] * (len(LINES) + 1)
        except BaseException:
            with contextlib.suppress(Exception):
                browser.screenshot(page, artifacts / "browser-resume-FAILED.png")
            for log in ("first.log", "second.log"):
                with contextlib.suppress(OSError):
                    print(f"--- {log} ---\n{(tmp_path / log).read_text()[-4000:]}")
            raise
        finally:
            chromium.close()
