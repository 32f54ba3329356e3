"""A plain chat with a model, stored turn by turn. The CLI and the UI both drive this.

The user's turn is committed to the database before the model is called, so it survives a
failed or crashed call. The model's reply is stored when its stream ends, with token counts,
timings and the model that actually answered (the fallback, if the configured one failed). A
stream that breaks off stores what arrived, marked ``incomplete``: it is shown, but never sent
back to the model as if it had been said. After a failure, :meth:`ChatSession.resend` asks
again for the last user turn without storing it twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from coach.config import ModelSettings
from coach.errors import InputError, user_message
from coach.store import SessionRecord, Store, TurnRecord

if TYPE_CHECKING:
    from coach.llm import gateway as llm_types

DEFAULT_SYSTEM_PROMPT = (
    "You are Candor, a calm assistant for people who practise honest selling and interviewing. "
    "Answer plainly and briefly."
)

MAX_MESSAGE_CHARS = 20_000


@dataclass
class ChatSession:
    """One stored conversation with one model."""

    store: Store
    record: SessionRecord
    settings: ModelSettings
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    turns: list[TurnRecord] = field(default_factory=list)

    @classmethod
    def start(
        cls,
        store: Store,
        settings: ModelSettings,
        title: str = "",
        system_prompt: str = DEFAULT_SYSTEM_PROMPT,
    ) -> ChatSession:
        """A new session, stored before anything is said."""
        record = store.create_session(
            kind="chat", title=title, model=settings.model, api_base=settings.api_base
        )
        return cls(store, record, settings, system_prompt)

    @classmethod
    def resume(cls, store: Store, session_id: str, settings: ModelSettings) -> ChatSession:
        """An existing session with its stored turns."""
        record = store.session(session_id)
        return cls(store, record, settings, turns=store.turns_of(session_id))

    def messages(self) -> list[dict[str, str]]:
        """The prompt for the next reply: the system prompt and every complete stored turn (a
        reply that broke off is kept in the session, but not put in the model's mouth)."""
        return [{"role": "system", "content": self.system_prompt}] + [
            t.as_message() for t in self.turns if t.status == "complete"
        ]

    @property
    def can_resend(self) -> bool:
        """Whether the last user turn has no complete reply (the call failed or broke off)."""
        for turn in reversed(self.turns):
            if turn.status != "complete":
                continue
            return turn.role == "user"
        return False

    def send(self, text: str, **params: object) -> Iterator[str]:
        """Store the user's message, then return the model's reply as a stream of text.

        The model's settings are checked and the message validated (:class:`InputError` for an
        empty or oversized one) before anything is stored. The reply is stored when the stream
        ends; a stream that breaks stores what arrived, marked ``incomplete``, and re-raises.
        """
        from coach import llm  # imported here: litellm takes seconds to import

        text = user_message(text, MAX_MESSAGE_CHARS)
        llm.check(self.settings)
        self.turns.append(self.store.add_turn(self.record.id, "user", text))
        return self._reply(llm.stream_chat(self.messages(), self.settings, **params))

    def resend(self, **params: object) -> Iterator[str]:
        """Ask the model again for the last user turn, after a failed or broken-off reply.

        Nothing new is stored before the model answers: the user turn is already there, and a
        broken-off reply stays as it was, marked ``incomplete`` and left out of the prompt.
        :class:`InputError` if the last user turn already has its reply.
        """
        from coach import llm

        if not self.can_resend:
            raise InputError("There is nothing to send again: the last message has its reply.")
        llm.check(self.settings)
        return self._reply(llm.stream_chat(self.messages(), self.settings, **params))

    def _reply(self, stream: llm_types.ChatStream) -> Iterator[str]:
        received: list[str] = []
        try:
            for piece in stream:
                received.append(piece)
                yield piece
        except BaseException:
            # A provider failure, or the reader stopped (a page rerun): keep what arrived,
            # marked incomplete. The user's turn is already stored; resend() asks again.
            if received:
                self.turns.append(
                    self.store.add_turn(
                        self.record.id,
                        "assistant",
                        "".join(received),
                        model=stream.model,
                        status="incomplete",
                    )
                )
            raise
        reply = stream.reply
        assert reply is not None
        events: dict[str, object] = {}
        if reply.fell_back:
            events["fallback"] = {"from": self.settings.model, "reason": reply.fallback_reason}
        if reply.attempts > 1:
            events["attempts"] = reply.attempts
        if reply.redacted:
            events["redacted"] = reply.redacted
        self.turns.append(
            self.store.add_turn(
                self.record.id,
                "assistant",
                reply.text,
                model=reply.model,
                prompt_tokens=reply.prompt_tokens,
                completion_tokens=reply.completion_tokens,
                ttft_ms=None if reply.ttft_s is None else round(reply.ttft_s * 1000),
                latency_ms=round(reply.latency_s * 1000),
                events=events or None,
            )
        )
