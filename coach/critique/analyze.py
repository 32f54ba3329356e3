"""Deterministic analyzers: rules plus the embedding model, fast and explainable.

Each returns raw observations (turn, quote, kind, why); :mod:`coach.critique.engine` attaches
principles and suggestions and checks every quote against the transcript.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from coach import moves as pt
from coach.critique.own_words import own_words
from coach.critique.transcript import Transcript, Turn

NEED_LIMIT_SIMILARITY = 0.42
"""How close the other side's stated need must be to a limitation for it to bear on it."""
DISCLOSE_SIMILARITY = 0.45
CLAIM_LIMIT_SIMILARITY = 0.45

Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Observation:
    kind: str
    turn: int
    quote: str
    why: str
    limitation: str | None = None


def _first(turn: Turn, pattern: re.Pattern[str]) -> str | None:
    """The first sentence of ``turn`` that matches ``pattern``."""
    return next((s for s in turn.sentences() if pattern.search(s)), None)


def pressure(t: Transcript) -> list[Observation]:
    """False urgency, pushing after a clear no, and brushing off a stated concern."""
    found: list[Observation] = []
    said_no = False
    heard: list[Turn] = []
    """Their turns since my last one: a third speaker's line in between (another person, or
    text injected into the transcript) does not hide the concern she voiced."""
    for turn in t.turns:
        if turn.speaker != t.me:
            said_no = said_no or bool(pt.CLEAR_NO.search(turn.text))
            heard.append(turn)
            continue
        previous = next((h for h in reversed(heard) if pt.CONCERN.search(h.text)), None)
        heard = []
        if quote := _first(turn, pt.URGENCY):
            found.append(Observation("pressure", turn.number, quote, "false urgency"))
        if said_no:
            push = _first(turn, pt.PUSH) or _first(turn, pt.RECOMMEND) or _first(turn, pt.URGENCY)
            if push and not (pt.ACCEPTS_NO.search(turn.text) and not pt.PUSH.search(turn.text)):
                found.append(
                    Observation(
                        "pushed_after_no", turn.number, push, "kept pushing after a clear no"
                    )
                )
            elif pt.ACCEPTS_NO.search(turn.text):
                quote = _first(turn, pt.ACCEPTS_NO) or turn.sentences()[0]
                found.append(Observation("respected_no", turn.number, quote, "accepted the no"))
                said_no = False
        if previous is not None and (quote := _first(turn, pt.DISMISS)):
            found.append(
                Observation(
                    "dismissed_concern",
                    turn.number,
                    quote,
                    f"brushed off: {previous.text[:80]}",
                )
            )
    return found


@dataclass
class Limits:
    """The offer's limitations and their embeddings."""

    texts: list[str]
    vectors: np.ndarray

    @classmethod
    def from_facts(cls, facts: str, embed: Embed) -> Limits:
        texts = limitations(facts)
        # "No payroll" is about payroll: compare what the limit concerns, not its negation
        topics = [_LIMIT_PREFIX.sub("", t) or t for t in texts]
        return cls(texts, embed(topics) if texts else np.zeros((0, 384), np.float32))


_LIMIT_PREFIX = re.compile(
    r"^(no|not|never|without|doesn'?t|does not|don'?t|do not|can'?t|cannot|won'?t|isn'?t|"
    r"aren'?t|there is no|there are no|we don'?t|i don'?t|i have no|i'?ve never|i have never|"
    r"we have no|has no|have no|no one|nobody)\b[\s,:-]*",
    re.I,
)


def limitations(facts: str) -> list[str]:
    """The bullet points under a ``Limitations`` heading (or lines saying what is not offered)."""
    items: list[str] = []
    in_section = False
    for line in facts.splitlines():
        if re.match(r"^\s*#+\s", line):
            in_section = bool(
                re.search(
                    r"limitation|what (we|i) (don'?t|do not)|not included|"
                    r"gaps?|won'?t",
                    line,
                    re.I,
                )
            )
            continue
        bullet = re.match(r"^\s*[-*]\s+(.+)", line)
        if bullet and in_section:
            items.append(bullet.group(1).strip())
    return items


def disclosure(t: Transcript, limits: Limits, embed: Embed) -> list[Observation]:
    """Needs the other side stated that a limitation bears on, and whether me disclosed it."""
    if not limits.texts:
        return []
    found: list[Observation] = []
    mine = [(turn, s) for turn in t.mine() for s in turn.sentences()]
    my_vectors = embed([s for _, s in mine]) if mine else np.zeros((0, 384), np.float32)
    disclosed: dict[int, tuple[Turn, str]] = {}
    for i, (turn, sentence) in enumerate(mine):
        if not (_negated(sentence) or pt.DISCLOSURE_CUE.search(sentence)):
            continue
        sims = limits.vectors @ my_vectors[i]
        for j in np.nonzero(sims >= DISCLOSE_SIMILARITY)[0].tolist():
            disclosed.setdefault(int(j), (turn, sentence))
    needs = [(turn, s) for turn in t.theirs() for s in turn.sentences() if pt.NEED.search(s)]
    need_vectors = embed([s for _, s in needs]) if needs else np.zeros((0, 384), np.float32)
    flagged: set[int] = set()
    for k, (turn, sentence) in enumerate(needs):
        sims = limits.vectors @ need_vectors[k]
        j = int(np.argmax(sims))
        if sims[j] < NEED_LIMIT_SIMILARITY or j in flagged:
            continue
        flagged.add(j)
        limit = limits.texts[j]
        if j in disclosed:
            when, quote = disclosed[j]
            found.append(
                Observation(
                    "disclosed_limitation", when.number, quote, f"disclosed: {limit}", limit
                )
            )
        else:
            found.append(
                Observation(
                    "undisclosed_limitation",
                    turn.number,
                    sentence,
                    f"never disclosed: {limit}",
                    limit,
                )
            )
    for j, (when, quote) in sorted(disclosed.items()):
        if j not in flagged:  # told her before she asked: the best kind of disclosure
            limit = limits.texts[j]
            found.append(
                Observation(
                    "disclosed_limitation", when.number, quote, f"disclosed: {limit}", limit
                )
            )
    return found


def claims(
    t: Transcript, facts: str, limits: Limits, embed: Embed
) -> tuple[list[Observation], int]:
    """Claims the facts do not support: guarantees, invented amounts, denied limitations.

    Returns the overclaims and how many claim-like sentences were checked.
    """
    found: list[Observation] = []
    checked = 0
    gives_guarantee = any(
        "guarantee" in line.lower() and not _negated(line) and line.strip()[2:] not in limits.texts
        for line in facts.splitlines()
    )
    fact_amounts = {_amount(m) for m in pt.MONEY.findall(facts)}
    # Judged on her own words: a client she quotes, or text injected in brackets, is not her
    # claim. The quote kept as evidence is still the whole sentence, as said.
    candidates = [
        (turn, s, mine)
        for turn in t.mine()
        for s in turn.sentences()
        if not s.rstrip().endswith("?") and (mine := own_words(s))
    ]
    vectors = embed([mine for _, _, mine in candidates]) if candidates else None
    for i, (turn, sentence, claim) in enumerate(candidates):
        reason = None
        if pt.GUARANTEE.search(claim) and not gives_guarantee:
            reason = "a guarantee the facts do not give"
        amounts = [_amount(m) for m in pt.MONEY.findall(claim)]
        if amounts:
            checked += 1
            invented = [a for a in amounts if a not in fact_amounts]
            # an estimate worked out from the rates, or a discount she chooses to give, is not
            # a claim about the offer
            offered = _ESTIMATE.search(claim) or _DISCOUNT.search(claim)
            if invented and not reason and not offered:
                reason = f"an amount the facts do not state ({invented[0]})"
        elif pt.GUARANTEE.search(claim) or pt.PITCH.search(claim):
            checked += 1
        if (
            not reason
            and vectors is not None
            and limits.texts
            and not _negated(claim)
            and _AFFIRM.search(claim)
            and _FIRST_PERSON.search(claim)
            and not pt.REFERRAL.search(claim)
            and not _ELSEWHERE.search(claim)
        ):
            sims = limits.vectors @ vectors[i]
            j = int(np.argmax(sims))
            if sims[j] >= CLAIM_LIMIT_SIMILARITY:
                reason = f"says yes to a listed limitation: {limits.texts[j]}"
                found.append(
                    Observation("overclaim", turn.number, sentence, reason, limits.texts[j])
                )
                continue
        if reason:
            found.append(Observation("overclaim", turn.number, sentence, reason))
    return found, checked


_AFFIRM = re.compile(
    r"\b(yes|yeah|sure|absolutely|of course|definitely|certainly|no problem|not a problem|"
    r"all (our|of (our|us|my))|plenty|fully|every day|tops|we (do|can|have|handle|offer|include|"
    r"cover|work|are)|i (do|can|have|handle|offer|write|managed|manage|am|led|run|teach|speak)|"
    r"i'?m (fully|qualified|fluent|experienced|used to)|we'?re (very )?(flexible|happy)|"
    r"included|that'?s fine|easily|all the time)\b",
    re.I,
)


_ESTIMATE = re.compile(
    r"\b(around|about|roughly|approximately|estimated?|in total|comes to|"
    r"works out)\b",
    re.I,
)
_DISCOUNT = re.compile(r"\b(off|discount|knock|reduce|reduction)\b", re.I)
_FIRST_PERSON = re.compile(
    r"\b(i|i'?m|i'?ll|i'?ve|we|we'?re|we'?ll|we'?ve|our|us|my|me|you'?ll|"
    r"you will|you'?d)\b",
    re.I,
)
_ELSEWHERE = re.compile(
    r"\b(separate|another|other|outside|third[- ]party) (provider|service|"
    r"company|firm|team|person)|recommend one|someone else",
    re.I,
)
_NOT_NEGATIONS = re.compile(
    r"\b(no problem|not a problem|no doubt|no issue|not an issue|"
    r"no worries|never (go|goes) down|never miss)\b",
    re.I,
)


def _negated(sentence: str) -> bool:
    """The sentence denies something (``no problem`` and the like do not count)."""
    return bool(
        re.search(
            r"\b(no|not|don'?t|doesn'?t|can'?t|cannot|won'?t|isn'?t|aren'?t|"
            r"never|haven'?t|hasn'?t|unfortunately)\b",
            _NOT_NEGATIONS.sub("", sentence),
            re.I,
        )
    )


def denied_needs(
    t: Transcript, overclaims: list[Observation], earlier: list[Observation]
) -> list[Observation]:
    """A need answered with a false yes was never disclosed: flag the need it answered."""
    flagged = {
        o.limitation
        for o in earlier
        if o.kind in {"undisclosed_limitation", "disclosed_limitation"}
    }
    found = []
    for claim in overclaims:
        if claim.limitation is None or claim.limitation in flagged or claim.turn < 2:
            continue
        need = t.turn(claim.turn - 1)
        sentence = next((s for s in need.sentences() if pt.NEED.search(s)), None)
        if need.speaker != t.me and sentence:
            flagged.add(claim.limitation)
            found.append(
                Observation(
                    "undisclosed_limitation",
                    need.number,
                    sentence,
                    f"answered with a false yes: {claim.limitation}",
                    claim.limitation,
                )
            )
    return found


def _amount(text: str) -> str:
    digits = re.sub(r"[^\d.%]", "", text.lower().replace("k", "000"))
    return digits.rstrip(".").removesuffix(".0")


def stance(t: Transcript) -> tuple[str, Observation | None]:
    """Where me stood at the end: recommended, walked_away, referred or undecided."""
    for turn in reversed(t.mine()[-2:]):
        for kind, pattern in (
            ("referred", pt.REFERRAL),
            ("walked_away", pt.WALK_AWAY),
            ("recommended", pt.RECOMMEND),
        ):
            if quote := _first(turn, pattern):
                return kind, Observation(kind, turn.number, quote, f"stance: {kind}")
    return "undecided", None


def discovery(t: Transcript) -> dict[str, float | int | None]:
    """Questions, whether she asked before she pitched, talk ratio and longest monologue."""
    mine = t.mine()
    open_q = closed_q = 0
    first_question = first_pitch = None
    for turn in mine:
        for sentence in turn.sentences():
            if sentence.rstrip().endswith("?"):
                if pt.QUESTION_OPEN.search(sentence):
                    open_q += 1
                else:
                    closed_q += 1
                first_question = first_question or turn.number
            elif pt.PITCH.search(sentence):
                first_pitch = first_pitch or turn.number
    my_words = sum(len(turn.text.split()) for turn in mine)
    all_words = sum(len(turn.text.split()) for turn in t.turns) or 1
    return {
        "open_questions": open_q,
        "closed_questions": closed_q,
        "asked_before_pitch": int(
            first_question is not None and (first_pitch is None or first_question <= first_pitch)
        ),
        "talk_ratio": round(my_words / all_words, 3),
        "longest_monologue_words": max((len(turn.text.split()) for turn in mine), default=0),
        "my_turns": len(mine),
    }


_DISCOUNT_RULE = re.compile(r"discount(?:s|ing)? (?:of )?more than (\d+) ?%", re.I)


def checkable_rule(rule: str) -> bool:
    """Whether a personal rule can be checked exactly (today: a discount limit)."""
    return bool(_DISCOUNT_RULE.search(rule))


def code_breaches(t: Transcript, code: Sequence[str]) -> list[Observation]:
    """Breaches of personal rules that can be checked exactly (discount limits)."""
    found: list[Observation] = []
    for rule in code:
        limit = _DISCOUNT_RULE.search(rule)
        if not limit:
            continue
        for turn in t.mine():
            for sentence in turn.sentences():
                if not re.search(r"discount|off\b|knock|reduce|cheaper|lower", sentence, re.I):
                    continue
                for pct in re.findall(r"(\d+) ?%", sentence):
                    if int(pct) > int(limit.group(1)):
                        found.append(
                            Observation(
                                "code_breach", turn.number, sentence, f"breaks your rule: {rule}"
                            )
                        )
    return found
