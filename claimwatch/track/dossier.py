"""The dossier of a claim: its articles (copies collapsed), sources, stances over time, status and reasons."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

from claimwatch.attribution.lexicon import headline_hedged
from claimwatch.records import (
    Article,
    Attribution,
    Dossier,
    DossierEntry,
    Evidence,
    SourceMention,
    StanceResult,
    StatusInputs,
)
from claimwatch.store import Store
from claimwatch.track.status import DEFAULT_RULES, StatusRules, decide_status

# A denial or confirmation usually follows (or precedes) the report it answers, in the next sentence
# or two, and shares few words with the claim: look this far around the evidence sentences for one.
RESPONSE_WINDOW = 400


def _span(a: Attribution) -> tuple[int, int]:
    starts = [x for x in (a.source_start, a.cue_start, a.content_start) if x >= 0]
    ends = [x for x in (a.source_end, a.cue_end, a.content_end) if x >= 0]
    return (min(starts), max(ends)) if starts and ends else (-1, -1)


_WORD = re.compile(r"[a-z][a-z'-]{2,}")
_STOP = frozenset(
    [
        "the",
        "and",
        "that",
        "this",
        "with",
        "for",
        "from",
        "has",
        "have",
        "had",
        "was",
        "were",
        "will",
        "would",
        "said",
        "says",
        "say",
        "its",
        "his",
        "her",
        "their",
        "they",
        "them",
        "not",
        "but",
        "are",
        "been",
        "being",
        "which",
        "who",
        "whom",
        "what",
        "when",
        "where",
        "there",
        "than",
        "then",
        "also",
        "into",
        "over",
        "about",
        "after",
        "before",
        "could",
        "should",
        "may",
        "might",
        "must",
        "can",
        "did",
        "does",
        "done",
        "just",
        "more",
        "most",
        "some",
        "such",
        "only",
        "other",
        "any",
        "all",
        "new",
    ]
)
# A response names what it answers: "denied that report", "called the story false", "confirmed it".
_REFERS_BACK = re.compile(
    r"\b(reports?|reported|story|stories|claims?|rumou?rs?|allegations?|accounts?|it|this|that|these|those)\b", re.IGNORECASE
)


def _stems(text: str) -> set[str]:
    return {w[:5] for w in _WORD.findall(text.lower()) if w not in _STOP}


def about_claim(a: Attribution, claim_stems: set[str]) -> bool:
    """Is a denial or confirmation about the claim? Its content refers back to a report ("denied that report")
    or shares at least two content words with the claim; "ruled out direct contacts" near a report of
    military cooperation is context, not a denial of the claim."""
    return bool(_REFERS_BACK.search(a.content)) or len(_stems(a.content) & claim_stems) >= 2


def linked_attributions(attributions: list[Attribution], evidence: list[Evidence], claim: str | None = None) -> list[Attribution]:
    """Attributions that state the evidence (overlap an evidence sentence), and denials or confirmations near it.
    With the claim's text, a denial or confirmation is linked only when it is about the claim (`about_claim`)."""
    linked = []
    claim_stems = _stems(claim) if claim else set()
    for a in attributions:
        start, end = _span(a)
        if start < 0:
            continue
        if claim and (a.denial or a.confirmation) and not about_claim(a, claim_stems):
            continue
        for ev in evidence:
            if ev.start < 0:
                continue
            overlaps = start < ev.end and ev.start < end
            near = (a.denial or a.confirmation) and start < ev.end + RESPONSE_WINDOW and ev.start - RESPONSE_WINDOW < end
            if overlaps or near:
                linked.append(a)
                break
    return linked


def _sort_key(entry: DossierEntry) -> tuple[int, datetime, int]:
    """Dated articles first, oldest first; undated by id (ingest order)."""
    if entry.published is None:
        return (1, datetime.max, entry.article_id)
    return (0, entry.published.replace(tzinfo=None), entry.article_id)


def _entry(article: Article, stance: StanceResult, attributions: list[Attribution], claim: str) -> DossierEntry:
    assert article.id is not None
    linked = linked_attributions(attributions, stance.evidence, claim)
    hedged = bool(article.title and headline_hedged(article.title)) or any(a.hedged and not a.denial for a in linked)
    return DossierEntry(
        article_id=article.id,
        title=article.title,
        outlet=article.outlet,
        published=article.published,
        url=article.url,
        stance=stance.label,
        confidence=stance.probabilities.get(stance.label, 0.0),
        evidence=stance.evidence,
        attributions=linked,
        hedged=hedged,
    )


def build_dossier(store: Store, claim_id: int, rules: StatusRules = DEFAULT_RULES) -> Dossier:
    """Assemble the dossier of one claim from stored stances, articles and attributions."""
    claim = store.get_claim(claim_id)
    stances = store.stances(claim_id=claim_id, related_only=True)
    articles = store.get_articles((s.article_id for s in stances if s.article_id is not None), with_text=False)
    attributions = store.attributions_of(articles)
    related_ids = set(articles)
    entries: dict[int, DossierEntry] = {}
    copies: list[tuple[int, Article]] = []
    for s in stances:
        assert s.article_id is not None
        article = articles[s.article_id]
        # A syndicated copy is collapsed into its original when the original is about the claim too.
        if article.duplicate_of is not None and article.duplicate_of in related_ids:
            copies.append((article.duplicate_of, article))
            continue
        entries[s.article_id] = _entry(article, s, attributions[s.article_id], claim.text)
    for original, article in copies:
        target = entries.get(original)
        if target is None:  # the original was itself a copy: attach to the entry that holds it
            target = next((e for e in entries.values() if original in e.copies), None)
        if target is not None and article.id is not None:
            target.copies.append(article.id)
            if article.outlet and article.outlet != target.outlet and article.outlet not in target.copy_outlets:
                target.copy_outlets.append(article.outlet)
    ordered = sorted(entries.values(), key=_sort_key)

    reported: list[SourceMention] = []
    confirmed: list[SourceMention] = []
    denied: list[SourceMention] = []
    for e in ordered:
        for a in e.attributions:
            mention = SourceMention(
                source=a.source,
                cue=a.cue,
                content=a.content,
                article_id=e.article_id,
                outlet=e.outlet,
                channel=a.channel,
                hedged=a.hedged,
                denial=a.denial,
                confirmation=a.confirmation,
            )
            if not a.source:
                continue
            (denied if a.denial else confirmed if a.confirmation else reported).append(mention)
    inputs = StatusInputs(
        agree=sum(1 for e in ordered if e.stance == "agree"),
        disagree=sum(1 for e in ordered if e.stance == "disagree"),
        discuss=sum(1 for e in ordered if e.stance == "discuss"),
        agree_hedged=sum(1 for e in ordered if e.stance == "agree" and e.hedged),
        reporters=list(dict.fromkeys(m.source for m in reported)),
        hedged_reports=sum(1 for e in ordered if e.hedged and e.stance != "disagree"),
        denials=list(dict.fromkeys(m.source for m in denied)),
        confirmations=list(dict.fromkeys(m.source for m in confirmed)),
    )
    status, reasons = decide_status(inputs, rules)
    return Dossier(
        claim=claim,
        status=status,
        reasons=reasons,
        inputs=inputs,
        entries=ordered,
        first_appearance=ordered[0] if ordered else None,
        timeline=timeline(ordered),
        reported_by=reported,
        confirmed_by=confirmed,
        denied_by=denied,
        stance_counts=dict(Counter(e.stance for e in ordered)),
        history=store.events(claim_id),
    )


def timeline(entries: list[DossierEntry]) -> list[dict[str, object]]:
    """Stance counts per publication day (undated articles are counted under "undated")."""
    days: dict[str, Counter[str]] = {}
    for e in entries:
        day = e.published.date().isoformat() if e.published else "undated"
        days.setdefault(day, Counter())[e.stance] += 1
    ordered = sorted(days, key=lambda d: (d == "undated", d))
    return [{"date": d, "agree": days[d]["agree"], "disagree": days[d]["disagree"], "discuss": days[d]["discuss"]} for d in ordered]


def build_dossiers(store: Store, rules: StatusRules = DEFAULT_RULES) -> list[Dossier]:
    """Dossiers of every tracked claim."""
    return [build_dossier(store, c.id, rules) for c in store.list_claims() if c.id is not None]
