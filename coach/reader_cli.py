"""``candor reader``: rebuild, check and score the reader of conversational moves."""

from __future__ import annotations

import click


@click.group()
def reader() -> None:
    """The reader of moves: import its outside data, train it, evaluate it."""


@reader.command("import")
def reader_import() -> None:
    """Convert PersuasionForGood and CaSiNo from ../shared/data into reader data files."""
    from coach.errors import InputError
    from coach.reading import sources

    if not sources.SHARED.exists():
        raise InputError(f"The outside corpora are not at {sources.SHARED}")
    for name, count in sources.write().items():
        click.echo(f"{name}: {count} dialogues")


@reader.command("check")
def reader_check() -> None:
    """Validate the labelled data: unknown moves, conflicting labels, thin moves."""
    from coach.errors import InputError
    from coach.reading import dataset

    found = dataset.problems(dataset.load())
    for line in found:
        click.echo(line)
    if found:
        raise InputError(f"{len(found)} problems in the reader's data")
    click.echo("The reader's data is valid.")


@reader.command("train")
def reader_train() -> None:
    """Train the reader from its data files and write the model and its manifest."""
    from coach.reading import train
    from knowledge.embedding import embed

    manifest = train.train(train.cached(embed), log=lambda m: click.echo(m, err=True))
    for side, scores in manifest["cross_validated"].items():
        click.echo(f"\n{side} side, cross-validated on train and dev:")
        for move, s in scores.items():
            click.echo(f"  {move:22} F1 {s['cv_f1']:.2f}  support {s['support']}")
    click.echo(f"\nWrote {train.ARTEFACT} and {train.MANIFEST}")


@reader.command("eval")
def reader_eval() -> None:
    """Score the reader on the test split and the out-of-domain source."""
    from coach.reading import evaluate

    click.echo(evaluate.report())


@reader.command("read")
@click.argument("text")
@click.option(
    "--speaker",
    type=click.Choice(["seller", "candidate", "interviewer", "other"]),
    default="seller",
    show_default=True,
)
@click.option("--after-no", is_flag=True, help="She has said no.")
@click.option("--after-concern", is_flag=True, help="She has just voiced a concern.")
def reader_read(text: str, speaker: str, after_no: bool, after_concern: bool) -> None:
    """Print the moves TEXT makes, with their confidences."""
    from coach.reading import Context, read

    reading = read(text, speaker, context=Context(after_no, after_concern))  # type: ignore[arg-type]
    for move, score in sorted(reading.scores.items(), key=lambda kv: -kv[1]):
        mark = "*" if reading.has(move) else " "
        click.echo(f"{mark} {move:22} {score:.3f} (threshold {reading.thresholds[move]:.2f})")
