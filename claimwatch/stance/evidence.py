"""Which article sentences speak to a claim: the best matches, plus the best-matching one that refutes.

Shared by the evidence a user is shown and the excerpt the cross-encoder reads (4 sentences), so the
model reads every sentence shown as evidence: the selection for k = 3, the default display, is a
subset of the selection for k = 4 (same `near` set, same first refuting sentence).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from claimwatch.records import Sentence

# Strong contrary cues only: weak ones ("despite", "not") would pick ordinary sentences as counter-evidence.
CONTRARY = re.compile(
    r"\b(den(y|ies|ied|ial)|dismiss(ed|es)?|reject(ed|s)?|refut(e|ed|es)|debunk(ed|s)?|hoax|fake|false(ly)?|untrue|"
    r"not true|retract(ed|ion)?|no evidence|baseless|unfounded|fabricated|doctored|satir(e|ical))\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=1 << 16)
def refutes(text: str) -> bool:
    """Whether a sentence carries a strong contrary cue (cached: a body's sentences are tested once per claim)."""
    return CONTRARY.search(text) is not None


def evidence_indices(sims: np.ndarray, sentences: Sequence[Sentence], k: int) -> list[int]:
    """The k sentences that matter, best first: the k-1 best matches to the claim, then the best-matching
    sentence that refutes or denies (a denial often shares few words with the claim, yet is the evidence
    that matters), else the k-th best match."""
    order = [int(i) for i in np.argsort(-sims)]
    chosen = order[: max(k - 1, 1)]
    if k > 1:
        near = {j for i in order[:3] for j in (i - 1, i, i + 1)}
        # Cheap conditions first: the cue test is the costly one.
        refuting = (i for i in order if i not in chosen and (sims[i] >= 0.3 or i in near) and refutes(sentences[i].text))
        extra = next(refuting, None)
        if extra is None:
            extra = next((i for i in order if i not in chosen), None)
        if extra is not None:
            chosen.append(extra)
    return chosen[:k]
