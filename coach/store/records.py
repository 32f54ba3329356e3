"""The rows Candor stores, as typed records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Role = Literal["system", "user", "assistant"]
TurnStatus = Literal["complete", "incomplete"]


@dataclass(frozen=True)
class SessionRecord:
    """One conversation: a chat, a practice call or an imported real call."""

    id: str
    kind: str
    title: str
    model: str | None
    api_base: str | None
    created_at: datetime
    updated_at: datetime
    persona_id: str | None = None
    scenario_id: str | None = None
    outcome: dict[str, Any] | None = None
    """How a practice call ended: ``{"decision": ..., "ended_by": ...}``."""


@dataclass(frozen=True)
class TurnRecord:
    """One message in a session, numbered from 1 within it."""

    id: int
    session_id: str
    seq: int
    role: Role
    text: str
    speaker: str | None = None
    model: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    ttft_ms: int | None = None
    latency_ms: int | None = None
    status: TurnStatus = "complete"
    created_at: datetime | None = None
    events: dict[str, Any] = field(default_factory=dict)
    """What the director read and decided on this turn (practice calls)."""

    def as_message(self) -> dict[str, str]:
        """The turn as a chat message for a model."""
        return {"role": self.role, "content": self.text}
