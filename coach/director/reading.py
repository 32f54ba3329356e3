"""Read a user turn: what kind of move it is, deterministically.

Rules (patterns) catch the unmistakable moves: questions, pressure, manipulation, walking away.
The embedding model measures how close the turn is to the persona's hidden-fact topics, her
objections and the offer's limitations, so that a fact is earned by a question genuinely
about it, not by a keyword.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from coach import moves

_OPEN = re.compile(
    r"^\s*(what|how|why|where|who|which|when|tell me|describe|walk me through|talk me through|"
    r"help me understand|could you (tell|describe|walk|explain)|can you (tell|describe|walk|"
    r"explain)|would you (tell|describe|explain)|i'?d love to hear|i'm curious)",
    re.I,
)
_CLOSED = re.compile(
    r"^\s*(is|are|do|does|did|can|could|would|will|have|has|had|should|shall|was|were|may)\b",
    re.I,
)
_ASK = re.compile(
    r"\?|^\s*(tell me|describe|walk me through|talk me through|help me understand)", re.I | re.M
)

_MANIPULATION = re.compile(
    r"ignore (all |any |your |the )?(previous |prior |above )?(instructions|rules|prompt)|"
    r"disregard (your|the|all) |forget (your|all|the) (instructions|rules|role)|"
    r"\bsystem\s*:|<\s*/?\s*system\s*>|\[/?(inst|system)\]|<\|im_start\|>|###\s*instruction|"
    r"pretend (you are|you're|to be)|you are now\b|act as (an? )?(ai|assistant|chatbot|model|"
    r"developer|system)|roleplay as|"
    r"(print|show|reveal|repeat|tell me|output|dump|display|leak)\s+(me\s+)?(your|the)\s+"
    r"(system |hidden |secret |initial |original )?(prompt|instructions|rules|facts|card|"
    r"secrets?|notes)|"
    r"developer mode|jailbreak|\bDAN\b|base64|rot13|hidden facts?|ground truth|"
    r"as an ai|you('re| are) (an? )?(ai|language model|llm|bot|chatbot)|"
    r"what (are|were) you told|what does your (card|prompt) say|director",
    re.I,
)
_DISCLOSE = re.compile(
    r"\b(i|we) (don'?t|do not|can'?t|cannot|won'?t|haven'?t|have not|never) |"
    r"\b(doesn'?t|does not|isn'?t|is not) (include|cover|support|offer)|\blimitation|"
    r"\bto be (honest|upfront|transparent)|\bone thing you should know|\bthe catch\b|"
    r"\bdownside\b|\bheads[- ]up\b|\bi should (tell|mention|say)",
    re.I,
)
_PITCH = re.compile(
    r"\b(we offer|i offer|our (service|product|plan|package|team|solution|platform)|"
    r"my (service|product|package|program|programme)|i can help you|we can help you|"
    r"(sign|signing) up|you('ll| will) (love|get|save)|the best|guarantee|best in|"
    r"i('m| am) (great|excellent|perfect|the best)|i bring|my experience (with|in))",
    re.I,
)
_CLAIM = re.compile(
    r"\b(guarantee[ds]?|always|never fails|100 ?%|double|triple|every (client|customer)|"
    r"no one else|best in|instantly|overnight|zero risk|risk[- ]free)\b",
    re.I,
)
_CLOSE = re.compile(
    r"\b(shall we|can we|should we|would you like to|are you ready to|ready to) "
    r"(sign|start|get started|move forward|go ahead|book|set up|schedule|proceed|begin)|"
    r"\b(do we have a deal|is that a yes|will you (sign|buy|join|accept|take)|"
    r"(next step|next steps)\??$|would you (accept|take) (the|an|this) (offer|job|role|position)|"
    r"can i (send|book) (you|the) (contract|agreement|proposal|offer))",
    re.I,
)


@dataclass
class Reading:
    """What a user turn does, as the director sees it."""

    text: str
    question: bool = False
    open_question: bool = False
    closed_question: bool = False
    pitch: bool = False
    claim: bool = False
    discloses: list[str] = field(default_factory=list)
    """Offer limitations the turn discloses."""
    pressure: list[str] = field(default_factory=list)
    """``false_urgency``, ``pushed_after_no``, ``dismissed_concern``."""
    walk_away: bool = False
    referral: bool = False
    asks_decision: bool = False
    manipulation: bool = False
    topics: dict[str, float] = field(default_factory=dict)
    """Hidden-fact id → closeness of the turn to that fact's topics (0..1)."""
    addresses: list[str] = field(default_factory=list)
    """Objection ids the turn speaks to."""

    def as_event(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("text")
        data["topics"] = {k: round(v, 3) for k, v in self.topics.items()}
        return data


def read_rules(text: str, *, after_no: bool, open_concerns: bool) -> Reading:
    """The rule-based part of a reading; similarity fields are filled in by the director."""
    reading = Reading(text=text)
    lines = [ln for ln in re.split(r"(?<=[.!?])\s+|\n", text) if ln.strip()]
    reading.question = bool(_ASK.search(text))
    reading.open_question = any(_OPEN.match(ln) for ln in lines) and reading.question
    reading.closed_question = (
        reading.question and not reading.open_question and any(_CLOSED.match(ln) for ln in lines)
    )
    reading.manipulation = bool(_MANIPULATION.search(text))
    reading.walk_away = bool(moves.WALK_AWAY.search(text))
    reading.referral = bool(moves.REFERRAL.search(text))
    reading.asks_decision = bool(_CLOSE.search(text))
    reading.pitch = bool(_PITCH.search(text)) and not reading.walk_away
    reading.claim = bool(_CLAIM.search(text))
    if moves.URGENCY.search(text):
        reading.pressure.append("false_urgency")
    if after_no and (moves.PUSH.search(text) or reading.asks_decision or reading.pitch):
        reading.pressure.append("pushed_after_no")
    if open_concerns and moves.DISMISS.search(text):
        reading.pressure.append("dismissed_concern")
    reading.discloses = ["(stated)"] if _DISCLOSE.search(text) else []
    return reading
