"""Shared fixtures: every test gets its own CANDOR_HOME and no provider keys or model settings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"

_SETTINGS = (
    "CANDOR_MODEL",
    "CANDOR_API_BASE",
    "CANDOR_DB_URL",
    "CANDOR_CHROMA_URL",
    "CANDOR_FALLBACK_MODEL",
    "CANDOR_REDACT",
)
_KEYS = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "GEMINI_API_KEY",
    "GROQ_API_KEY",
    "MISTRAL_API_KEY",
    "TOGETHERAI_API_KEY",
    "OPENROUTER_API_KEY",
)


@pytest.fixture(autouse=True)
def candor_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private data directory; the model cache (CANDOR_CACHE) stays shared between tests."""
    home = tmp_path / "candor-home"
    monkeypatch.setenv("CANDOR_HOME", str(home))
    for name in _SETTINGS + _KEYS:
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(autouse=True)
def model_requests(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Real model requests are switched off (``coach.llm.guard``) unless the test is marked
    ``integration`` (a built-in model) or ``scripted_server`` (a scripted server on loopback,
    reached like a remote model): a unit test that forgets the fake fails instead of loading
    a model."""
    from coach.llm.guard import ENV

    allowed = any(request.node.get_closest_marker(m) for m in ("integration", "scripted_server"))
    monkeypatch.setenv(ENV, "1" if allowed else "0")
    return allowed


@pytest.fixture
def fake() -> Iterator[object]:
    """A scripted model served by litellm as ``fake/...``; queue replies with ``.queue()``."""
    from coach.llm.testing import fake_model

    with fake_model() as model:
        yield model


@pytest.fixture
def smollm2() -> str:
    """The model string of the tiny built-in model, for plumbing tests on a real model."""
    return "local/smollm2-135m-instruct"


def pytest_report_header() -> str:
    return f"CANDOR_CACHE={os.environ.get('CANDOR_CACHE', '(per-user cache)')}"


@pytest.fixture
def open_page(monkeypatch, fake):
    """Open the app on one of its pages, against the scripted model; returns the AppTest."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CANDOR_MODEL", "fake/scripted")

    def opener(page: str, run: bool = True) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run()
        at.switch_page(f"app_pages/{page}.py")
        return at.run() if run else at

    return opener
