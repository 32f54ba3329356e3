"""Importing real calls from the command line, critiquing them, and practising them again."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from coach.cli import cli
from coach.store import Store
from personas import loader

REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "transcripts"

TEAMS_VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Maya Levi>Hi Dana, thanks for making time. What made you reach out?</v>

00:00:04.500 --> 00:00:09.000
<v Dana Cole>Our books are a mess, and I need someone to run payroll for my staff.</v>

00:00:09.500 --> 00:00:14.000
<v Maya Levi>I'm glad you told me. To be upfront, I don't do payroll.</v>

00:00:14.500 --> 00:00:18.000
<v Dana Cole>I'm worried about juggling two providers.</v>

00:00:18.500 --> 00:00:22.000
<v Maya Levi>Don't worry about that, everyone says that.</v>
"""

NO_SPEAKERS = """WEBVTT

00:00:01.000 --> 00:00:03.000
Hello, thanks for calling.

00:00:03.500 --> 00:00:06.000
Hi, I need help with my books.

00:00:06.500 --> 00:00:09.000
What do you use today?
"""


@pytest.fixture
def teams(tmp_path):
    path = tmp_path / "call.vtt"
    path.write_text(TEAMS_VTT, encoding="utf-8")
    return path


def test_import_stores_the_turns_and_prints_json(teams):
    result = CliRunner().invoke(
        cli, ["import", str(teams), "--me", "Maya Levi", "--format", "json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["turns"][0] == {
        "speaker": "Maya Levi",
        "text": "Hi Dana, thanks for making time. What made you reach out?",
    }
    assert len(data["turns"]) == 5
    stored = Store().turns_of(data["session_id"])
    assert [t.speaker for t in stored][:2] == ["Maya Levi", "Dana Cole"]
    assert stored[0].role == "user" and stored[1].role == "assistant"


def test_review_reads_a_teams_vtt_and_flags_from_it(teams):
    result = CliRunner().invoke(
        cli,
        ["review", str(teams), "--me", "Maya Levi", "--format", "json", "--no-model"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["transcript"]["turns"][1]["speaker"] == "Dana Cole"
    assert ("dismissed_concern", 5) in {(f["kind"], f["turn"]) for f in data["flags"]}


def test_unknown_speakers_are_never_attributed_silently(tmp_path):
    path = tmp_path / "nospeakers.vtt"
    path.write_text(NO_SPEAKERS, encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(cli, ["review", str(path), "--me", "Speaker 1", "--no-model"])
    assert refused.exit_code == 2
    assert "3 of 3 turns have no speaker" in refused.output and "--alternate" in refused.output
    split = runner.invoke(
        cli,
        ["review", str(path), "--me", "Speaker 1", "--alternate", "--no-model", "--format", "json"],
    )
    assert split.exit_code == 0, split.output
    speakers = [t["speaker"] for t in json.loads(split.stdout)["transcript"]["turns"]]
    assert speakers == ["Speaker 1", "Speaker 2", "Speaker 1"]


def test_without_me_the_speakers_are_listed(teams):
    result = CliRunner().invoke(cli, ["review", str(teams), "--no-model"])
    assert result.exit_code == 2
    assert "--me" in result.output and "Maya Levi, Dana Cole" in result.output


@pytest.mark.skipif(not REAL.exists(), reason="../shared/data is not present")
def test_import_a_real_zoom_recording():
    result = CliRunner().invoke(
        cli,
        ["import", str(REAL / "ethereum_pm_acdt068_transcript.vtt"), "--format", "json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["format"] == "vtt" and data["turns"][0]["speaker"] == "Barnabas"


def test_practise_this_call_again(tmp_path, fake):
    call = tmp_path / "call.txt"
    call.write_text(
        "Maya: Hi Dana, what made you reach out?\n"
        "Dana: Our books are a mess and I need someone to run payroll for eleven staff.\n"
        "Maya: How do you keep track of receipts today?\n"
        "Dana: A shoebox. I'm worried we'll miss the tax deadline again.\n"
        "Maya: We can handle everything, no problem.\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli,
        ["personas", "draft", "--from-transcript", str(call), "--me", "Maya"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    persona = loader.persona("dana-replay")
    said = call.read_text()
    assert persona.name == "Dana" and persona.opening in said
    assert persona.hidden_facts and all(f.say in said for f in persona.hidden_facts)
    assert persona.hidden_facts[0].unlock_topics == ["Hi Dana, what made you reach out?"]
    scenario = loader.scenario_for(persona)
    assert "We can handle everything, no problem." in scenario.offer.facts
    assert not loader.personas()["dana-replay"].builtin
    # and it can be practised
    run = CliRunner().invoke(
        cli,
        [
            "practice",
            "--persona",
            "dana-replay",
            "--script",
            str(tmp_path / "script.txt"),
            "--format",
            "json",
            "--model",
            "fake/x",
        ],
    )
    assert run.exit_code == 2  # the script file does not exist yet: a clean usage error
    (tmp_path / "script.txt").write_text("What made you reach out?\n")
    run = CliRunner().invoke(
        cli,
        [
            "practice",
            "--persona",
            "dana-replay",
            "--script",
            str(tmp_path / "script.txt"),
            "--format",
            "json",
            "--model",
            "fake/x",
        ],
        catch_exceptions=False,
    )
    assert run.exit_code == 0, run.output
