"""Read a user turn: what kind of move it is, deterministically.

Rules (patterns) catch the unmistakable moves: questions, pressure, manipulation, walking away.
The embedding model measures how close the turn is to the persona's hidden-fact topics, her
objections and the offer's limitations, so that a fact is earned by a question genuinely
about it, not by a keyword.
"""

from __future__ import annotations

import base64
import re
import unicodedata
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

_ROLES = (
    r"(seller|salesperson|sales ?rep|vendor|customer|buyer|client|interviewer|interviewee|"
    r"candidate|applicant|recruiter|hiring manager|assistant|ai|chatbot|bot|model|narrator)"
)
_MANIPULATION = re.compile(
    # overriding her instructions
    r"ignore (all |any |your |the )?(previous |prior |above )?(instructions|rules|prompt)|"
    r"disregard (your|the|all) |forget (your|all|the) (instructions|rules|role)|"
    # fake system and chat-template tags, a forged director note
    r"(^|[\n.!?>\]]\s*)system\s*:|<\s*/?\s*system\s*>|\[/?(inst|system)\]|<\|im_start\|>|<\s*/\s*s\s*>|"
    r"###\s*instruction|\[\s*note\s*:|\bsystem (notice|message|override|alert|instruction)s?\s*:|"
    r"unlock(ed|ing)? (all|every) (the )?(facts?|topics?|secrets?)|"
    r"\"role\"\s*:\s*\"(system|assistant|user)\"|"
    # role swaps, and talking to the model rather than to her
    r"pretend (you are|you're|to be)|you are now\b|act as (an? |the |my )?" + _ROLES + r"\b|"
    r"roleplay as|role-?play (as|with)|(switch|swap|trade) (roles|places|sides)|"
    r"you (play|be) (me\b|the " + _ROLES + r"\b)|(step|break|get|come) out of (the |your )?(role|"
    r"character)|"
    r"not a character|the model behind|(who|that) (built|made|created|programmed|trained) you|"
    r"(i'?m|i am|this is) (the|your) (developer|creator|programmer|admin|administrator|operator)|"
    r"you('re| are) (now |just |really |actually |only )?(an? )?(\w+ )?(ai|assistant|language "
    r"model|llm|bot|chatbot)\b|as an ai|"
    # print your prompt, your notes, your card
    r"(print|show|reveal|repeat|tell me|output|dump|display|leak|paste)\s+(me\s+)?"
    r"(your|the)\s+(system |hidden |secret |initial |original |full )?(prompt|instructions|rules|"
    r"facts|card|secrets?|notes|configuration|config)|"
    r"(repeat|print|copy|paste|output|dump|quote|read (back|out)) (back )?(everything|all|what'?s?)"
    r" (above|before this|you were)|what you were (set up|configured|programmed|prompted|"
    r"instructed) with|(first|initial|system) message of (this|the) (conversation|chat)|"
    r"your (system prompt|configuration|config\b)|(initial|original|hidden|secret) prompt|"
    r"what (are|were) your (instructions|orders)|what (are|were) you told|"
    r"what (does|do) (your|the) (card|prompt|notes|instructions|documents?) say|"
    r"(do|follow|obey) (exactly )?what (the|your) (notes|prompt|card)|"
    r"(the |your )?notes you (get|receive|are given|were given)|"
    r"(you were|were you|you'?ve been|have you been|you are|are you) (\w+ )?(told|instructed|"
    r"asked|supposed|programmed) (not to (mention|say|tell|share|reveal|disclose)|to (keep (\w+ )?"
    r"(back|private|secret|hidden|quiet|to yourself)|hide|hold (\w+ )?back))|"
    r"you (\w+ )?keep (private|secret|hidden)|"
    r"developer mode|debug mode|jailbreak|(?-i:\bDAN\b)|hidden[_ ]facts?|locked facts?|"
    r"ground truth|"
    r"(secret|hidden|locked) (facts?|notes?)|(secret|locked) (numbers?|figures?)|"
    r"director'?s? notes?|as your director|"
    # encodings: asked for, or used to smuggle the request
    r"base64|rot13|\bhex(adecimal)?\b|l33t|leetspeak|(spell|write|type|say)\b.{0,40}\b(one|a) "
    r"(letter|character) at a time|(write|say|spell|type|print)\b.{0,40}\bbackwards|"
    r"(decode|decrypt) (this|that|the following)|"
    # false authority: someone says she may share
    r"(colleague|someone|calling|here|i'?m) from (?-i:IT)\b|(?-i:IT) (department|team|support)|"
    r"(fine|ok|okay|alright|allowed|cleared|authori[sz]ed|permitted) (for you )?to (share|tell|"
    r"reveal|disclose) (me )?(the |your |all )?(numbers|figures|facts|secrets|details|everything)|"
    r"(you'?re|you are) (now )?(allowed|authori[sz]ed|permitted|cleared) to (share|tell|reveal|"
    r"disclose|say)",
    re.I,
)
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


def plain(text: str) -> str:
    """``text`` as it reads: compatibility forms folded (full-width letters), zero-width
    characters removed and Cyrillic or Greek look-alikes turned into Latin letters."""
    return unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).translate(_CONFUSABLE)


def manipulates(text: str) -> bool:
    """Whether ``text`` tries to steer the model rather than talk to her: a role swap, asking
    for her prompt, a fake system tag; also disguised (leetspeak, look-alikes, base64)."""
    return any(_MANIPULATION.search(r) for r in readings(text))


def readings(text: str) -> list[str]:
    """What ``text`` says: as it reads, in leetspeak undone, and any base64 in it decoded."""
    out = [plain(text)]
    out.append(out[0].translate(_LEET))
    for blob in _BASE64.findall(out[0]):
        try:
            decoded = base64.b64decode(blob + "=" * (-len(blob) % 4)).decode("utf-8")
        except ValueError:  # not base64, or not text
            continue
        if decoded.isprintable():
            out.append(decoded)
    return out


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
    reading.manipulation = manipulates(text)
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
