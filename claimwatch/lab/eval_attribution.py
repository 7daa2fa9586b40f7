"""Evaluation of attribution extraction against a hand-annotated gold set (tests/data/attribution_gold.jsonl).

A predicted attribution matches a gold one when the cues match (same first word, case-insensitive)
and the sources match: *lenient* = they share a content word (or both are empty, for agentless
"is said to" hedges), *exact* = same text after trimming determiners and punctuation. For a
pronoun source the pronoun as written is compared, not its resolution. Each gold item matches once.
Flag precision/recall (denial, hedged, confirmation) are computed over all predictions and gold items.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimwatch.records import Attribution

_WORD = re.compile(r"[\w’']+")
_DETERMINERS = {"a", "an", "the", "this", "that", "his", "her", "their", "our", "its"}
_FUNCTION = _DETERMINERS | {"of", "in", "on", "for", "to", "from", "at", "by", "with", "and", "or", "who", "s", "’s", "'s"}


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if w.lower() not in _FUNCTION and len(w) > 1 or w.lower() == "i"}


def _norm(text: str) -> str:
    words = [w.lower() for w in _WORD.findall(text)]
    while words and words[0] in _DETERMINERS:
        words = words[1:]
    return " ".join(words)


def cue_match(gold: str, pred: str) -> bool:
    """Cues match on their first word ("echoed" ~ "echoed the denial", "is said" ~ "said")."""
    g = [w for w in gold.lower().split() if w not in ("is", "are", "was", "were", "been", "be")]
    p = [w for w in pred.lower().split() if w not in ("is", "are", "was", "were", "been", "be")]
    return bool(g and p and g[0] == p[0])


def source_match(gold: str, pred: str, exact: bool = False) -> bool:
    """Sources match leniently on a shared content word, or exactly after normalisation."""
    if not gold.strip() or not pred.strip():
        return not gold.strip() and not pred.strip()
    if exact:
        return _norm(gold) == _norm(pred)
    return bool(_words(gold) & _words(pred))


@dataclass
class Counts:
    """True positives, predictions and gold items for one measure."""

    tp: int = 0
    predicted: int = 0
    gold: int = 0

    def figures(self) -> dict[str, float]:
        p = self.tp / self.predicted if self.predicted else 0.0
        r = self.tp / self.gold if self.gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f, 4),
            "tp": self.tp,
            "predicted": self.predicted,
            "gold": self.gold,
        }


@dataclass
class Report:
    """Evaluation counters over a gold set."""

    pairs: Counts = field(default_factory=Counts)
    exact: Counts = field(default_factory=Counts)
    cue: Counts = field(default_factory=Counts)
    flags: dict[str, Counts] = field(default_factory=lambda: {"denial": Counts(), "hedged": Counts(), "confirmation": Counts()})
    misses: list[dict[str, Any]] = field(default_factory=list)
    spurious: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Figures as a JSON-ready dict."""
        return {
            "source_cue": self.pairs.figures(),
            "source_cue_exact": self.exact.figures(),
            "cue": self.cue.figures(),
            **{name: c.figures() for name, c in self.flags.items()},
        }


def score_article(gold: list[dict[str, Any]], pred: list[Attribution], report: Report, article_id: str = "") -> None:
    """Add one article's matches to the report."""
    surface = [p.resolved_from or p.source for p in pred]
    for counts, exact in ((report.pairs, False), (report.exact, True)):
        used: set[int] = set()
        counts.gold += len(gold)
        counts.predicted += len(pred)
        for g in gold:
            for i, p in enumerate(pred):
                if i not in used and cue_match(g["cue"], p.cue) and source_match(g["source"], surface[i], exact):
                    used.add(i)
                    counts.tp += 1
                    break
    used_cue: set[int] = set()
    report.cue.gold += len(gold)
    report.cue.predicted += len(pred)
    for g in gold:
        for i, p in enumerate(pred):
            if i not in used_cue and cue_match(g["cue"], p.cue):
                used_cue.add(i)
                report.cue.tp += 1
                break
    # flags over lenient matches; unmatched flagged predictions count against precision
    used = set()
    matched: list[tuple[dict[str, Any], Attribution]] = []
    for g in gold:
        hit = next(
            (i for i, p in enumerate(pred) if i not in used and cue_match(g["cue"], p.cue) and source_match(g["source"], surface[i])), None
        )
        if hit is None:
            report.misses.append({"article": article_id, **{k: g[k] for k in ("source", "cue")}})
        else:
            used.add(hit)
            matched.append((g, pred[hit]))
    for i, p in enumerate(pred):
        if i not in used:
            report.spurious.append({"article": article_id, "source": surface[i], "cue": p.cue})
    for name, counts in report.flags.items():
        counts.gold += sum(bool(g[name]) for g in gold)
        counts.predicted += sum(bool(getattr(p, name)) for p in pred)
        counts.tp += sum(bool(g[name]) and bool(getattr(p, name)) for g, p in matched)


def load_gold(path: Path) -> list[dict[str, Any]]:
    """Read the gold JSONL (id, note, text, attributions)."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def evaluate(gold: Iterable[dict[str, Any]], predictions: Iterable[list[Attribution]]) -> Report:
    """Score predictions (one list per gold article, same order)."""
    report = Report()
    for article, pred in zip(gold, predictions, strict=True):
        score_article(article["attributions"], pred, report, article["id"])
    return report
