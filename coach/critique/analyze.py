"""Deterministic analyzers: the reader's moves plus the embedding model, fast and explainable.

What each line *is* comes from :mod:`coach.reading`, read once for the whole call
(:class:`CallReading`): every turn in the context the turns before it set (a no she gave, a
worry she voiced), and every sentence, so that a finding quotes the sentence that makes the
move. Each analyzer returns raw observations (turn, quote, kind, why);
:mod:`coach.critique.engine` attaches principles and suggestions and checks every quote
against the transcript.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from coach.config import ModelSettings
from coach.critique.own_words import own_words
from coach.critique.transcript import Transcript, Turn
from coach.reading import Reader, Reading, Utterance
from coach.reading import reader as reading_model
from coach.reading.vocabulary import AFTER_CONCERN, AFTER_NO, Side

NEED_LIMIT_SIMILARITY = 0.42
"""How close the other side's stated need must be to a limitation for it to bear on it."""
DISCLOSE_SIMILARITY = 0.45
REPLY_DISCLOSE_SIMILARITY = 0.25
REPLY_TURNS = 2
"""Her replies to a need: the turns of hers after it in which a disclosure answers it."""
"""In her reply to a need, how close a disclosure must be to the limitation that need bears on."""
FALSE_YES_SIMILARITY = 0.4
"""How close a sentence of her reply to a need must be to the limitation it runs into."""
FALSE_YES_READING = 0.5
"""The share of its threshold at which a claim, pitch or brush-off reading counts here."""
CLAIM_LIMIT_SIMILARITY = 0.45
CLAIM_RELEVANT = 0.3
"""A claim this close to a limitation is about something the facts speak to: it counts as
checked, whether or not it turns out to be an overclaim."""

Embed = Callable[[Sequence[str]], np.ndarray]

MONEY = re.compile(
    r"(?:[$€£]\s?\d[\d,]*(?:\.\d+)?(?:\s?[kK])?|\b\d[\d,]*(?:\.\d+)?\s?(?:dollars|euros|pounds|"
    r"usd|eur|gbp|k)\b|\b\d{1,3}\s?%)",
    re.I,
)
"""An amount of money or a percentage, as written."""
GUARANTEE = re.compile(r"\b(guarantee[ds]?|100 ?%|risk[- ]free)", re.I)
"""The words of a guarantee: checked against whether the facts give one."""


@dataclass(frozen=True)
class Observation:
    kind: str
    turn: int
    quote: str
    why: str
    limitation: str | None = None


@dataclass
class CallReading:
    """A transcript read once: each turn in context, and each sentence of it."""

    transcript: Transcript
    turns: list[Reading]
    sentences: list[list[tuple[str, Reading]]]

    @classmethod
    def of(
        cls, t: Transcript, reader: Reader | None = None, judge: ModelSettings | None = None
    ) -> CallReading:
        """Read ``t``; with ``judge``, that model also reads each of my turns
        (:mod:`coach.reading.judge`) and its verdict is combined with the reader's."""
        reader = reader or reading_model.default()
        said = [
            Utterance("user" if turn.speaker == t.me else "other", turn.text) for turn in t.turns
        ]
        turns = reader.read_dialogue(said)
        if judge is not None:
            from coach.reading.judge import judge_turns

            turns = judge_turns([(u.side, u.text) for u in said], turns, judge)
        sentences: list[list[tuple[str, Reading]]] = []
        flat = [(i, s) for i, turn in enumerate(t.turns) for s in turn.sentences()]
        by_side: dict[Side, list[tuple[int, str]]] = {"user": [], "other": []}
        for i, s in flat:
            by_side[turns[i].side].append((i, s))
        read: dict[tuple[int, str], Reading] = {}
        for side, items in by_side.items():
            # Her sentences are read in her own words: what she quotes, or text injected in
            # brackets, is someone else's and makes no move of hers.
            texts = [(own_words(s) or s) if side == "user" else s for _, s in items]
            got = reader.read_many(
                texts,
                side,
                [turns[i].context for i, _ in items],
            )
            read.update({key: r for key, r in zip(items, got, strict=True)})
        for i, turn in enumerate(t.turns):
            sentences.append([(s, read[(i, s)]) for s in turn.sentences()])
        return cls(t, turns, sentences)

    def turn(self, turn: Turn) -> Reading:
        return self.turns[turn.number - 1]

    def has(self, turn: Turn, move: str) -> bool:
        """Whether the turn makes ``move``, read whole or in any one of its own sentences: a
        move made in one sentence is not undone by what else she said around it. A move that
        answers what she said (pushing on, brushing off) is read on the whole turn only."""
        if move in AFTER_NO or move in AFTER_CONCERN:
            return self.turn(turn).has(move)
        return self.turn(turn).has(move) or any(r.has(move) for _, r in self.own(turn))

    def asks(self, turn: Turn) -> bool:
        return self.turn(turn).question or any(r.question for _, r in self.own(turn))

    def own(self, turn: Turn) -> list[tuple[str, Reading]]:
        """Her sentences in ``turn`` that quote nobody: one that reports someone else's words
        (or carries injected text) makes no move of hers."""
        return [(s, r) for s, r in self.of_turn(turn) if own_words(s) == " ".join(s.split())]

    def of_turn(self, turn: Turn) -> list[tuple[str, Reading]]:
        return self.sentences[turn.number - 1]

    def quote(self, turn: Turn, move: str) -> str:
        """The sentence of ``turn`` that makes ``move`` most surely."""
        return max(self.of_turn(turn), key=lambda sr: sr[1].scores[move])[0]


def pressure(call: CallReading) -> list[Observation]:
    """False urgency, pushing after a clear no, accepting it, and brushing off a concern."""
    t = call.transcript
    found: list[Observation] = []
    heard: list[Turn] = []
    """Their turns since my last one: a third speaker's line in between (another person, or
    text injected into the transcript) does not hide the concern she voiced."""
    for turn in t.turns:
        if turn.speaker != t.me:
            heard.append(turn)
            continue

        def makes(move: str, turn: Turn = turn) -> bool:
            return call.has(turn, move)

        if makes("false_urgency"):
            found.append(
                Observation(
                    "pressure", turn.number, call.quote(turn, "false_urgency"), "false urgency"
                )
            )
        if makes("pushed_after_no"):
            found.append(
                Observation(
                    "pushed_after_no",
                    turn.number,
                    call.quote(turn, "pushed_after_no"),
                    "kept pushing after a clear no",
                )
            )
        elif makes("accepted_no"):
            found.append(
                Observation(
                    "respected_no", turn.number, call.quote(turn, "accepted_no"), "accepted the no"
                )
            )
        if makes("dismissed_concern"):
            voiced = next(
                (
                    h
                    for h in reversed(heard)
                    if call.turn(h).has("concern") or call.turn(h).has("need")
                ),
                heard[-1] if heard else None,
            )
            found.append(
                Observation(
                    "dismissed_concern",
                    turn.number,
                    call.quote(turn, "dismissed_concern"),
                    f"brushed off: {voiced.text[:80]}" if voiced else "brushed off a concern",
                )
            )
        heard = []
    return found


@dataclass
class Limits:
    """The offer's limitations and their embeddings."""

    texts: list[str]
    vectors: np.ndarray

    @classmethod
    def from_facts(cls, facts: str, embed: Embed) -> Limits:
        """The limitations written in ``facts`` under a ``Limitations`` heading."""
        return cls.of(limitations(facts), embed)

    @staticmethod
    def unique(items: Sequence[str]) -> list[str]:
        """The non-blank items, stripped, each once, in order."""
        return list(dict.fromkeys(t.strip() for t in items if t.strip()))

    @classmethod
    def of(cls, items: Sequence[str], embed: Embed) -> Limits:
        """These limitations, each once, in order."""
        texts = cls.unique(items)
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


def disclosure(call: CallReading, limits: Limits, embed: Embed) -> list[Observation]:
    """Needs the other side stated that a limitation bears on, and whether me disclosed it.

    A disclosure counts for the limitation it is about; in her reply to the need, it counts
    for the limitation that need bears on even when it names it in other words ("everything
    is online" answers "would we meet in person?").
    """
    return [o for o, _ in _disclosures(call, limits, embed)]


def _disclosures(
    call: CallReading, limits: Limits, embed: Embed
) -> list[tuple[Observation, str | None]]:
    """Each disclosure finding, with (for an undisclosed one) the need sentence it rests on."""
    if not limits.texts:
        return []
    t = call.transcript
    found: list[tuple[Observation, str | None]] = []
    mine = [
        (turn, s)
        for turn in t.mine()
        for s, r in call.of_turn(turn)
        if r.has("disclosed_limitation")
    ]
    my_vectors = embed([s for _, s in mine]) if mine else np.zeros((0, 384), np.float32)
    near = limits.vectors @ my_vectors.T if mine else np.zeros((len(limits.texts), 0))
    disclosed: dict[int, tuple[Turn, str]] = {}
    for i, (turn, sentence) in enumerate(mine):
        for j in np.nonzero(near[:, i] >= DISCLOSE_SIMILARITY)[0].tolist():
            disclosed.setdefault(int(j), (turn, sentence))
    needs = [
        (turn, s)
        for turn in t.theirs()
        for s, r in call.of_turn(turn)
        if r.has("need") or r.has("question")  # "Do you do payroll?" is a need, asked
    ]
    need_vectors = embed([s for _, s in needs]) if needs else np.zeros((0, 384), np.float32)
    flagged: set[int] = set()
    for k, (turn, sentence) in enumerate(needs):
        sims = limits.vectors @ need_vectors[k]
        j = int(np.argmax(sims))
        if sims[j] < NEED_LIMIT_SIMILARITY or j in flagged:
            continue
        flagged.add(j)
        limit = limits.texts[j]
        replies = {m.number for m in t.mine() if m.number > turn.number}
        replies = set(sorted(replies)[:REPLY_TURNS])
        answered = [
            (when, s)
            for i, (when, s) in enumerate(mine)
            if when.number in replies and near[j, i] >= REPLY_DISCLOSE_SIMILARITY
        ]
        if j not in disclosed and answered:
            disclosed[j] = answered[0]
        if j in disclosed:
            when, quote = disclosed[j]
            found.append(
                (
                    Observation(
                        "disclosed_limitation", when.number, quote, f"disclosed: {limit}", limit
                    ),
                    None,
                )
            )
        else:
            found.append(
                (
                    Observation(
                        "undisclosed_limitation",
                        turn.number,
                        sentence,
                        f"never disclosed: {limit}",
                        limit,
                    ),
                    sentence,
                )
            )
    for j, (when, quote) in sorted(disclosed.items()):
        if j not in flagged:  # told her before she asked: the best kind of disclosure
            limit = limits.texts[j]
            found.append(
                (
                    Observation(
                        "disclosed_limitation", when.number, quote, f"disclosed: {limit}", limit
                    ),
                    None,
                )
            )
    return found


def _reply(t: Transcript, turn: Turn) -> Turn | None:
    """My first turn after ``turn``: what I said back to it."""
    return next((m for m in t.mine() if m.number > turn.number), None)


def false_yeses(call: CallReading, limits: Limits, embed: Embed) -> list[Observation]:
    """Her reply to a need that a listed limitation rules out, answered as if it were met.

    The need was never disclosed (:func:`disclosure`); her reply is not a question and not a
    disclosure, and one sentence of it is about what the limitation concerns while reading
    as a claim, a pitch or a brush-off: "Yes, we can take payroll on as well" to "I need
    someone to run payroll", when the facts say no payroll.
    """
    t = call.transcript
    found: list[Observation] = []
    for o, _need in _disclosures(call, limits, embed):
        if o.kind != "undisclosed_limitation" or o.limitation is None:
            continue
        reply = _reply(t, t.turn(o.turn))
        if reply is None or reply.number != o.turn + 1:
            continue
        sentences = [
            s
            for s, r in call.own(reply)
            if not r.question
            and r.scores["disclosed_limitation"] < r.thresholds["disclosed_limitation"]
            and max(r.scores[m] / r.thresholds[m] for m in _ASSENT) >= FALSE_YES_READING
        ]
        if not sentences:
            continue
        sims = embed(sentences) @ limits.vectors[limits.texts.index(o.limitation)]
        k = int(np.argmax(sims))
        if sims[k] >= FALSE_YES_SIMILARITY:
            found.append(
                Observation(
                    "overclaim",
                    reply.number,
                    sentences[k],
                    f"answers as if met a need the facts rule out: {o.limitation}",
                    o.limitation,
                )
            )
    return found


_ASSENT = ("claim", "pitch", "dismissed_concern")


def claims(
    call: CallReading, facts: str, limits: Limits, embed: Embed
) -> tuple[list[Observation], int]:
    """Claims the facts do not support: guarantees, invented amounts, denied limitations.

    Amounts and guarantees are written words, checked against the facts in every statement of
    hers. Saying yes to a listed limitation is a matter of meaning: it is checked where the
    reader reads a claim or a pitch. A disclosed limitation, a referral or a walk-away is never
    an overclaim. Returns the overclaims and how many claim-like sentences were checked.
    """
    found: list[Observation] = []
    checked = 0
    gives_guarantee = any(
        GUARANTEE.search(line)
        and not _LIMIT_PREFIX.match(line.strip(" -*"))
        and line.strip(" -*") not in limits.texts
        for line in facts.splitlines()
    )
    fact_amounts = {_amount(m) for m in MONEY.findall(facts)}
    # Judged on her own words: a client she quotes, or text injected in brackets, is not her
    # claim. The quote kept as evidence is still the whole sentence, as said.
    candidates = [
        (turn, s, r, mine)
        for turn in call.transcript.mine()
        for s, r in call.of_turn(turn)
        if not r.question
        and not any(r.has(m) for m in ("referral", "walk_away", "manipulation"))
        and not r.has("disclosed_limitation")
        and (mine := own_words(s))
    ]
    # Saying yes to a limitation is read by meaning, so a sentence that might be a disclosure
    # (half the disclosure threshold is enough) is spared that check; guarantee words and
    # amounts are written, and spared only by a disclosure the reader is sure of.
    claiming = [
        c
        for c in candidates
        if (c[2].has("claim") or c[2].has("pitch"))
        and c[2].scores["disclosed_limitation"] < c[2].thresholds["disclosed_limitation"] / 2
    ]
    vectors = embed([mine for *_, mine in claiming]) if claiming else None
    rows = {id(c): i for i, c in enumerate(claiming)}
    for candidate in candidates:
        turn, sentence, _, claim = candidate
        reason = None
        if GUARANTEE.search(claim) and not gives_guarantee:
            reason = "a guarantee the facts do not give"
        amounts = [_amount(m) for m in MONEY.findall(claim)]
        invented = [a for a in amounts if a not in fact_amounts]
        # an estimate worked out from the rates, or a discount she chooses to give, is not
        # a claim about the offer
        offered = _ESTIMATE.search(claim) or _DISCOUNT.search(claim)
        if invented and not reason and not offered:
            reason = f"an amount the facts do not state ({invented[0]})"
        sims = None
        if vectors is not None and limits.texts and id(candidate) in rows:
            sims = limits.vectors @ vectors[rows[id(candidate)]]
        # checked: a claim there was something to check it against
        if amounts or reason or (sims is not None and float(np.max(sims)) >= CLAIM_RELEVANT):
            checked += 1
        if not reason and sims is not None:
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


_ESTIMATE = re.compile(
    r"\b(around|about|roughly|approximately|estimated?|in total|comes to|"
    r"works out)\b",
    re.I,
)
_DISCOUNT = re.compile(r"\b(off|discount|knock|reduce|reduction)\b", re.I)


def denied_needs(
    call: CallReading, overclaims: list[Observation], earlier: list[Observation]
) -> list[Observation]:
    """A need answered with a false yes was never disclosed: flag the need it answered."""
    t = call.transcript
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
        sentence = next(
            (s for s, r in call.of_turn(need) if r.has("need") or r.has("question")), None
        )
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


STANCE_SURE = 0.8
"""A stance is taken when its move reads at this share of its threshold or more (chosen on the
development transcripts in tests/eval/cases): at the end of
a call she stands somewhere, and the likeliest reading is the best guess."""
_STANCES = (
    ("referred", "referral"),
    ("walked_away", "walk_away"),
    ("recommended", "recommend"),
    ("recommended", "asks_decision"),  # asking for the sale stands behind it
)


def stance(call: CallReading) -> tuple[str, Observation | None]:
    """Where me stood at the end: recommended, walked_away, referred or undecided.

    On her last two turns, latest first, the likeliest stance that reads surely enough; a
    referral beside a walk-away is a referral (pointing her elsewhere completes stepping back).
    """
    for turn in reversed(call.transcript.mine()[-2:]):
        readings = [call.turn(turn), *(r for _, r in call.own(turn))]
        sure = {
            (kind, move): ratio
            for kind, move in _STANCES
            if (ratio := max(r.scores[move] / r.thresholds[move] for r in readings)) >= STANCE_SURE
        }
        if not sure:
            continue
        kind, move = max(sure, key=lambda km: sure[km])
        if kind == "walked_away" and ("referred", "referral") in sure:
            kind, move = "referred", "referral"
        quote = call.quote(turn, move)
        return kind, Observation(kind, turn.number, quote, f"stance: {kind}")
    return "undecided", None


def discovery(call: CallReading) -> dict[str, float | int | None]:
    """Questions, whether she asked before she pitched, talk ratio and longest monologue."""
    t = call.transcript
    mine = t.mine()
    open_q = closed_q = 0
    first_question = first_pitch = None
    for turn in mine:
        for _sentence, r in call.own(turn):
            if r.question:
                if r.has("open_question"):
                    open_q += 1
                else:
                    closed_q += 1
                first_question = first_question or turn.number
            elif r.has("pitch"):
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
