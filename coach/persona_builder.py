"""Draft a persona card and a scenario card from a product sheet or a job description.

The model proposes the persona (who she is, what she hides, whether the offer fits her) as JSON;
the engine fills in what it knows for sure (ids, kind, the scenario's facts, which are the
document itself), validates both cards, retries once with the validation errors, and saves them
to the user's folder, where they are listed next to the built-in cards.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from coach.config import ModelSettings
from coach.errors import InputError, describe_validation
from personas.cards import Offer, PersonaCard, ScenarioCard
from personas.loader import save_user_cards

MAX_SOURCE_CHARS = 6_000

_SHAPE = """{
  "name": "her first and last name",
  "role": "who she is, one sentence",
  "style": "how she talks, one sentence",
  "opening": "her first line on the call; it reveals none of the hidden facts",
  "background": "2-3 sentences of public context",
  "hidden_facts": [
    {"id": "short_slug", "fact": "a specific truth she will not volunteer",
     "unlock_topics": ["what a question must be about", "another phrasing"],
     "asked_by": ["a question in everyday words that asks for it", "another one"],
     "say": "her own line when she shares it", "sensitive": false}
  ],
  "objections": [{"id": "short_slug", "say": "a concern she raises",
                  "resolve_topics": ["what an answer must address"]}],
  "fit": {"verdict": "fit or partial or no_fit", "why": "why, pointing at facts and limits"},
  "offer_summary": "one sentence on what the document offers",
  "limitations": ["something the offer does not do", "another"]
}"""


@dataclass(frozen=True)
class Drafted:
    persona: PersonaCard
    scenario: ScenarioCard
    persona_path: Path
    scenario_path: Path


def slug(text: str) -> str:
    """A card id from free text."""
    words = re.findall(r"[a-z0-9]+", text.lower())[:5]
    return "-".join(words) or "drafted"


def _prompt(source: str, other: str, mode: str, errors: str | None) -> list[dict[str, str]]:
    side = (
        "a prospective customer considering this offer"
        if mode == "sales"
        else "the interviewer hiring for this job"
    )
    ask = (
        f"Here is a document:\n---\n{source[:MAX_SOURCE_CHARS]}\n---\n"
        f"Invent {side}: {other or 'a realistic, specific person'}. "
        "She has 3 hidden facts that matter for whether the offer fits her. "
        f"Reply with JSON only, exactly in this shape:\n{_SHAPE}"
    )
    messages = [
        {"role": "system", "content": "You write realistic role-play cards as strict JSON."},
        {"role": "user", "content": ask},
    ]
    if errors:
        messages.append(
            {
                "role": "user",
                "content": f"Fix these problems and reply with the whole JSON again: {errors}",
            }
        )
    return messages


def _json(reply: str) -> dict[str, Any]:
    start, end = reply.find("{"), reply.rfind("}")
    if start < 0 or end <= start:
        raise ValueError("the reply holds no JSON object")
    data = json.loads(reply[start : end + 1])
    if not isinstance(data, dict):
        raise ValueError("the JSON is not an object")
    return data


def _cards(data: dict[str, Any], source: str, mode: str) -> tuple[PersonaCard, ScenarioCard]:
    title = source.strip().splitlines()[0].lstrip("# ").strip()[:80] or "Drafted scenario"
    scenario_id = slug(title)
    persona_id = slug(f"{data.get('name', 'persona')} {scenario_id}")[:60]
    persona = PersonaCard(
        id=persona_id,
        kind="prospect" if mode == "sales" else "interviewer",
        scenario=scenario_id,
        **{
            k: data[k]
            for k in ("name", "role", "style", "opening", "background", "hidden_facts", "fit")
            if k in data
        },
        objections=data.get("objections") or [],
    )
    scenario = ScenarioCard(
        id=scenario_id,
        mode="sales" if mode == "sales" else "interview",
        user_role="seller" if mode == "sales" else "candidate",
        title=title,
        offer=Offer(
            name=title,
            summary=data.get("offer_summary") or title,
            facts=source,
            limitations=data.get("limitations") or [],
        ),
    )
    return persona, scenario


def draft(source: str, other: str, mode: str, settings: ModelSettings) -> Drafted:
    """Draft, validate and save a persona and a scenario card for ``source``."""
    from coach import llm

    if mode not in {"sales", "interview"}:
        raise InputError(f"mode must be 'sales' or 'interview', not '{mode}'.")
    if not source.strip():
        raise InputError("The document is empty.")
    errors: str | None = None
    for _ in range(2):
        reply = llm.complete(
            _prompt(source, other, mode, errors), settings, max_tokens=900, temperature=0.4
        ).text
        try:
            persona, scenario = _cards(_json(reply), source, mode)
            break
        except ValidationError as exc:
            errors = describe_validation(exc)
        except (ValueError, TypeError) as exc:
            errors = str(exc)
    else:
        raise InputError(
            f"The model '{settings.model}' could not draft a valid card, twice ({errors}). "
            "Try again, or try a stronger model with --model."
        )
    persona_path, scenario_path = save_user_cards(persona, scenario)
    return Drafted(persona, scenario, persona_path, scenario_path)
