"""Settings: which model, which keys are present, and your own rules."""

from __future__ import annotations

import os
import time

import streamlit as st

from coach.config import ModelSettings
from coach.errors import CandorError
from coach.llm import builtin
from coach.redact import redact_url

KEY_VARS = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "GEMINI_API_KEY",
    "MISTRAL_API_KEY",
    "GROQ_API_KEY",
    "OPENROUTER_API_KEY",
)
OTHER = "Another model (any litellm model string)"

st.title("Settings")
current: ModelSettings = st.session_state.model_settings

st.subheader("Model")
builtins = [m.model_string for m in builtin.BUILTIN_MODELS.values()]
options = builtins + [OTHER]
choice = st.selectbox(
    "Model",
    options,
    index=options.index(current.model) if current.model in builtins else len(builtins),
)
model = choice
if choice == OTHER:
    model = st.text_input(
        "Model string",
        value="" if current.model in builtins else current.model,
        placeholder="openai/gpt-4o-mini, ollama/llama3.1, …",
    )
shown_base = redact_url(current.api_base) or ""  # credentials in it are never shown
api_base = st.text_input(
    "API base (optional)",
    value=shown_base,
    placeholder="http://127.0.0.1:8000/v1 for vLLM or a llama.cpp server",
)
if api_base == shown_base:
    api_base = current.api_base or ""
fallback = st.text_input(
    "Fallback model (optional)",
    value=current.fallback or "",
    placeholder="local/qwen2.5-1.5b-instruct",
    help="Answers when the model above fails before it has said anything.",
)
redact = st.toggle(
    "Redact secrets before sending text to a remote model",
    value=current.redact,
    help="API keys, tokens, passwords and card numbers in pasted transcripts are replaced "
    "with a marker. The built-in models never send anything anywhere.",
)
left, right = st.columns(2)
if left.button("Use this model", type="primary"):
    from coach import llm

    candidate = ModelSettings.from_env(model, api_base, fallback, redact)
    try:
        llm.check(candidate)
    except CandorError as exc:
        st.error(f"{exc}\n\nThe current model stays {current.model}.")
    else:
        st.session_state.model_settings = candidate
        st.success(f"Now using {candidate.model}.")
if right.button("Test connection"):
    from coach import llm

    started = time.perf_counter()
    try:
        reply = llm.complete(
            [{"role": "user", "content": "Reply with the single word: ok"}],
            st.session_state.model_settings,
            max_tokens=5,
        )
    except CandorError as exc:
        st.error(f"{exc}\n\nCheck the model string, the API base and the key.")
    else:
        st.success(
            f"{st.session_state.model_settings.model} answered "
            f"{reply.text.strip()!r} in {time.perf_counter() - started:.1f} s."
        )

st.subheader("API keys")
st.caption(
    "Keys come from the environment or .streamlit/secrets.toml. Candor never stores or "
    "shows them; only whether each is set."
)
for var in KEY_VARS:
    st.markdown(f"- `{var}`: {'set' if os.environ.get(var) else 'not set'}")

st.subheader("Your own rules")
rules = st.text_area(
    "Things you don't do, one per line; the critique checks them",
    value="\n".join(st.session_state.get("personal_code", [])),
    placeholder="I don't discount more than 10%",
)
st.session_state.personal_code = [ln.strip() for ln in rules.splitlines() if ln.strip()]
