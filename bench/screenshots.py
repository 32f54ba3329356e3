"""Screenshots for the README: a short practice call on the default model, and its critique.

Run: ``.venv/bin/python bench/screenshots.py [--out docs/screenshots]``. Starts the app as
``make run`` does (default model, a fresh temporary CANDOR_HOME), picks Dana Whitfield, the
bakery owner, and talks with her in headless Chromium: two discovery questions, then an honest
word about what the offer does not cover. It saves ``practice.png`` (the call after two turns) and
``critique.png`` (the critique after ending the call), both 1280 px wide.

Needs Debian's Chromium at /usr/bin/chromium and Playwright (``make test`` installs both).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import browser  # noqa: E402

PERSONA = "Dana Whitfield"
LINES = [
    "Hi Dana, no rush, thanks for making the time. How do you keep track of expenses today?",
    "Which part of the admin takes up most of your week?",
    "Thanks for telling me. To be upfront: I don't run payroll, so you'd still need a payroll "
    "service or your accountant for that part. Would having the monthly books done still help?",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="local/qwen2.5-1.5b-instruct")
    parser.add_argument("--out", type=Path, default=browser.ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    reason = browser.unavailable()
    if reason is not None:
        sys.exit(f"bench/screenshots.py needs a browser: {reason}")

    from playwright.sync_api import expect, sync_playwright

    with (
        tempfile.TemporaryDirectory(prefix="candor-screenshots-") as tmp,
        browser.running_app(Path(tmp) / "home", Path(tmp) / "streamlit.log", args.model) as app,
        sync_playwright() as p,
    ):
        chromium = browser.launch(p)
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        try:
            browser.open_practice(page, app.url)
            page.locator('[data-testid="stSelectbox"]').click()
            page.get_by_role("option", name=PERSONA).click()
            browser.wait_idle(page, 60)
            expect(page.get_by_text("bakery").first).to_be_visible()
            browser.start_call(page)
            for number, line in enumerate(LINES, start=1):
                reply = browser.say(page, line)
                print(f"you: {line}\n{PERSONA}: {reply}\n")
                if number == 2:  # mid-call, just after she names her biggest pain
                    page.evaluate("() => { document.querySelector('main').scrollTop = 0; }")
                    page.wait_for_timeout(300)
                    practice = browser.screenshot(page, args.out / "practice.png", full_page=False)
            browser.end_call(page)
            critique = _critique_shot(page, args.out / "critique.png")
        except BaseException:
            print(f"--- streamlit log ---\n{app.output()}", file=sys.stderr)
            raise
        finally:
            chromium.close()
    print(f"saved {practice} and {critique}")


def _critique_shot(page: Any, path: Path) -> Path:
    """The main column from "Your critique" down to its last button, in one tall shot."""
    size = page.viewport_size
    height = page.evaluate("() => document.querySelector('main').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
    page.wait_for_timeout(300)  # let the layout settle at the new size
    try:
        column = page.locator('[data-testid="stMainBlockContainer"]').bounding_box()
        top = page.get_by_role("heading", name="Your critique").bounding_box()
        bottom = page.get_by_role("button", name="Practise again").bounding_box()
        pad = 32
        y = max(0, top["y"] - pad)
        clip = {
            "x": column["x"],
            "y": y,
            "width": column["width"],
            "height": bottom["y"] + bottom["height"] + pad - y,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), clip=clip)
    finally:
        page.set_viewport_size(size)
    return path


if __name__ == "__main__":
    main()
