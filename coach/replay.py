"""'Practise this call again': persona and scenario cards for the other side of a real call.

Everything on the cards comes from the transcript. What she said becomes her background, her
opening and her stated needs; each need is a fact she shares again when asked about it, in her
own words. Nothing the transcript does not say is added, so no hidden fact is invented.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from coach.critique.transcript import Transcript
from coach.errors import InputError
from coach.reading import Context
from coach.reading import reader as reading_model
from personas.cards import Fit, HiddenFact, Offer, PersonaCard, ScenarioCard
from personas.loader import save_user_cards

MAX_FACTS = 5


@dataclass(frozen=True)
class Replay:
    persona: PersonaCard
    scenario: ScenarioCard
    persona_path: Path
    scenario_path: Path


def _slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower())[:6]) or "call"


def _topic(question: str | None, sentence: str) -> str:
    """What a question must be about to earn this line again: the user's own question, or the
    line's first words."""
    if question:
        return question.strip()[:120]
    return " ".join(sentence.split()[:8])


def cards_from_transcript(
    transcript: Transcript, mode: str = "sales", title: str = ""
) -> tuple[PersonaCard, ScenarioCard]:
    """Cards for the other side of ``transcript``, built only from what was said."""
    others = Counter(t.speaker for t in transcript.theirs())
    if not others:
        raise InputError("The transcript has no other speaker to practise against.")
    name = others.most_common(1)[0][0]
    hers = [t for t in transcript.turns if t.speaker == name]
    said = [s for turn in hers for s in turn.sentences()]
    readings = reading_model.default().read_many(said, "other", [Context()] * len(said))
    needs = {r.text for r in readings if r.has("need") or r.has("concern")}
    facts: list[HiddenFact] = []
    background: list[str] = []
    for turn in hers:
        previous = transcript.turn(turn.number - 1) if turn.number > 1 else None
        question = None
        if previous is not None and previous.speaker == transcript.me:
            question = next((s for s in previous.sentences() if s.endswith("?")), None)
        for sentence in turn.sentences():
            if len(sentence.split()) < 4:
                continue
            if sentence in needs and len(facts) < MAX_FACTS:
                facts.append(
                    HiddenFact(
                        id=f"said_{len(facts) + 1}",
                        fact=f"{name} said: {sentence}",
                        unlock_topics=[_topic(question, sentence)],
                        say=sentence,
                    )
                )
            elif len(background) < 3:
                background.append(sentence)
    if not facts:
        longest = max(hers, key=lambda t: len(t.text))
        facts.append(
            HiddenFact(
                id="said_1",
                fact=f"{name} said: {longest.text}",
                unlock_topics=[_topic(None, longest.text)],
                say=longest.text,
            )
        )
    words = sum(len(t.text.split()) for t in hers) / len(hers)
    scenario_id = _slug(title or f"replay {name}")
    persona = PersonaCard(
        id=_slug(f"{name} replay"),
        kind="prospect" if mode == "sales" else "interviewer",
        name=name,
        role=f"{name}, the other side of a call you had.",
        style=f"As in the recorded call: about {round(words)} words a turn.",
        opening=hers[0].text,
        background=" ".join(background) or f"{name} spoke with you before; this replays it.",
        hidden_facts=facts,
        fit=Fit(
            verdict="partial",
            why="Not judged from the transcript: practising the call again is how you find out.",
        ),
        scenario=scenario_id,
    )
    mine = "\n".join(f"- {t.text}" for t in transcript.mine())
    scenario = ScenarioCard(
        id=scenario_id,
        mode="sales" if mode == "sales" else "interview",
        user_role="seller" if mode == "sales" else "candidate",
        title=title or f"Your call with {name}, again",
        offer=Offer(
            name="Your offer, as in the call",
            summary=f"What you offered {name} in the recorded call.",
            facts=f"# What you said in the call\n\n{mine}\n",
        ),
        brief=f"You are replaying a real call with {name}. This time, ask before you pitch "
        "and say what your offer cannot do.",
    )
    return persona, scenario


def save(persona: PersonaCard, scenario: ScenarioCard) -> Replay:
    """Write the cards to the user's folder, where they are listed with the built-in ones."""
    persona_path, scenario_path = save_user_cards(persona, scenario)
    return Replay(persona, scenario, persona_path, scenario_path)
