"""The `candor` command line, driven through click's runner, with rows checked in the DB."""

import pytest
from click.testing import CliRunner

from coach.cli import cli
from coach.store import Store


@pytest.fixture
def run():
    def invoke(*args, input=None):
        return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)

    return invoke


def test_models_lists_builtins_and_marks_the_active_one(run, monkeypatch):
    result = run("models")
    assert result.exit_code == 0
    assert "* local/qwen2.5-1.5b-instruct" in result.output
    assert "local/smollm2-135m-instruct" in result.output
    assert "Active model: local/qwen2.5-1.5b-instruct" in result.output
    monkeypatch.setenv("CANDOR_MODEL", "ollama/llama3.1")
    monkeypatch.setenv("CANDOR_API_BASE", "http://127.0.0.1:11434")
    result = run("models")
    assert "Active model: ollama/llama3.1 at http://127.0.0.1:11434" in result.output
    assert "* local/" not in result.output


def test_chat_once_prints_the_reply_and_stores_both_turns(run, fake):
    fake.queue("Yes, I can walk you through the pricing.")
    result = run("chat", "--model", "fake/x", "--once", "Can you explain the pricing?")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Yes, I can walk you through the pricing."
    store = Store()
    (session,) = store.list_sessions()
    assert session.model == "fake/x"
    turns = store.turns_of(session.id)
    assert [(t.role, t.text) for t in turns] == [
        ("user", "Can you explain the pricing?"),
        ("assistant", "Yes, I can walk you through the pricing."),
    ]


def test_piped_chat_answers_each_line_then_resume_continues(run, fake):
    fake.queue("first answer", "second answer", "third answer")
    result = run("chat", "-m", "fake/x", input="hello\n\nwhat next?\n/quit\nignored\n")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["first answer", "second answer"]
    (session,) = Store().list_sessions()
    result = run("chat", "-m", "fake/x", "--resume", session.id, "--once", "and now?")
    assert result.output.strip() == "third answer"
    # the resumed prompt carried the whole stored conversation
    assert [m["content"] for m in fake.prompts[-1][1:]] == [
        "hello",
        "first answer",
        "what next?",
        "second answer",
        "and now?",
    ]


def test_missing_key_is_a_clean_error_with_exit_code_2(run):
    result = CliRunner().invoke(cli, ["chat", "-m", "openai/gpt-4o-mini", "--once", "hi"])
    assert result.exit_code == 2
    assert "needs OPENAI_API_KEY" in result.output
    assert "Traceback" not in result.output
    assert Store().list_sessions() == []  # nothing stored for a call that could not happen


def test_unknown_session_to_resume(run, fake):
    result = CliRunner().invoke(cli, ["chat", "-m", "fake/x", "--resume", "abc", "--once", "x"])
    assert result.exit_code == 2
    assert "no session with id 'abc'" in result.output


def test_prepare_a_builtin_model(run, smollm2):
    result = run("models", "prepare", smollm2)
    assert result.exit_code == 0
    assert "is ready" in result.output and result.output.strip().endswith(".gguf")


def test_listing_models_does_not_import_litellm():
    """`candor models` must answer at once; litellm takes seconds to import."""
    import subprocess
    import sys

    code = (
        "import sys; from click.testing import CliRunner; from coach.cli import cli; "
        "r = CliRunner().invoke(cli, ['models']); assert r.exit_code == 0, r.output; "
        "print('litellm' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
