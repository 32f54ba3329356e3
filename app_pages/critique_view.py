"""The critique, shown the same way after a practice call and for a reviewed real call."""

from __future__ import annotations

import re

import streamlit as st

from coach.critique import Finding, Report, markdown
from knowledge import find

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~$])")
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+(?=[.)]))", re.MULTILINE)

_LABELS = {
    "honesty": "Honesty",
    "disclosure": "Disclosure",
    "autonomy": "Autonomy",
    "discovery": "Discovery",
    "fit": "Fit judgement",
    "personal_code": "Your own code",
}


def show(report: Report, key: str) -> None:
    """Summary, fit, scorecard, strengths and findings with their quotes, and downloads."""
    st.subheader("Your critique")
    st.write(report.summary)
    fit = report.fit
    verdict = (fit.verdict or "not enough evidence").replace("_", " ")
    right = (
        ""
        if fit.correct is None
        else (" — the right call" if fit.correct else " — not the right call")
    )
    st.markdown(
        f"**You ended:** {fit.user_stance.replace('_', ' ')} · **The fit:** {verdict}{right}"
    )
    columns = st.columns(len(report.dimensions))
    for column, dim in zip(columns, report.dimensions, strict=True):
        with column:
            value = "—" if dim.score is None else f"{dim.score:.0%}"
            st.metric(_LABELS.get(dim.id, dim.id), value, help=dim.reason)
            if dim.score is None:
                st.caption("not enough evidence")
    if report.strengths:
        st.markdown("#### What you did well")
        for item in report.strengths:
            st.success(
                f"[Turn {item.turn}](#{key}-turn-{item.turn}): “{escape(item.quote)}” — {item.why}",
                icon=":material/thumb_up:",
            )
    st.markdown("#### To work on")
    if not report.flags:
        st.info("No honesty or pressure problems were found.")
    for item in report.flags:
        with st.container(border=True):
            st.markdown(
                f"**[Turn {item.turn}](#{key}-turn-{item.turn}) · {item.kind.replace('_', ' ')}**"
            )
            st.markdown(f"> {escape(item.quote)}")
            if item.suggestion:
                st.markdown(item.suggestion)
            principle, practice = find(item.principle)
            with st.expander(f"Why it matters: {item.principle}"):
                if practice is not None:
                    st.markdown(f"**{practice.name}.** {practice.looks_like}")
                st.caption(f"{principle.title.en} — {principle.summary.en}")
    _transcript(report, key)
    left, right_col = st.columns(2)
    left.download_button(
        "Download as Markdown",
        markdown(report),
        file_name="critique.md",
        key=f"{key}-md",
        icon=":material/download:",
    )
    right_col.download_button(
        "Download as JSON",
        report.model_dump_json(indent=2),
        file_name="critique.json",
        key=f"{key}-json",
        icon=":material/download:",
    )


def escape(text: str) -> str:
    """``text`` shown exactly as written, not read as Markdown, LaTeX or HTML."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    text = _LINE_START.sub(lambda m: m.group(1) + _escape_start(m.group(2)), text)
    return text.replace("\n", "  \n")


def _escape_start(marker: str) -> str:
    """A list, heading or quote marker at the start of a line, made literal."""
    return marker + "\\" if marker[0].isdigit() else "\\" + marker


def _marked(text: str, findings: list[tuple[Finding, str]]) -> str:
    """``text`` escaped, with each finding's quote highlighted in its colour."""
    spans = sorted(
        (text.find(f.quote), text.find(f.quote) + len(f.quote), colour)
        for f, colour in findings
        if f.quote and f.quote in text
    )
    out, at = [], 0
    for start, end, colour in spans:
        if start < at:
            continue  # overlapping quotes: the first one is marked
        out.append(escape(text[at:start]))
        out.append(f":{colour}-background[{escape(text[start:end])}]")
        at = end
    out.append(escape(text[at:]))
    return "".join(out)


def _transcript(report: Report, key: str) -> None:
    """The call turn by turn, each turn linkable, with the findings' quotes marked inline."""
    by_turn: dict[int, list[tuple[Finding, str]]] = {}
    for item in report.flags:
        by_turn.setdefault(item.turn, []).append((item, "orange"))
    for item in report.strengths:
        by_turn.setdefault(item.turn, []).append((item, "green"))
    with st.expander(
        "The call, with findings marked (orange: to work on, green: done well)",
        expanded=bool(by_turn),
    ):
        for number, turn in enumerate(report.transcript.turns, start=1):
            marks = by_turn.get(number, [])
            st.markdown(
                f'<span id="{key}-turn-{number}"></span>**{number} · {escape(turn.speaker)}:** '
                f"{_marked(turn.text, marks)}",
                unsafe_allow_html=True,
            )
