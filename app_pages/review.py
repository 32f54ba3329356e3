"""Review a real call: bring a transcript, say which speaker you are, read the critique."""

from __future__ import annotations

import streamlit as st

from app_pages import critique_view, resources
from coach.critique import critique
from coach.critique.transcript import from_imported
from coach.errors import CandorError
from coach.importers import Imported, alternate_speakers, import_bytes, import_text
from knowledge.documents import document_from_bytes

settings = st.session_state.model_settings
st.title("Review a call")
st.caption("VTT (Zoom, Teams, Meet), SRT, Otter, Zoom chat, Name: text lines, JSON or .docx.")


upload = st.file_uploader("Transcript file", type=["vtt", "srt", "txt", "json", "docx", "md"])
pasted = st.text_area("…or paste it", height=150, placeholder="Maya: Hi Dana…\nDana: Hello…")

imported: Imported | None = None
try:
    if upload is not None:
        imported = import_bytes(upload.getvalue(), upload.name)
    elif pasted.strip():
        imported = import_text(pasted, source="pasted transcript")
except CandorError as exc:
    st.error(f"{exc}\n\nCheck the file, or paste the text as 'Name: text' lines.")
    st.stop()
if imported is None:
    st.info("Upload or paste a transcript to begin.")
    st.stop()

unknown = sum(1 for t in imported.turns if t.speaker is None)
if unknown:
    st.warning(f"{unknown} of {len(imported.turns)} turns have no speaker label.")
    if st.checkbox("Split them between two alternating speakers (check the result below)"):
        first, second = st.columns(2)
        names = (
            first.text_input("First speaker's name", value="Speaker 1"),
            second.text_input("Second speaker's name", value="Speaker 2"),
        )
        try:
            imported = alternate_speakers(imported, names)
        except CandorError as exc:
            st.error(str(exc))
            st.stop()
if not imported.speakers:
    st.stop()
me = st.selectbox("Which speaker are you?", imported.speakers)
ROLES = {"seller": "Selling", "candidate": "Interviewing for a job", "interviewer": "Hiring"}
role = st.radio(
    "What were you doing on this call?",
    list(ROLES),
    format_func=ROLES.__getitem__,
    horizontal=True,
)
with st.expander(f"The transcript: {len(imported.turns)} turns ({imported.format})"):
    for turn in imported.turns[:200]:
        st.markdown(f"**{turn.speaker or 'Unknown'}:** {turn.text}")

facts_files = st.file_uploader(
    "Your facts (product sheet, price list, job description)",
    type=["md", "txt", "pdf", "docx"],
    accept_multiple_files=True,
)
code_text = st.text_area(
    "Your own rules, one per line (optional)",
    value="\n".join(st.session_state.get("personal_code", [])),
    placeholder="I don't discount more than 10%",
)

left, right = st.columns(2)
if left.button("Critique this call", type="primary", icon=":material/fact_check:"):
    try:
        facts = [document_from_bytes(f.getvalue(), f.name).text for f in facts_files or []]
        transcript = from_imported(imported, me)
        with st.spinner("Reading the call…"):
            st.session_state.review_report = critique(
                transcript,
                facts=facts,
                personal_code=[ln.strip() for ln in code_text.splitlines() if ln.strip()],
                role=role,
                store=resources.store(),
                settings=settings,
            )
    except CandorError as exc:
        st.error(f"{exc}\n\nFix the input named above and try again.")
if right.button("Practise this call again", icon=":material/replay:"):
    from coach import replay

    try:
        saved = replay.save(*replay.cards_from_transcript(from_imported(imported, me)))
        st.success(
            f"Saved {saved.persona.name} as persona '{saved.persona.id}'. Find her on "
            "the Practice page."
        )
    except CandorError as exc:
        st.error(str(exc))

report = st.session_state.get("review_report")
if report is not None and report.me == me:
    critique_view.show(report, key="review")
