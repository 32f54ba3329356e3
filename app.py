"""Candor's Streamlit app: a router over the pages in ``app_pages/``.

Run it with ``make run`` (or ``streamlit run app.py``). Shared resources are prepared here once;
pages hold UI only and call the engine in ``coach``.
"""

from __future__ import annotations

import os

import streamlit as st

from coach.config import ModelSettings

st.set_page_config(page_title="Candor", page_icon="🤝", layout="centered")

# Keys may live in .streamlit/secrets.toml. They are copied into this process's environment,
# where litellm looks for them, and are never written anywhere by Candor.
try:
    for key, value in st.secrets.items():
        wanted = key.endswith("_API_KEY") or key.startswith("CANDOR_")
        if wanted and isinstance(value, str) and not os.environ.get(key):
            os.environ[key] = value
except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
    pass  # no secrets file: the environment is the only source, which is the normal case

if "model_settings" not in st.session_state:
    st.session_state.model_settings = ModelSettings.from_env()


def _login_configured() -> bool:
    """Login is on when .streamlit/secrets.toml has an [auth] section (Streamlit's OIDC)."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False


# With login on, everyone signs in and sees only her own sessions: the store is scoped to her
# user id in the storage layer (app_pages/resources.store). Without it, everything is 'local'.
if _login_configured():
    if not st.user.is_logged_in:
        st.title("Candor")
        st.write("A practice studio for honest selling and interviewing. Sign in to begin.")
        if st.button("Sign in", type="primary", icon=":material/login:"):
            st.login()
        st.stop()
    claims = st.user.to_dict()
    st.session_state.user_id = str(claims.get("sub") or claims.get("email"))
    with st.sidebar:
        st.caption(f"Signed in as {claims.get('email') or claims.get('name') or 'you'}")
        if st.button("Sign out", icon=":material/logout:"):
            st.logout()

page = st.navigation(
    [
        st.Page(
            "app_pages/practice.py",
            title="Practice",
            icon=":material/record_voice_over:",
            default=True,
        ),
        st.Page("app_pages/review.py", title="Review a call", icon=":material/fact_check:"),
        st.Page("app_pages/history.py", title="History", icon=":material/history:"),
        st.Page("app_pages/personas.py", title="Personas", icon=":material/groups:"),
        st.Page("app_pages/knowledge.py", title="Knowledge", icon=":material/menu_book:"),
        st.Page("app_pages/chat.py", title="Chat", icon=":material/chat:"),
        st.Page("app_pages/settings.py", title="Settings", icon=":material/settings:"),
    ]
)
page.run()
