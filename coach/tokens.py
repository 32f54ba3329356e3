"""Offline token counting with tiktoken, for chunking and budgets outside the model gateway.

tiktoken downloads its encodings on first use unless ``TIKTOKEN_CACHE_DIR`` points at a copy.
litellm ships one; we point tiktoken at it without importing litellm (which takes seconds).
"""

from __future__ import annotations

import importlib.util
import os
from functools import cache
from pathlib import Path

import tiktoken

from coach.errors import ConfigError

ENCODING = "cl100k_base"


def _bundled_cache_dir() -> Path | None:
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "litellm_core_utils" / "tokenizers"
    return path if path.is_dir() else None


@cache
def encoding() -> tiktoken.Encoding:
    """The tiktoken encoding, loaded from the bundled offline copy."""
    if "TIKTOKEN_CACHE_DIR" not in os.environ and (bundled := _bundled_cache_dir()):
        os.environ["TIKTOKEN_CACHE_DIR"] = str(bundled)
    try:
        return tiktoken.get_encoding(ENCODING)
    except Exception as exc:  # tiktoken raises requests/OS errors when it cannot fetch
        raise ConfigError(
            f"The tokenizer '{ENCODING}' is not available offline ({exc}); "
            "reinstall with 'make install'."
        ) from exc


def count(text: str) -> int:
    """Number of tokens in ``text``."""
    return len(encoding().encode(text, disallowed_special=()))
