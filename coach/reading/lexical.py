"""What is truly lexical about a line: how it is written, not what it means.

Zero-width and look-alike characters are folded, leetspeak is undone and base64 is decoded, so
the reader reads what the line says; chat-template markup and forged role tags are recognised
as what they are, text aimed at the model's prompt format.
"""

from __future__ import annotations

import base64
import re
import unicodedata

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\ufeff\u00ad"))
# Cyrillic and Greek letters that look like Latin ones
_CONFUSABLE = str.maketrans(
    "\u0410\u0412\u0415\u0405\u0406\u0408\u041a\u041c\u041d\u041e\u0420\u0421\u0422"
    "\u0425\u0423\u0430\u0435\u0456\u0458\u043e\u0440\u0441\u0445\u0443\u0455"
    "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5"
    "\u03a7\u03b1\u03bf\u03b9\u03ba\u03bd\u03c1\u03c4\u03c5\u03c7",
    "ABESIJKMHOPCTXYaeijopcxysABEZHIKMNOPTYXaoikvptux",
)
_LEET = str.maketrans("4@310$57", "aaeiosst")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
MARKUP = re.compile(
    r"<\|im_(start|end)\|>|<\|(system|user|assistant|endoftext|eot_id)\|>|<\s*/?\s*system\s*>|"
    r"\[/?(INST|SYS|SYSTEM)\]|<<\s*/?SYS\s*>>|<\s*/\s*s\s*>|^\s*#{2,}\s*(instruction|system)\b|"
    r"\"role\"\s*:\s*\"(system|assistant|user)\"|(^|[\n.!?>\]]\s*)(system|assistant)\s*:",
    re.I | re.M,
)
"""Chat-template tokens and role headers: the markup of a prompt, never of speech."""


def plain(text: str) -> str:
    """``text`` as it reads: compatibility forms folded (full-width letters), zero-width
    characters removed and Cyrillic or Greek look-alikes turned into Latin letters."""
    return unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).translate(_CONFUSABLE)


def variants(text: str) -> list[str]:
    """What ``text`` may say: as it reads, with leetspeak undone (when that changes it), and
    any base64 in it decoded."""
    out = [plain(text)]
    unleet = out[0].translate(_LEET)
    if unleet != out[0] and re.search(r"[a-z][0-9@$][a-z]", out[0], re.I):
        out.append(unleet)
    for blob in _BASE64.findall(out[0]):
        try:
            decoded = base64.b64decode(blob + "=" * (-len(blob) % 4)).decode("utf-8")
        except ValueError:  # not base64, or not text
            continue
        if decoded.isprintable() and decoded.strip():
            out.append(decoded)
    return out


def has_markup(text: str) -> bool:
    """Whether ``text`` carries chat-template markup or a forged role header."""
    return any(MARKUP.search(v) for v in variants(text))
