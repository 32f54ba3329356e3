"""The chat page: a plain conversation with the active model."""

from __future__ import annotations

import streamlit as st

from app_pages import resources
from coach.chat import ChatSession
from coach.errors import CandorError

settings = st.session_state.model_settings

st.title("Candor")
st.caption(
    f"Active model: `{settings.model}`"
    + (f" at `{settings.api_base}`" if settings.api_base else "")
)

with st.sidebar:
    if st.button("New chat", icon=":material/add:", use_container_width=True):
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
        st.markdown(turn.text)

if prompt := st.chat_input("Write a message"):
    if chat is None:
        chat = ChatSession.start(store, settings, title=prompt[:80])
        st.session_state.chat = chat
    with st.chat_message("user"):
        st.markdown(prompt)
    with st.chat_message("assistant"):
        try:
            st.write_stream(chat.send(prompt))
        except CandorError as exc:
            st.error(f"{exc}\n\nYour message is saved; you can send it again.")
