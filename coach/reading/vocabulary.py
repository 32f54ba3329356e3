"""The moves the reader knows, on each side of the table (defined in ``LABELS.md``)."""

from __future__ import annotations

from typing import Literal, get_args

Side = Literal["user", "other"]
Role = Literal["seller", "candidate", "interviewer"]

UserMove = Literal[
    "open_question",
    "closed_question",
    "pitch",
    "claim",
    "disclosed_limitation",
    "false_urgency",
    "pushed_after_no",
    "dismissed_concern",
    "accepted_no",
    "walk_away",
    "referral",
    "recommend",
    "asks_decision",
    "demand",
    "manipulation",
]
OtherMove = Literal["clear_no", "concern", "need", "yes", "question"]

USER_MOVES: tuple[str, ...] = get_args(UserMove)
OTHER_MOVES: tuple[str, ...] = get_args(OtherMove)
MOVES: dict[str, tuple[str, ...]] = {"user": USER_MOVES, "other": OTHER_MOVES}

AFTER_NO: tuple[str, ...] = ("pushed_after_no", "accepted_no")
"""Moves that exist only after the other side said no."""
AFTER_CONCERN: tuple[str, ...] = ("dismissed_concern",)
"""Moves that exist only right after the other side voiced a concern."""
ROLES: tuple[str, ...] = get_args(Role)
