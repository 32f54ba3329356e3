"""Startup: from launching ``streamlit run app.py`` to the first page visible in a browser.

Run: ``make bench`` (or ``.venv/bin/python bench/startup.py [--runs 3]``). Each run starts the app
as ``make run`` does, on the default model and a free port, with a fresh CANDOR_HOME, and opens
it in headless Chromium (started beforehand, as a user's browser would be). It times the server
answering ``/_stcore/health`` and the Practice page's title being on screen, and prints a table
and one JSON line. It also times the two checks ``make run`` runs first (``candor models
prepare``, ``candor knowledge prepare``). Target, with the install warm: the first page
within 5 s.

Needs Debian's Chromium at /usr/bin/chromium and Playwright (``make test`` installs both).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import browser  # noqa: E402

TARGET_S = 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--model", default="local/qwen2.5-1.5b-instruct")
    args = parser.parse_args()
    reason = browser.unavailable()
    if reason is not None:
        sys.exit(f"bench/startup.py needs a browser: {reason}")

    from playwright.sync_api import expect, sync_playwright

    # `make run` first runs these two (warm, they only check); they count towards what a user
    # waits for, so they are timed too, in the user's own CANDOR_HOME.
    candor = str(Path(sys.executable).parent / "candor")
    prepare = 0.0
    for command in ([candor, "models", "prepare", args.model], [candor, "knowledge", "prepare"]):
        start = time.monotonic()
        subprocess.run(command, check=True, capture_output=True, stdin=subprocess.DEVNULL)
        prepare += time.monotonic() - start

    rows = []
    with sync_playwright() as p:
        chromium = browser.launch(p)
        for run in range(1, args.runs + 1):
            with tempfile.TemporaryDirectory(prefix="candor-startup-") as tmp:
                work = Path(tmp)
                page = chromium.new_page(viewport={"width": 1280, "height": 900})
                with browser.running_app(work / "home", work / "streamlit.log", args.model) as app:
                    ready = app.ready - app.started
                    page.goto(app.url)
                    title = page.get_by_role("heading", name="Practice a call")
                    expect(title).to_be_visible(timeout=120_000)
                    visible = time.monotonic() - app.started
                    browser.wait_idle(page, 120)
                    idle = time.monotonic() - app.started
                page.close()
            rows.append((run, ready, visible, idle))
        chromium.close()

    print(f"{'run':>3}  {'server ready s':>14}  {'first page visible s':>20}  {'page done s':>11}")
    for run, ready, visible, idle in rows:
        print(f"{run:>3}  {ready:>14.2f}  {visible:>20.2f}  {idle:>11.2f}")
    median = statistics.median(r[2] for r in rows)
    verdict = "within" if median <= TARGET_S else "OVER"
    print(f"median first page visible: {median:.2f} s ({verdict} the {TARGET_S:.0f} s target)")
    print(
        f"make run's prepare steps (candor models prepare, candor knowledge prepare): "
        f"{prepare:.2f} s, so make run shows the first page in about {prepare + median:.1f} s"
    )
    print(
        json.dumps(
            {
                "server_ready_s": [round(r[1], 2) for r in rows],
                "first_page_visible_s": [round(r[2], 2) for r in rows],
                "first_page_visible_s_median": round(median, 2),
                "prepare_s": round(prepare, 2),
                "target_s": TARGET_S,
            }
        )
    )


if __name__ == "__main__":
    main()
