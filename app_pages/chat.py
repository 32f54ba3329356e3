"""The chat page: a plain conversation with the active model."""

from __future__ import annotations

import streamlit as st

from app_pages import critique_view, resources
from coach.chat import ChatSession
from coach.errors import CandorError
from coach.redact import redact_url

settings = st.session_state.model_settings

st.title("Candor")
st.caption(
    f"Active model: `{settings.model}`"
    + (f" at `{redact_url(settings.api_base)}`" if settings.api_base else "")
)

with st.sidebar:
    if st.button("New chat", icon=":material/add:", width="stretch"):
        st.session_state.chat = None

try:
    resources.ready_model(settings)
    store = resources.store()
except CandorError as exc:
    st.error(f"{exc}\n\nChange the model with CANDOR_MODEL, then restart Candor.")
    st.stop()

chat: ChatSession | None = st.session_state.get("chat")
for turn in chat.turns if chat else []:
    with st.chat_message(turn.role):
        st.markdown(critique_view.escape(turn.text))
        if turn.status == "incomplete":
            st.caption("Cut off: this reply was interrupted.")
        if turn.events.get("fallback"):
            st.caption(f"Answered by the fallback model {turn.model}.")

if chat is not None and chat.can_resend:
    st.warning("Your last message has no complete reply; the model failed or was cut off.")
    if st.button("Send it again", icon=":material/refresh:"):
        with st.chat_message("assistant"):
            try:
                st.write_stream(resources.queued(chat.resend(), settings.model))
            except CandorError as exc:
                st.error(f"{exc}\n\nYour message is still saved; try again in a moment.")
            else:
                st.rerun()

if (prompt := st.chat_input("Write a message")) and prompt.strip():
    if chat is None:
        chat = ChatSession.start(store, settings, title=prompt.strip()[:80])
        st.session_state.chat = chat
    try:
        stream = chat.send(prompt)  # stores the message, or refuses it before anything is kept
    except CandorError as exc:
        st.warning(f"{exc} Nothing was sent.")
    else:
        with st.chat_message("user"):
            st.markdown(critique_view.escape(prompt.strip()))
        with st.chat_message("assistant"):
            try:
                st.write_stream(resources.queued(stream, settings.model))
            except CandorError as exc:
                st.error(f"{exc}\n\nYour message is saved; you can send it again.")
