"""Reports as Markdown, for people; JSON is ``Report.model_dump_json``."""

from __future__ import annotations

from coach.critique.report import Report


def markdown(report: Report) -> str:
    """The report as a Markdown document: summary, fit, scorecard, findings, transcript."""
    lines = [f"# Critique for {report.me}", "", report.summary, "", "## Fit", ""]
    fit = report.fit
    lines.append(f"- Your stance at the end: **{fit.user_stance.replace('_', ' ')}**")
    lines.append(f"- The fit: **{(fit.verdict or 'not enough evidence').replace('_', ' ')}**")
    if fit.correct is not None:
        lines.append(f"- Right call: **{'yes' if fit.correct else 'no'}** ({fit.reason})")
    lines += ["", "## Scorecard", "", "| dimension | score | why |", "|---|---|---|"]
    for d in report.dimensions:
        score = "not enough evidence" if d.score is None else f"{d.score:.2f}"
        lines.append(f"| {d.id} | {score} | {d.reason} |")
    if report.strengths:
        lines += ["", "## What you did well", ""]
        lines += [
            f"- Turn {s.turn}: \u201c{s.quote}\u201d ({s.why}; {s.principle})"
            for s in report.strengths
        ]
    lines += ["", "## To work on", ""]
    if not report.flags:
        lines.append("Nothing: no honesty or pressure problems were found.")
    for f in report.flags:
        lines.append(
            f"- Turn {f.turn}, {f.kind.replace('_', ' ')}: \u201c{f.quote}\u201d "
            f"({f.principle}). {f.suggestion}"
        )
    lines += ["", "## Transcript", ""]
    flagged = {f.turn for f in report.flags}
    for number, turn in enumerate(report.transcript.turns, start=1):
        mark = " \u26a0" if number in flagged else ""
        lines.append(f"{number}. **{turn.speaker}**{mark}: {turn.text}")
    return "\n".join(lines) + "\n"
