"""The ``candor`` command line.

Run ``candor --help``. Commands:

- ``candor models``: the built-in models and the active one; ``candor models prepare`` readies
  the built-in weights (run by ``make run``).
- ``candor chat``: a plain streaming chat in the terminal; ``--once PROMPT`` prints one reply.
- ``candor knowledge search|add|list``: search the principles and your documents, add files.
- ``candor practice``: a practice call against a persona, live or from a script.
- ``candor personas list|draft``: the persona cards, and drafting new ones from a document.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from coach.config import ModelSettings
from coach.errors import CandorError
from coach.llm import builtin
from coach.reader_cli import reader


class CandorGroup(click.Group):
    """Turns :class:`CandorError` into a one-line message and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CandorError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=CandorGroup)
@click.version_option(package_name="candor-coach")
def cli() -> None:
    """Candor: practise honest selling and interviewing."""


@cli.group(invoke_without_command=True)
@click.option("--model", "-m", help="A litellm model string; default: CANDOR_MODEL.")
@click.pass_context
def models(ctx: click.Context, model: str | None) -> None:
    """List the built-in models and show the active one."""
    if ctx.invoked_subcommand:
        return
    active = ModelSettings.from_env(model)
    click.echo("Built-in models (offline, provider 'local'):")
    for spec in builtin.BUILTIN_MODELS.values():
        mark = "*" if spec.model_string == active.model else " "
        click.echo(f" {mark} {spec.model_string:<30} {spec.description}")
    from coach.redact import redact_url

    where = f" at {redact_url(active.api_base)}" if active.api_base else ""
    click.echo(f"Active model: {active.model}{where}")


@models.command()
@click.argument("model", required=False)
def prepare(model: str | None) -> None:
    """Ready a built-in model's weights (default: the active model, if built in)."""
    name = model or ModelSettings.from_env().model
    if not name.startswith(f"{builtin.PROVIDER}/") and model is None:
        click.echo(f"The active model {name} is not built in; nothing to prepare.")
        return
    spec = builtin.builtin_model(name)

    def progress(done: int, total: int, label: str) -> None:
        click.echo(f"  [{done:>2}/{total}] {label}", err=True)

    click.echo(f"Preparing {spec.model_string} ...", err=True)
    path = spec.weights_path(progress)
    click.echo(f"{spec.model_string} is ready: {path}")


@cli.command()
@click.option("--model", "-m", help="A litellm model string; default: CANDOR_MODEL.")
@click.option(
    "--api-base", help="Base URL of an OpenAI-compatible server; default: CANDOR_API_BASE."
)
@click.option("--once", "prompt", metavar="PROMPT", help="Print one reply to PROMPT and exit.")
@click.option("--resume", metavar="ID", help="Continue a stored chat session.")
@click.option("--max-tokens", type=click.IntRange(1, 32_768), default=512, show_default=True)
def chat(
    model: str | None,
    api_base: str | None,
    prompt: str | None,
    resume: str | None,
    max_tokens: int,
) -> None:
    """Chat with a model in the terminal. Every turn is stored; /quit ends the chat."""
    from coach import llm
    from coach.chat import ChatSession
    from coach.store import Store

    settings = ModelSettings.from_env(model, api_base)
    llm.check(settings)
    store = Store()
    session = (
        ChatSession.resume(store, resume, settings)
        if resume
        else ChatSession.start(store, settings, title=(prompt or "")[:80])
    )
    if prompt is not None:
        _say(session, prompt, max_tokens)
        return
    interactive = sys.stdin.isatty()
    if interactive:
        click.echo(f"Chatting with {settings.model} (session {session.record.id}). /quit ends.")
    while True:
        if interactive:
            click.echo("you> ", nl=False)
        line = sys.stdin.readline()
        if not line or line.strip() in {"/quit", "/exit"}:
            break
        if line.strip():
            _say(session, line, max_tokens)
    if interactive:
        click.echo(f"Saved as session {session.record.id}.")


def _say(session: Any, text: str, max_tokens: int) -> None:
    for piece in session.send(text, max_tokens=max_tokens):
        click.echo(piece, nl=False)
        sys.stdout.flush()
    click.echo()


@cli.group()
def knowledge() -> None:
    """Search the principles and your documents; add documents."""


@knowledge.command("prepare")
def knowledge_prepare() -> None:
    """Ready the embedding model and index the principles (run by make run)."""
    import knowledge as kb
    from knowledge import embedding

    def progress(done: int, total: int, label: str) -> None:
        click.echo(f"  [{done}/{total}] {label}", err=True)

    click.echo(f"Preparing the {embedding.MODEL_NAME} embedding model ...", err=True)
    embedding.prepare(progress)
    report = kb.ensure_principles(progress)
    state = "indexed" if report.written else "already indexed"
    click.echo(f"Principles and practices {state}: {report.chunks} chunks.")


@knowledge.command("search")
@click.argument("query")
@click.option(
    "--k", "k", type=click.IntRange(1, 100), default=5, show_default=True, help="How many results."
)
@click.option(
    "--collection",
    "-c",
    "names",
    multiple=True,
    help="Search only this collection (repeatable); default: all.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def knowledge_search(query: str, k: int, names: tuple[str, ...], fmt: str) -> None:
    """Find the passages closest in meaning to QUERY, best first."""
    import knowledge as kb

    hits = kb.search(query, k=k, collections=list(names) or None)
    if fmt == "json":
        click.echo(json.dumps([h.as_json() for h in hits], ensure_ascii=False, indent=2))
        return
    for rank, hit in enumerate(hits, start=1):
        click.echo(f"{rank}. [{hit.score:.3f}] {hit.id}  ({hit.collection}: {hit.source})")
        click.echo("   " + hit.text.replace("\n", "\n   "))


@knowledge.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--collection",
    "-c",
    default="my-documents",
    show_default=True,
    help="The collection to add to, e.g. one per scenario.",
)
def knowledge_add(files: tuple[Path, ...], collection: str) -> None:
    """Index FILES (.md, .txt, .pdf, .docx) so that practice and critique can use them."""
    import knowledge as kb

    def progress(done: int, total: int, label: str) -> None:
        click.echo(f"  {label}: {done}/{total} chunks embedded", err=True)

    for report in kb.add_files(files, collection, progress):
        change = (
            f"{report.written} written, {report.removed} removed"
            if report.written or report.removed
            else "unchanged"
        )
        click.echo(f"{report.source}: {report.chunks} chunks in '{report.collection}' ({change})")


@knowledge.command("list")
def knowledge_list() -> None:
    """Show each collection with its chunk count and sources."""
    import knowledge as kb

    kb.ensure_principles()
    for info in kb.collections():
        click.echo(f"{info.name}: {info.chunks} chunks from {len(info.sources)} source(s)")
        for source in info.sources:
            click.echo(f"  - {source}")


def _cards(
    persona_id: str | None,
    persona_file: Path | None,
    scenario_id: str | None,
    scenario_file: Path | None,
) -> tuple[Any, Any]:
    from coach.errors import InputError
    from personas import loader
    from personas.cards import PersonaCard, ScenarioCard

    if persona_file:
        persona = loader.load_card(PersonaCard, persona_file)
    elif persona_id:
        persona = loader.persona(persona_id)
    else:
        raise InputError("Name a persona with --persona ID or --persona-file FILE.")
    if scenario_file:
        scenario = loader.load_card(ScenarioCard, scenario_file)
    elif scenario_id:
        scenario = loader.scenario(scenario_id)
    else:
        scenario = loader.scenario_for(persona)
    return persona, scenario


_code_option = click.option(
    "--code",
    "code_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Your personal code: one rule per line, e.g. 'I don't discount more than 10%'.",
)


def _read_code(path: Path | None) -> list[str]:
    """The rules in a personal-code file, one per line, without list markers."""
    if path is None:
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [ln.strip(" -*\t") for ln in lines if ln.strip()]


@cli.command()
@click.option("--persona", "persona_id", metavar="ID", help="A persona id (candor personas list).")
@click.option("--persona-file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--scenario", "scenario_id", metavar="ID", help="Default: the persona's own.")
@click.option("--scenario-file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "--script",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Run non-interactively: one user line per line of FILE.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--model", "-m", help="A litellm model string; default: CANDOR_MODEL.")
@click.option("--resume", metavar="ID", help="Continue a stored practice call where it stopped.")
@_code_option
def practice(
    persona_id: str | None,
    persona_file: Path | None,
    scenario_id: str | None,
    scenario_file: Path | None,
    script: Path | None,
    fmt: str,
    model: str | None,
    resume: str | None,
    code_file: Path | None,
) -> None:
    """Practise a call against a persona who hides what she knows and can say no."""
    from coach.errors import InputError
    from coach.practice import PracticeSession
    from coach.store import Store

    settings = ModelSettings.from_env(model)
    quiet = fmt == "json"
    if resume:
        if persona_id or persona_file or scenario_id or scenario_file:
            raise InputError("--resume continues a stored call; drop --persona and --scenario.")
        session = PracticeSession.resume(Store(), resume, settings)
        persona, scenario = session.persona, session.scenario
    else:
        persona, scenario = _cards(persona_id, persona_file, scenario_id, scenario_file)
        session = PracticeSession.start(Store(), persona, scenario, settings)
    turns: list[dict[str, Any]] = [
        {"speaker": "persona" if role == "assistant" else "user", "text": text, "revealed": []}
        for role, text in session.transcript()
    ]
    for turn in turns:
        turn["events"] = []
    if not quiet:
        click.echo(f"{scenario.title}\n{scenario.brief}\n" if scenario.brief else scenario.title)
        for turn in turns:
            who = persona.name if turn["speaker"] == "persona" else "you"
            click.echo(f"{who}: {turn['text']}")
    if session.pending is not None:
        if not quiet:
            click.echo(f"{persona.name}: ", nl=False)
        answer = "".join(
            piece if quiet else _echo_piece(piece) for piece in session.answer_pending()
        )
        if not quiet:
            click.echo()
        turns.append({"speaker": "persona", "text": answer, "revealed": [], "events": []})
    if script:
        lines = [ln.strip() for ln in script.read_text(encoding="utf-8").splitlines()]
        source: Any = iter([ln for ln in lines if ln])
    else:
        source = _prompted_lines()
    for line in source:
        if line in {"/end", "/quit", "/exit"}:
            break
        if not quiet:
            click.echo(f"{persona.name}: ", nl=False)
        pieces = []
        for piece in session.send(line):
            pieces.append(piece)
            if not quiet:
                click.echo(piece, nl=False)
        if not quiet:
            click.echo()
        user_turn, reply_turn = session.store.turns_of(session.record.id)[-2:]
        turns.append(
            {"speaker": "user", "text": line, "revealed": [], "events": [user_turn.events]}
        )
        turns.append(
            {
                "speaker": "persona",
                "text": "".join(pieces),
                "revealed": reply_turn.events.get("revealed", []),
                "events": [reply_turn.events],
            }
        )
        if session.ended:
            break
    outcome = session.end(personal_code=_read_code(code_file))
    if quiet:
        click.echo(
            json.dumps(
                {"session": session.record.id, "turns": turns, "outcome": outcome},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        click.echo(
            f"-- call ended: {outcome['decision']} (ended by {outcome['ended_by']}); "
            f"session {session.record.id}"
        )
        if session.report is not None:
            click.echo(f"\n{session.report.summary}")
            click.echo(f"Full critique: candor review --session {session.record.id}")


def _echo_piece(piece: str) -> str:
    click.echo(piece, nl=False)
    return piece


def _prompted_lines() -> Any:
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            click.echo("you> ", nl=False)
        line = sys.stdin.readline()
        if not line:
            return
        if line.strip():
            yield line.strip()


_FORMATS = ["vtt", "srt", "otter", "zoom_chat", "plain", "json", "docx"]


def _transcript_options(command: Any) -> Any:
    """The --as and --alternate options of the commands that read a transcript."""
    command = click.option(
        "--alternate",
        is_flag=True,
        help="Split turns with no speaker between two alternating speakers.",
    )(command)
    return click.option(
        "--as",
        "as_format",
        type=click.Choice(_FORMATS),
        help="The transcript's format, if detection gets it wrong.",
    )(command)


def _imported(path: Path, as_format: str | None, alternate: bool) -> Any:
    """The transcript at ``path``, with unknown speakers split only when asked to."""
    from coach.importers import alternate_speakers, import_file

    imported = import_file(path, as_format)
    if alternate:
        imported = alternate_speakers(imported)
        click.echo(
            "Unlabelled turns were split between alternating speakers; check them.", err=True
        )
    return imported


def _pick_me(imported: Any, me: str | None) -> str | None:
    """--me, or, in a terminal, a choice among the transcript's speakers."""
    if me or not sys.stdin.isatty() or not imported.speakers:
        return me
    return str(click.prompt("Which speaker are you?", type=click.Choice(imported.speakers)))


@cli.command()
@click.argument(
    "path", required=False, type=click.Path(path_type=Path, dir_okay=False, exists=True)
)
@click.option("--me", help="Which speaker is you, as written in the transcript.")
@click.option(
    "--facts",
    "facts_files",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Your facts: product sheet, price list, job description (repeatable).",
)
@_code_option
@click.option("--session", "session_id", metavar="ID", help="Critique a stored session again.")
@click.option(
    "--role",
    type=click.Choice(["seller", "candidate", "interviewer"]),
    help="Your side of the table, for how the critique speaks to you (default: seller; a "
    "stored practice call knows its own).",
)
@_transcript_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
)
@click.option("--no-model", is_flag=True, help="Skip the model-written summary.")
@click.option(
    "--judge-claims",
    is_flag=True,
    help="Also have the model check each factual claim against the facts (for strong hosted "
    "models; the built-in one over-flags).",
)
@click.option("--model", "-m", help="A litellm model string; default: CANDOR_MODEL.")
def review(
    path: Path | None,
    me: str | None,
    facts_files: tuple[Path, ...],
    code_file: Path | None,
    session_id: str | None,
    role: str | None,
    as_format: str | None,
    alternate: bool,
    fmt: str,
    no_model: bool,
    judge_claims: bool,
    model: str | None,
) -> None:
    """Critique a transcript (VTT, SRT, Otter, Zoom chat, Name: text, JSON, .docx) or a stored
    session for honesty and fit."""
    from coach.critique import critique, critique_session, markdown
    from coach.critique.transcript import from_imported
    from coach.errors import InputError
    from coach.store import Store
    from knowledge.documents import read_document

    if (path is None) == (session_id is None):
        raise InputError("Give a transcript PATH or --session ID (one of them).")
    facts = [read_document(f).text for f in facts_files]
    code = _read_code(code_file)
    settings = ModelSettings.from_env(model)
    if session_id is not None:
        report = critique_session(
            Store(),
            session_id,
            me,
            facts,
            code,
            role=role,  # type: ignore[arg-type]
            settings=settings,
            use_model=not no_model,
        )
    else:
        assert path is not None
        imported = _imported(path, as_format, alternate)
        report = critique(
            from_imported(imported, _pick_me(imported, me)),
            facts,
            code,
            role=role or "seller",  # type: ignore[arg-type]
            store=Store(),
            settings=settings,
            use_model=not no_model,
            judge_claims=judge_claims,
        )
    click.echo(report.model_dump_json(indent=2) if fmt == "json" else markdown(report))


@cli.command("import")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--me", help="Which speaker is you (stored with the session).")
@_transcript_options
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def import_command(
    path: Path, me: str | None, as_format: str | None, alternate: bool, fmt: str
) -> None:
    """Store a transcript as a session, without critiquing it."""
    from coach.errors import InputError
    from coach.store import Store

    imported = _imported(path, as_format, alternate)
    me = _pick_me(imported, me)
    if me and me not in imported.speakers:
        raise InputError(
            f"{imported.source}: there is no speaker '{me}'; speakers: "
            f"{', '.join(imported.speakers)}."
        )
    store = Store()
    record = store.create_session(kind="import", title=f"Imported {imported.source}")
    for turn in imported.turns:
        store.add_turn(
            record.id,
            "user" if me and turn.speaker == me else "assistant",
            turn.text,
            speaker=turn.speaker,
        )
    turns = [{"speaker": t.speaker, "text": t.text} for t in imported.turns]
    if fmt == "json":
        click.echo(
            json.dumps(
                {"session_id": record.id, "format": imported.format, "turns": turns},
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    unknown = sum(1 for t in imported.turns if t.speaker is None)
    click.echo(
        f"Imported {len(turns)} turns ({imported.format}) from {imported.source} as "
        f"session {record.id}. Speakers: {', '.join(imported.speakers) or 'none'}"
        + (f"; {unknown} turns with no speaker." if unknown else ".")
    )


@cli.group()
def personas() -> None:
    """Persona and scenario cards: list them, draft new ones."""


@personas.command("list")
def personas_list() -> None:
    """Show every persona card with its scenario, side, difficulty and fit."""
    from personas import loader

    for ident, listed in sorted(loader.personas().items()):
        card: Any = listed.card
        origin = "built-in" if listed.builtin else "yours"
        click.echo(
            f"{ident:<34} {card.kind:<11} {card.difficulty:<6} {card.fit.verdict:<7} "
            f"{card.scenario or '-':<38} {origin}"
        )


@personas.command("draft")
@click.option(
    "--from",
    "source",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="A product sheet or job description (.md, .txt, .pdf, .docx).",
)
@click.option(
    "--from-transcript",
    "transcript_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="A real call: draft the other side from what she said, to practise it again.",
)
@click.option("--me", help="With --from-transcript: which speaker is you.")
@click.option(
    "--other",
    default="",
    help="One line about the other side, e.g. 'a skeptical bakery owner with four staff'.",
)
@click.option(
    "--mode", type=click.Choice(["sales", "interview"]), default="sales", show_default=True
)
@click.option("--model", "-m", help="A litellm model string; default: CANDOR_MODEL.")
def personas_draft(
    source: Path | None,
    transcript_path: Path | None,
    me: str | None,
    other: str,
    mode: str,
    model: str | None,
) -> None:
    """Draft a persona and a scenario card, validate and save them with your own cards."""
    from coach.errors import InputError

    if (source is None) == (transcript_path is None):
        raise InputError("Give --from DOCUMENT or --from-transcript FILE (one of them).")
    if transcript_path is not None:
        from coach import replay
        from coach.critique.transcript import from_imported

        imported = _imported(transcript_path, None, alternate=False)
        transcript = from_imported(imported, _pick_me(imported, me))
        saved = replay.save(*replay.cards_from_transcript(transcript, mode))
        persona_path, scenario_path = saved.persona_path, saved.scenario_path
        persona_id, scenario_id = saved.persona.id, saved.scenario.id
    else:
        from coach.persona_builder import draft
        from knowledge.documents import read_document

        assert source is not None
        result = draft(read_document(source).text, other, mode, ModelSettings.from_env(model))
        persona_path, scenario_path = result.persona_path, result.scenario_path
        persona_id, scenario_id = result.persona.id, result.scenario.id
    click.echo(f"Drafted persona '{persona_id}' -> {persona_path}")
    click.echo(f"Drafted scenario '{scenario_id}' -> {scenario_path}")
    click.echo(f"Practise it: candor practice --persona {persona_id}")


@cli.command("export")
@click.argument("session_id")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
)
def export_command(session_id: str, fmt: str) -> None:
    """Write a session's transcript and latest critique to $CANDOR_HOME/exports; print the
    file's path. Keys and other secrets are scrubbed from it."""
    from coach.privacy import export_session
    from coach.store import Store

    click.echo(export_session(Store(), session_id, fmt))


cli.add_command(reader)


def main() -> None:
    """Entry point of the ``candor`` console script."""
    cli(prog_name="candor")
