"""Turn the outside corpora in ``../shared/data/dialogues`` into reader data files.

``candor reader import`` writes ``data/sources/persuasionforgood.jsonl`` and
``data/sources/casino.jsonl``; the mappings are written down in ``LABELS.md``. Each converted
turn keeps its ``scope``: the moves its source's labels can tell. Both corpora are used under
their licences (PersuasionForGood: Apache-2.0, Wang et al., ACL 2019; CaSiNo: CC BY 4.0,
Chawla et al., NAACL 2021).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from coach.reading.dataset import DATA

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "dialogues"

_REFUSAL = {"disagree-donation", "disagree-donation-more"}
_PUSH = {
    "proposition-of-donation",
    "ask-donation-amount",
    "ask-donate-more",
    "foot-in-the-door",
    "logical-appeal",
    "emotion-appeal",
    "credibility-appeal",
    "self-modeling",
    "personal-story",
    "donation-information",
}
_ACCEPT = {
    "acknowledgement",
    "thank",
    "closing",
    "greeting",
    "praise-user",
    "you-are-welcome",
    "other",
}
_ASK_DECISION = {"proposition-of-donation", "ask-donation-amount", "ask-donate-more"}
_PERSUADEE_QUESTION = {
    "ask-org-info",
    "ask-donation-procedure",
    "task-related-inquiry",
    "personal-related-inquiry",
    "ask-persuader-donation-intention",
}


def persuasion(dialogue: dict[str, Any]) -> dict[str, Any]:
    """One PersuasionForGood dialogue: the persuader is the user, in the role of a seller."""
    turns: list[dict[str, Any]] = []
    refused = False
    for t in dialogue["turns"]:
        labels = {lab for s in t["sentences"] for lab in s["labels"]}
        text = str(t["text"]).strip()
        if not text:
            continue
        if t["speaker"] == "persuadee":
            moves, scope = [], ["clear_no", "concern", "yes", "question"]
            if labels & _REFUSAL:
                moves.append("clear_no")
            elif "negative-reaction-to-donation" in labels:
                scope.remove("clear_no")  # a soft no or a worry: the labels do not say which
            if "negative-reaction-to-donation" in labels:
                moves.append("concern")
            if "agree-donation" in labels:
                moves.append("yes")
            elif "provide-donation-amount" in labels:
                scope.remove("yes")  # "$0" is an amount too
            if labels & _PERSUADEE_QUESTION:
                moves.append("question")
            turns.append({"side": "other", "text": text, "moves": moves, "scope": scope})
            refused = bool(labels & _REFUSAL)
            continue
        if refused:
            if labels & _PUSH:
                moves = ["pushed_after_no"]
            elif labels <= _ACCEPT:
                moves = ["accepted_no"]
            else:
                moves = []
            scope = ["pushed_after_no", "accepted_no"] if moves else []
        else:
            moves = ["asks_decision"] if labels & _ASK_DECISION else []
            scope = ["asks_decision"]
        turns.append({"side": "user", "text": text, "moves": moves, "scope": scope})
        refused = False
    return {
        "id": f"p4g-{dialogue['id']}",
        "source": "persuasionforgood",
        "domain": "persuasion",
        "user_role": "seller",
        "turns": turns,
    }


_NEED = {"self-need", "other-need"}
_DEALS = {"Submit-Deal", "Accept-Deal", "Reject-Deal", "Walk-Away"}


def negotiation(dialogue: dict[str, Any], me: str) -> dict[str, Any]:
    """One CaSiNo negotiation read with ``me`` as the user (each dialogue is read both ways)."""
    turns: list[dict[str, Any]] = []
    for t in dialogue["turns"]:
        text = str(t.get("text") or "").strip()
        if not text or text in _DEALS:
            continue
        labels = {s.strip() for s in str(t.get("strategy") or "").split(",") if s.strip()}
        if t["speaker"] == me:
            moves = ["dismissed_concern"] if "uv-part" in labels else []
            turns.append(
                {"side": "user", "text": text, "moves": moves, "scope": ["dismissed_concern"]}
            )
        else:
            moves = ["need"] if labels & _NEED else []
            turns.append({"side": "other", "text": text, "moves": moves, "scope": ["need"]})
    return {
        "id": f"casino-{dialogue['id']}-{me}",
        "source": "casino",
        "domain": "negotiation",
        "user_role": "seller",
        "turns": turns,
    }


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            yield json.loads(line)


def write(shared: Path = SHARED, out: Path = DATA / "sources") -> dict[str, int]:
    """Convert both corpora; returns the number of dialogues written per file."""
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    p4g = [persuasion(d) for d in _lines(shared / "persuasionforgood_300.jsonl")]
    casino = [
        negotiation(d, me)
        for d in _lines(shared / "casino_annotated_150.jsonl")
        for me in sorted({t["speaker"] for t in d["turns"]})
    ]
    for name, dialogues in (("persuasionforgood", p4g), ("casino", casino)):
        path = out / f"{name}.jsonl"
        path.write_text(
            "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in dialogues), encoding="utf-8"
        )
        written[path.name] = len(dialogues)
    return written
