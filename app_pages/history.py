"""History and progress: past calls and reviews, their critiques, and how you are doing."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import critique_view, resources
from coach.critique import Report
from coach.errors import CandorError

st.title("History and progress")
if flash := st.session_state.pop("history_flash", None):
    st.success(flash, icon=":material/delete_forever:")
if problem := st.session_state.pop("history_error", None):
    st.error(problem)
try:
    store = resources.store()
    sessions = store.list_sessions(limit=500)
    reports = store.all_reports()
except CandorError as exc:
    st.error(f"{exc}\n\nCheck CANDOR_DB_URL or the data folder, then reload.")
    st.stop()

if not sessions:
    st.info("Nothing here yet. Practise a call or review one, and it will appear here.")
    st.stop()

if reports:
    rows = [
        {"when": when, "dimension": d["id"], "score": d["score"]}
        for _, when, report in reports
        for d in report["dimensions"]
        if d["score"] is not None
    ]
    flags = [{"kind": f["kind"].replace("_", " ")} for _, _, r in reports for f in r["flags"]]
    left, right = st.columns(2)
    with left:
        st.markdown("**Scores over time**")
        if rows:
            st.altair_chart(
                alt.Chart(pd.DataFrame(rows))
                .mark_line(point=True)
                .encode(
                    x=alt.X("when:T", title=None),
                    y=alt.Y("score:Q", scale=alt.Scale(domain=[0, 1])),
                    color="dimension:N",
                ),
                width="stretch",
            )
        else:
            st.caption("Not enough evidence in any critique yet.")
    with right:
        st.markdown("**What got flagged**")
        if flags:
            st.altair_chart(
                alt.Chart(pd.DataFrame(flags))
                .mark_bar()
                .encode(
                    x=alt.X("count():Q", title="flags", axis=alt.Axis(tickMinStep=1, format="d")),
                    y=alt.Y("kind:N", title=None),
                ),
                width="stretch",
            )
        else:
            st.caption("No flags so far.")

query = st.text_input("Search", placeholder="a name, a title…")
shown = [s for s in sessions if query.lower() in f"{s.title} {s.kind}".lower()]
if not shown:
    st.info("No session matches that search.")
    st.stop()
record = st.selectbox(
    "Session",
    shown,
    format_func=lambda s: f"{s.updated_at:%Y-%m-%d %H:%M} · {s.kind} · {s.title or s.id[:8]}",
)
unfinished = record.kind == "practice" and not (record.outcome or {}).get("ended_by")
if unfinished:
    st.info("This call was never finished. You can pick it up where it stopped.")
    if st.button("Resume this call", type="primary", icon=":material/play_arrow:"):
        from coach.practice import PracticeSession

        try:
            session = PracticeSession.resume(store, record.id, st.session_state.model_settings)
        except CandorError as exc:
            st.error(f"{exc}\n\nCheck the model in Settings, then try again.")
            st.stop()
        st.session_state.practice = session
        st.session_state.practice_log = session.transcript()
        st.switch_page("app_pages/practice.py")
for turn in store.turns_of(record.id):
    with st.chat_message("user" if turn.role == "user" else "assistant"):
        said = critique_view.escape(turn.text)
        st.markdown(f"**{critique_view.escape(turn.speaker)}:** {said}" if turn.speaker else said)
        if turn.status == "incomplete":
            st.caption("Cut off: this reply was interrupted.")
latest = store.latest_report(record.id)
if latest is not None:
    critique_view.show(Report.model_validate(latest), key=f"history-{record.id}")

st.divider()
left, right = st.columns(2)
if left.button("Delete this session", icon=":material/delete:"):
    try:
        store.delete_session(record.id)
    except CandorError as exc:
        st.error(f"{exc}\n\nIt may have been deleted already; reload the page.")
        st.stop()
    st.rerun()
with right.popover("Delete all my data", icon=":material/delete_forever:"):
    st.write(
        "This deletes every session, turn and critique, your documents and the practised "
        "offers in the knowledge base, your exports and your own persona and scenario cards. "
        "The built-in principles and the models stay. It cannot be undone."
    )
    if st.button("Yes, delete everything", type="primary"):
        from coach import privacy

        try:
            removed = privacy.delete_all_data(store)
        except privacy.DeleteIncomplete as exc:
            removed = exc.removed
            st.session_state.history_error = str(exc)
        # what this browser session still holds of the deleted data goes too
        for key in (
            "practice",
            "practice_log",
            "practice_pick",
            "review_report",
            "chat",
            "card_kind",
            "card_pick",
            "card_loaded",
            "card_text",
            "card_problems",
            "card_checked",
            "card_flash",
        ):
            st.session_state.pop(key, None)
        kept = f"\n\nKept: {'; '.join(removed.kept)}." if removed.kept else ""
        st.session_state.history_flash = removed.summary() + kept
        st.rerun()
