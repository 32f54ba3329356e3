"""The critique, shown the same way after a practice call and for a reviewed real call."""

from __future__ import annotations

import streamlit as st

from coach.critique import Report, markdown
from knowledge import find

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
            st.success(f"Turn {item.turn}: “{item.quote}” — {item.why}", icon=":material/thumb_up:")
    st.markdown("#### To work on")
    if not report.flags:
        st.info("No honesty or pressure problems were found.")
    for item in report.flags:
        with st.container(border=True):
            st.markdown(f"**Turn {item.turn} · {item.kind.replace('_', ' ')}**")
            st.markdown(f"> {item.quote}")
            if item.suggestion:
                st.markdown(item.suggestion)
            principle, practice = find(item.principle)
            with st.expander(f"Why it matters: {item.principle}"):
                if practice is not None:
                    st.markdown(f"**{practice.name}.** {practice.looks_like}")
                st.caption(f"{principle.title.en} — {principle.summary.en}")
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
