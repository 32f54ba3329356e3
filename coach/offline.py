"""Offline hygiene: switch off every phone-home before the libraries that do it are imported.

Candor runs with no network. litellm fetches a model cost map at import unless told to use its
bundled copy; onnxruntime and chroma send telemetry unless told not to. `coach/__init__.py` calls
:func:`apply` first thing, so any entry point that imports `coach` is covered.
"""

from __future__ import annotations

import os

# setdefault: a user who deliberately sets one of these keeps her value.
OFFLINE_ENV: dict[str, str] = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LITELLM_TELEMETRY": "False",
    "ORT_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "HF_HUB_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def apply() -> None:
    """Set the offline environment variables that are not already set."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
