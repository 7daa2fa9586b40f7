"""FNC-1 evaluation: FNC score (relative %), macro-F1, per-class F1, confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from claimwatch.records import STANCE_LABELS


def fnc_score(gold: Sequence[str], pred: Sequence[str]) -> float:
    """FNC-1 score relative to the maximum, in percent (+0.25 related/unrelated right, +0.75 related label right)."""
    score = best = 0.0
    for g, p in zip(gold, pred, strict=True):
        g_rel, p_rel = g != "unrelated", p != "unrelated"
        best += 1.0 if g_rel else 0.25
        if g_rel == p_rel:
            score += 0.25
            if g_rel and g == p:
                score += 0.75
    return 100.0 * score / best if best else 0.0


def evaluate(gold: Sequence[str], pred: Sequence[str]) -> dict[str, Any]:
    """All FNC-1 figures in one dict: fnc_score, macro_f1, f1 per class, confusion (gold -> predicted counts)."""
    confusion: dict[str, dict[str, int]] = {g: {p: 0 for p in STANCE_LABELS} for g in STANCE_LABELS}
    for g, p in zip(gold, pred, strict=True):
        confusion[g][p] += 1
    f1 = {}
    for label in STANCE_LABELS:
        tp = confusion[label][label]
        fp = sum(confusion[g][label] for g in STANCE_LABELS) - tp
        fn = sum(confusion[label].values()) - tp
        f1[label] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {
        "pairs": len(gold),
        "fnc_score": round(fnc_score(gold, pred), 2),
        "macro_f1": round(sum(f1.values()) / len(f1), 4),
        "f1": {k: round(v, 4) for k, v in f1.items()},
        "accuracy": round(sum(g == p for g, p in zip(gold, pred, strict=True)) / max(len(gold), 1), 4),
        "confusion": confusion,
    }
