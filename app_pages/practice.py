"""The practice page: pick a person, read the brief, talk, end the call, read the critique."""

from __future__ import annotations

import streamlit as st

from app_pages import critique_view, resources
from coach.errors import CandorError
from coach.practice import PracticeSession
from personas import loader

settings = st.session_state.model_settings
st.title("Practice a call")

try:
    store = resources.store()
    listed = {i: item.card for i, item in loader.personas().items()}
except CandorError as exc:
    st.error(f"{exc}\n\nFix the card file named above, then reload the page.")
    st.stop()

session: PracticeSession | None = st.session_state.get("practice")

if session is None:
    modes = st.segmented_control(
        "Kind of call",
        ["Sales", "Interview: you are the candidate", "Interview: you are hiring"],
        default=None,
        help="Leave empty to see everyone.",
    )
    level = st.segmented_control("Difficulty", ["easy", "normal", "hard"], default=None)
    kinds = {
        "Sales": "prospect",
        "Interview: you are the candidate": "interviewer",
        "Interview: you are hiring": "candidate",
    }
    choices = [
        card
        for card in listed.values()
        if (modes is None or card.kind == kinds[modes])
        and (level is None or card.difficulty == level)
    ]
    if not choices:
        st.info("Nobody matches those filters.")
        st.stop()
    # The Personas page may have picked someone; keep following the last pick.
    picked = st.session_state.get("practice_pick")
    card = st.selectbox(
        "Who are you talking to?",
        choices,
        index=next((i for i, c in enumerate(choices) if c.id == picked), 0),
        format_func=lambda c: f"{c.name} · {c.role} ({c.difficulty})",
    )
    st.session_state.practice_pick = card.id
    try:
        scenario = loader.scenario_for(card)
    except CandorError as exc:
        st.error(str(exc))
        st.stop()
    with st.container(border=True):
        st.markdown(f"**{scenario.title}**")
        if scenario.brief:
            st.write(scenario.brief)
        st.caption(f"What you bring: {scenario.offer.summary}")
    if st.button("Start the call", type="primary", icon=":material/call:"):
        try:
            resources.ready_model(settings)
            with st.spinner(f"Calling {card.name}…"):
                st.session_state.practice = PracticeSession.start(store, card, scenario, settings)
                st.session_state.practice_log = [("assistant", card.opening)]
        except CandorError as exc:
            st.error(f"{exc}\n\nCheck the model in Settings (CANDOR_MODEL), then try again.")
            st.stop()
        st.rerun()
    st.stop()

persona = session.persona
log: list[tuple[str, str]] = st.session_state.practice_log
st.caption(f"{session.scenario.title} · talking to {persona.name}, {persona.role}")
for role, text in log:
    with st.chat_message(role, avatar=":material/person:" if role == "assistant" else None):
        st.markdown(critique_view.escape(text))

if session.report is not None:
    critique_view.show(session.report, key=session.record.id)
    if st.button("Practise again", icon=":material/replay:"):
        del st.session_state["practice"]
        st.rerun()
    st.stop()

if session.pending is not None and not session.ended:
    # A resumed call, or a reply that was cut off: she answers the last turn first.
    with st.chat_message("assistant", avatar=":material/person:"):
        try:
            answer = resources.queued(session.answer_pending(), settings.model)
            log.append(("assistant", str(st.write_stream(answer))))
        except CandorError as exc:
            st.error(f"{exc}\n\nYour words are saved; reload the page to try again.")
            st.stop()
if session.ended:
    st.info(f"{persona.name} ended the call.")
elif (prompt := st.chat_input(f"Say something to {persona.name}")) and prompt.strip():
    try:
        stream = session.send(prompt)  # stores your turn, or refuses it before anything is kept
    except CandorError as exc:
        st.warning(f"{exc} Nothing was sent.")
    else:
        log.append(("user", prompt.strip()))
        with st.chat_message("user"):
            st.markdown(critique_view.escape(prompt.strip()))
        with st.chat_message("assistant", avatar=":material/person:"):
            try:
                reply = st.write_stream(resources.queued(stream, settings.model))
                log.append(("assistant", str(reply)))
            except CandorError as exc:
                st.error(f"{exc}\n\nYour words are saved; reload the page to hear her answer.")
        if session.ended:
            st.rerun()

if st.button("End the call and see my critique", icon=":material/call_end:"):
    with st.spinner("Reading the call…"):
        try:
            session.end(personal_code=st.session_state.get("personal_code", []))
        except CandorError as exc:
            st.error(f"{exc}\n\nThe call is saved; try the critique again.")
            st.stop()
    st.rerun()
