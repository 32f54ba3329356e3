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
