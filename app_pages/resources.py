"""Resources shared by every page and every user, held in ``st.cache_resource``."""

from __future__ import annotations

from collections.abc import Iterator

import streamlit as st

from coach.config import ModelSettings, db_url
from coach.store import Store
from coach.store.db import LOCAL_USER


def store() -> Store:
    """The database named by the settings (opened and migrated once per process), scoped to
    the signed-in user, or to the single local user when login is off."""
    return _store(db_url()).for_user(st.session_state.get("user_id") or LOCAL_USER)


@st.cache_resource(show_spinner="Opening the database…")
def _store(url: str) -> Store:
    return Store(url)


@st.cache_resource(show_spinner="Preparing the model (the first time takes a few seconds)…")
def ready_model(settings: ModelSettings) -> ModelSettings:
    """Check the model settings and load a built-in model, once per process."""
    from coach import llm

    llm.prepare(settings)
    return settings


def knowledge_ready() -> None:
    """The built-in principles indexed, once per process and index location."""
    from coach import config

    _knowledge_ready(config.chroma_url() or str(config.home_dir()))


@st.cache_resource(show_spinner="Indexing the principles (the first time takes a few seconds)…")
def _knowledge_ready(location: str) -> bool:
    import knowledge

    knowledge.ensure_principles()
    return True


def queued(stream: Iterator[str], model: str) -> Iterator[str]:
    """``stream``, with a notice while the built-in model is busy with other conversations."""
    from coach.llm.runtime import queue_depth

    ahead = queue_depth(model)
    notice = st.empty()
    if ahead:
        notice.info(
            f"The built-in model is answering {ahead} other conversation"
            f"{'s' if ahead > 1 else ''}; you are next in the queue.",
            icon=":material/hourglass_top:",
        )
    for number, piece in enumerate(stream):
        if number == 0:
            notice.empty()
        yield piece
    notice.empty()
