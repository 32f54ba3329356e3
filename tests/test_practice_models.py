"""Practice calls and the persona builder on the real built-in models."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from coach import llm
from coach.cli import cli
from coach.config import ModelSettings
from coach.director.voice import Checker
from coach.practice import PracticeSession
from coach.store import Store
from personas import loader
from personas.cards import PersonaCard, ScenarioCard
from personas.loader import load_card

pytestmark = pytest.mark.integration
CARDS = Path(__file__).parent / "data" / "cards"


@pytest.mark.qwen
def test_an_earned_reveal_conversation_on_the_default_model():
    lena = load_card(PersonaCard, CARDS / "lena-florist.yaml")
    shop = load_card(ScenarioCard, CARDS / "bookkeeping-for-shops.yaml")
    session = PracticeSession.start(Store(), lena, shop, ModelSettings())
    first = "".join(session.send("Hi Lena, thanks for your time. What made you take the call?"))
    receipts = "".join(session.send("How do you keep track of your receipts and expenses?"))
    wages = "".join(session.send("And how do your staff get paid?"))
    turns = Store().turns_of(session.record.id)
    revealed = [t.events.get("revealed") for t in turns if t.role == "assistant"]
    assert revealed == [[], [], ["shoebox_receipts"], ["payroll_need"]]
    assert "shoebox" in receipts.lower() or "receipt" in receipts.lower()
    assert "cheque" in wages.lower() or "payroll" in wages.lower() or "paid" in wages.lower()
    everything = " ".join([first, receipts, wages]).lower()
    assert "1,200" not in everything and "penalty" not in everything  # still locked
    assert all(t.text.strip() for t in turns)
    assert session.last is not None and session.last.first_token_s is not None


@pytest.mark.qwen
def test_the_voice_check_catches_a_real_echo():
    user = "Our plan costs two hundred and eighty dollars a month and includes reconciliation."
    reply = llm.complete(
        [
            {"role": "system", "content": "Repeat the user's message exactly, word for word."},
            {"role": "user", "content": user},
        ],
        ModelSettings(),
        max_tokens=40,
        temperature=0,
    ).text
    lena = load_card(PersonaCard, CARDS / "lena-florist.yaml")
    shop = load_card(ScenarioCard, CARDS / "bookkeeping-for-shops.yaml")
    checker = Checker(lena, shop, user, allowed_text=user, locked=[])
    assert checker.problem(reply, "") == "echo", reply


def test_a_script_run_on_smollm2_finishes_with_checked_replies(smollm2, tmp_path):
    """Plumbing on the tiny model: every reply is either a checked voice or an authored line."""
    script = tmp_path / "script.txt"
    script.write_text("How do you track expenses today?\nWhat software do you use?\n")
    result = CliRunner().invoke(
        cli,
        [
            "practice",
            "--persona",
            "dana-bakery-owner",
            "--script",
            str(script),
            "--format",
            "json",
            "--model",
            smollm2,
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    persona_turns = [t for t in data["turns"] if t["speaker"] == "persona"]
    assert len(persona_turns) == 3 and all(t["text"].strip() for t in persona_turns)
    assert data["outcome"]["decision"] in {"undecided", "accepted", "declined", "walked_away"}


def test_persona_draft_on_smollm2_either_validates_or_says_why(smollm2, tmp_path):
    sheet = tmp_path / "sheet.md"
    sheet.write_text(
        "# Bright Books\n\nMonthly bookkeeping for bakeries, 300 dollars a month. No payroll.\n"
    )
    result = CliRunner().invoke(
        cli,
        [
            "personas",
            "draft",
            "--from",
            str(sheet),
            "--other",
            "a busy bakery owner",
            "--model",
            smollm2,
        ],
    )
    if result.exit_code == 0:
        listed = loader.personas()
        assert any(not item.builtin for item in listed.values())
    else:
        assert result.exit_code == 2
        assert "could not draft a valid card" in result.output
        assert "Traceback" not in result.output
