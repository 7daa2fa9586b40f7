"""Evaluation of attribution extraction against a hand-annotated gold set (tests/data/attribution_gold.jsonl).

A predicted attribution matches a gold one when the cues match (same first word, case-insensitive)
and the sources match: *lenient* = they share a content word (or both are empty, for agentless
"is said to" hedges), *exact* = same text after trimming determiners and punctuation. For a
pronoun source the pronoun as written is compared, not its resolution. Each gold item matches once.
`cue` and `source` count the cues alone and the (lenient) sources alone, whatever the other field.
Flag precision/recall (denial, hedged, confirmation) are computed over all predictions and gold items;
`denials_flagged` is the share of gold denials whose attribution is found and flagged.
Where the gold items carry `content` and `kind` (attribution_heldout2.jsonl, attribution_dev2.jsonl), a
matched prediction's content counts when its word overlap with the gold content has F1 >= 0.5, and its kind when equal;
precision is over the predictions of those articles. Cues are compared without auxiliaries ("has said").
`source_problems` lists predicted sources that are no speaker (a bare place, a date fragment, a dateline,
an unresolved pronoun, a non-agent noun, text across a line break).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimwatch.errors import InputError
from claimwatch.records import Attribution

_WORD = re.compile(r"(?:[A-Z]\.){2,}|[\w’']+")  # a dotted acronym ("U.S.", "U.N.") is one word
_DETERMINERS = {"a", "an", "the", "this", "that", "his", "her", "their", "our", "its"}
_FUNCTION = _DETERMINERS | {"of", "in", "on", "for", "to", "from", "at", "by", "with", "and", "or", "who", "s", "’s", "'s"}


def _words(text: str) -> set[str]:
    """Content words, lower-cased; an acronym written in capitals counts even when it spells a function word
    ("WHO", the World Health Organization, is not "who"), and so does a dotted one ("the U.S.")."""
    return {w.lower() for w in _WORD.findall(text) if (w.lower() not in _FUNCTION or w.isupper()) and len(w) > 1 or w.lower() == "i"}


def _norm(text: str) -> str:
    words = [w.lower() for w in _WORD.findall(text)]
    while words and words[0] in _DETERMINERS:
        words = words[1:]
    return " ".join(words)


_AUX = {
    "is", "are", "was", "were", "been", "be", "being", "has", "have", "had", "do", "does", "did",
    "may", "might", "would", "will", "could", "can", "should", "must", "to",
}  # fmt: skip
# adverbs an annotator may keep inside a cue ("has now confirmed", "have also been put forward", "was widely believed")
_CUE_ADVERBS = {
    "now", "also", "already", "just", "still", "since", "then", "even", "later", "first", "again", "widely",
    "reportedly", "allegedly", "repeatedly", "publicly", "previously", "recently", "initially", "originally",
    "immediately", "quickly", "firmly", "strongly", "categorically", "flatly", "officially", "vehemently",
    "privately", "openly", "directly", "briefly", "angrily", "long", "only", "at", "least", "earlier", "further",
}  # fmt: skip
# "goes on to suggest" ~ "suggest": the verb that carries the statement follows
_GOES_ON_TO = re.compile(r"\b(?:go|goes|went|going|gone) on to\b")


def _adverb(word: str) -> bool:
    """A manner or stance adverb written inside a cue: listed, or a long -ly word ("apparently", "confidently")."""
    return word in _CUE_ADVERBS or (len(word) >= 7 and word.endswith("ly"))


def cue_match(gold: str, pred: str) -> bool:
    """Cues match on their first word, after auxiliaries, modals and adverbs ("echoed" ~ "echoed the denial", "is
    said" ~ "said", "has now confirmed" ~ "confirmed", "may now be joking" ~ "joking", "did say" ~ "say", "even had to
    debunk" ~ "debunk", "has apparently claimed" ~ "claimed", "goes on to suggest" ~ "suggest")."""

    def words(cue: str) -> list[str]:
        return [w for w in _GOES_ON_TO.sub(" ", cue.lower()).split() if w not in _AUX and not _adverb(w)]

    g, p = words(gold), words(pred)
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
    source: Counts = field(default_factory=Counts)
    flags: dict[str, Counts] = field(default_factory=lambda: {"denial": Counts(), "hedged": Counts(), "confirmation": Counts()})
    content: Counts = field(default_factory=Counts)
    kind: Counts = field(default_factory=Counts)
    misses: list[dict[str, Any]] = field(default_factory=list)
    spurious: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Figures as a JSON-ready dict."""
        out: dict[str, Any] = {
            "source_cue": self.pairs.figures(),
            "source_cue_exact": self.exact.figures(),
            "cue": self.cue.figures(),
            "source": self.source.figures(),
            **{name: c.figures() for name, c in self.flags.items()},
        }
        if self.content.gold:  # only where the gold set annotates content and kind
            out["content"] = self.content.figures()
            out["kind"] = self.kind.figures()
        denial = self.flags["denial"]
        out["denials_flagged"] = {
            "flagged": denial.tp,
            "gold": denial.gold,
            "rate": round(denial.tp / denial.gold, 4) if denial.gold else 0.0,
        }
        return out


def _greedy(
    gold: list[dict[str, Any]], n_pred: int, matches: Callable[[dict[str, Any], int], bool]
) -> list[tuple[dict[str, Any], int | None]]:
    """Each gold item with the first prediction not yet taken that matches it (None: none does)."""
    used: set[int] = set()
    pairs: list[tuple[dict[str, Any], int | None]] = []
    for g in gold:
        hit = next((i for i in range(n_pred) if i not in used and matches(g, i)), None)
        if hit is not None:
            used.add(hit)
        pairs.append((g, hit))
    return pairs


def _tally(counts: Counts, pairs: list[tuple[dict[str, Any], int | None]], n_pred: int) -> None:
    counts.gold += len(pairs)
    counts.predicted += n_pred
    counts.tp += sum(hit is not None for _, hit in pairs)


def lenient_pairs(gold: list[dict[str, Any]], pred: list[Attribution]) -> list[tuple[dict[str, Any], int | None]]:
    """Each gold attribution with the index of the prediction it matches on cue and source words (None: none does):
    the source+cue match every figure and flag is counted on."""
    surface = [p.resolved_from or p.source for p in pred]
    return _greedy(gold, len(pred), lambda g, i: cue_match(g["cue"], pred[i].cue) and source_match(g["source"], surface[i]))


def score_article(gold: list[dict[str, Any]], pred: list[Attribution], report: Report, article_id: str = "") -> None:
    """Add one article's matches to the report."""
    surface = [p.resolved_from or p.source for p in pred]
    n = len(pred)
    lenient = lenient_pairs(gold, pred)
    _tally(report.pairs, lenient, n)
    _tally(report.exact, _greedy(gold, n, lambda g, i: cue_match(g["cue"], pred[i].cue) and source_match(g["source"], surface[i], True)), n)
    _tally(report.cue, _greedy(gold, n, lambda g, i: cue_match(g["cue"], pred[i].cue)), n)
    _tally(report.source, _greedy(gold, n, lambda g, i: source_match(g["source"], surface[i])), n)  # whatever the cue
    # flags over lenient matches; unmatched flagged predictions count against precision
    matched = [(g, pred[hit]) for g, hit in lenient if hit is not None]
    report.misses += [{"article": article_id, "source": g["source"], "cue": g["cue"]} for g, hit in lenient if hit is None]
    used = {hit for _, hit in lenient if hit is not None}
    report.spurious += [{"article": article_id, "source": surface[i], "cue": p.cue} for i, p in enumerate(pred) if i not in used]
    if any("content" in g for g in gold):
        report.content.predicted += len(pred)
        report.kind.predicted += len(pred)
        report.content.gold += sum("content" in g for g in gold)
        report.kind.gold += sum("kind" in g for g in gold)
        report.content.tp += sum("content" in g and content_overlap(g["content"], p.content) >= 0.5 for g, p in matched)
        report.kind.tp += sum("kind" in g and g["kind"] == p.kind for g, p in matched)
    for name, counts in report.flags.items():
        counts.gold += sum(bool(g[name]) for g in gold)
        counts.predicted += sum(bool(getattr(p, name)) for p in pred)
        counts.tp += sum(bool(g[name]) and bool(getattr(p, name)) for g, p in matched)


def content_overlap(gold: str, pred: str) -> float:
    """Word-overlap F1 of two contents (lower-cased words, punctuation and quotes ignored)."""
    g = [w.lower() for w in _WORD.findall(gold)]
    p = [w.lower() for w in _WORD.findall(pred)]
    if not g or not p:
        return 0.0
    common = sum(min(g.count(w), p.count(w)) for w in set(g))
    if not common:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


_PRONOUNS = {"he", "she", "it", "they", "him", "her", "them", "we", "i", "us", "me"}
_NON_AGENTS = {"both", "all", "each", "either", "neither", "this", "that", "these", "those", "none", "one"}
_DATE = re.compile(
    r"^(on |in |earlier |later |last )?(monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|"
    r"july|august|september|october|november|december|yesterday|today)\b.*,",
    re.IGNORECASE,
)


def source_problems(attributions: Iterable[Attribution], places: Iterable[str] = ()) -> list[str]:
    """Predicted sources that are no speaker: an unresolved pronoun, a date fragment or dateline left in front
    ("June, Sec. of State John Kerry", "MANAGUA, Nicaragua — ..."), a bare place (one of `places`, e.g. the GPE
    entities that are not the subject of their cue), a non-agent word ("both"), text across a line break."""
    bad_places = {p.lower() for p in places}
    problems = []
    for a in attributions:
        s = a.source.strip()
        low = s.lower()
        if not s:
            continue
        if (
            low in _PRONOUNS
            or low in _NON_AGENTS
            or low in bad_places
            or "\n" in s
            or _DATE.match(s)
            or re.search(r"\s[—–-]{1,2}\s", s)
            or re.match(r"^[A-Z]{3,}(\s[A-Z]{3,})*,", s)
        ):
            problems.append(s)
    return problems


def load_gold(path: Path) -> list[dict[str, Any]]:
    """Read the gold JSONL (id, note, text, attributions)."""
    if not path.is_file():
        raise InputError(str(path), "no such gold file")
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def evaluate(gold: Iterable[dict[str, Any]], predictions: Iterable[list[Attribution]]) -> Report:
    """Score predictions (one list per gold article, same order)."""
    report = Report()
    for article, pred in zip(gold, predictions, strict=True):
        score_article(article["attributions"], pred, report, article["id"])
    return report
