"""The attribution lexicon (lexicon.json) and the checks that need no parse, such as hedged headlines.

Kept apart from `extract.py` so that serving (dossiers, the API) never imports spaCy.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Lexicon:
    """Attribution lexicons loaded from lexicon.json."""

    speech: frozenset[str]
    content_required: frozenset[str]
    clause_required: frozenset[str]
    passive_hedge: frozenset[str]
    belief_passive: frozenset[str]
    denial: frozenset[str]
    confirmation: frozenset[str]
    noun_cues: dict[str, frozenset[str]]
    participial: frozenset[str]
    raising: frozenset[str]
    hedge_markers: re.Pattern[str]
    falsity: re.Pattern[str]
    pronouns: frozenset[str]
    person_nouns: frozenset[str]
    phrasal: dict[str, frozenset[str]]
    denial_phrasal: frozenset[str]
    agent_nouns: frozenset[str]
    org_nouns: frozenset[str]
    rebuttal_cues: frozenset[str]
    rebuttal_markers: re.Pattern[str]
    negation_rebuttal_cues: frozenset[str]
    act_objects: dict[str, frozenset[str]]


def _alternation(words: list[str]) -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b", re.IGNORECASE)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Load the attribution lexicon shipped with the package."""
    raw = json.loads(resources.files("claimwatch.attribution").joinpath("lexicon.json").read_text("utf-8"))
    return Lexicon(
        speech=frozenset(raw["speech_verbs"]),
        content_required=frozenset(raw["content_required"]),
        clause_required=frozenset(raw["clause_required"]),
        passive_hedge=frozenset(raw["passive_hedge_verbs"]),
        belief_passive=frozenset(raw["belief_passive_verbs"]),
        denial=frozenset(raw["denial_verbs"]),
        confirmation=frozenset(raw["confirmation_verbs"]),
        noun_cues={k: frozenset(v) for k, v in raw["noun_cues"].items()},
        participial=frozenset(raw["participial_verbs"]),
        raising=frozenset(raw["raising_verbs"]),
        hedge_markers=_alternation(raw["hedge_markers"]),
        falsity=_alternation(raw["falsity_markers"]),
        pronouns=frozenset(raw["source_pronouns"]),
        person_nouns=frozenset(raw["person_nouns"]),
        phrasal={k: frozenset(v) for k, v in raw["phrasal_cues"].items()},
        denial_phrasal=frozenset(raw["denial_phrasal"]),
        agent_nouns=frozenset(raw["agent_nouns"]),
        org_nouns=frozenset(raw["org_nouns"]),
        rebuttal_cues=frozenset(raw["rebuttal_cues"]),
        rebuttal_markers=_alternation(raw["rebuttal_markers"]),
        negation_rebuttal_cues=frozenset(raw["rebuttal_negation_cues"]),
        act_objects={k: frozenset(v) for k, v in raw["act_objects"].items()},
    )


def headline_hedged(title: str) -> bool:
    """Is a headline a hedged claim ("said to approve", "reportedly", "unconfirmed")?"""
    return bool(
        lexicon().hedge_markers.search(title) or re.search(r"\b(said|reported|believed|rumou?red|claimed) to\b", title, re.IGNORECASE)
    )
