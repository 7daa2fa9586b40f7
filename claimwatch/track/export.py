"""Export dossiers: ClaimReview JSON-LD (schema.org), JSON Lines, CSV.

ClaimReview follows schema.org and Google's fact-check structured data:

- Only claims with a human verdict are exported by default. `include_unreviewed` adds the others with
  their machine status, marked as automated (`alternateName` "Disputed (automated)", an explanation
  that no person reviewed the claim, and no numeric rating: a machine status describes the coverage,
  not the truth of the claim).
- `reviewRating` follows the verdict scale: false 1, mostly-false 2, mixed 3, mostly-true 4, true 5
  (`worstRating` 1, `bestRating` 5), `alternateName` the verdict's name ("Mostly false"). "unproven"
  is off the scale: its rating has `alternateName` "Unproven" and no `ratingValue`/`bestRating`/
  `worstRating` (a value such as -1 would fall outside the declared range).
- `author` is the publishing organisation (CLAIMWATCH_ORG_NAME, CLAIMWATCH_ORG_URL); `url` is
  CLAIMWATCH_BASE_URL/claims/ID; both are required, and a missing one is one ConfigError line.
- `datePublished` is the date of the claim's first verdict and `dateModified` that of the latest when
  it is later (both stored, so stable across exports); for automated entries, the date of the last
  status change (else the claim's creation).
- `itemReviewed.appearance` lists the articles that make the claim: those whose stance (after review)
  is agree. Articles that deny it or only discuss it are left out, and so are excluded articles. Each
  appearance carries its URL only when that is an http(s) URL (`web_url`); an article with neither a
  URL nor a headline is not listed (an empty CreativeWork identifies nothing). `firstAppearance` is the
  earliest of them, and `itemReviewed.author` the first named source that states the claim in it (a
  Person, or an Organization when the name is an acronym or holds an organisation noun); anonymous
  sources ("a source close to…", "officials") are not named as authors.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from claimwatch.errors import ClaimwatchError, ConfigError
from claimwatch.records import Dossier, DossierEntry
from claimwatch.track.dossier import entry_order

if TYPE_CHECKING:
    from claimwatch.settings import Settings

FORMATS = ("claimreview", "jsonl", "csv")
# The verdict scale a reviewer publishes on: worst (1) to best (5); "unproven" has no place on it.
VERDICT_RATING = {"false": 1, "mostly-false": 2, "mixed": 3, "mostly-true": 4, "true": 5}
VERDICT_NAME = {
    "false": "False",
    "mostly-false": "Mostly false",
    "mixed": "Mixed",
    "mostly-true": "Mostly true",
    "true": "True",
    "unproven": "Unproven",
}
WORST_RATING, BEST_RATING = 1, 5
STATUS_NAME = {"denied": "Denied", "disputed": "Disputed", "unverified": "Unverified", "confirmed": "Confirmed"}
AUTOMATED = "Automated status from news coverage; no person has reviewed this claim."


def web_url(url: str | None) -> str | None:
    """`url` when it is an absolute http(s) URL with a host, else None.

    Article URLs come from untrusted input: a `javascript:`, `data:` or `vbscript:` URL (or anything
    else) must never become a link on a page or a URL in an export. The raw text must itself start
    with http:// or https://, so what a browser parses (it drops leading blanks and control
    characters, and tabs and newlines anywhere) cannot be another scheme; control characters and
    blanks are refused outright.
    """
    if not url or not url[:8].lower().startswith(("http://", "https://")):
        return None
    if any(c.isspace() or ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in {"http", "https"} and parts.hostname else None


# -- settings ---------------------------------------------------------------------------------


def publisher(settings: Settings) -> dict[str, Any]:
    """The organisation that publishes the reviews (ClaimReview `author`), from the settings."""
    name = " ".join(settings.org_name.split())
    if not name:
        raise ConfigError("set CLAIMWATCH_ORG_NAME to the organisation that publishes the reviews (the ClaimReview author)")
    org: dict[str, Any] = {"@type": "Organization", "name": name}
    if settings.org_url:
        if web_url(settings.org_url) is None:
            raise ConfigError(f"invalid setting CLAIMWATCH_ORG_URL={settings.org_url!r}: must be an http(s) URL")
        org["url"] = settings.org_url
    return org


def review_url(settings: Settings, claim_id: int | None) -> str:
    """BASE_URL/claims/ID: where the review (the dossier page) is published."""
    base = settings.base_url.strip()
    if not base:
        raise ConfigError(
            "set CLAIMWATCH_BASE_URL (or export --base-url) to the public URL of `claimwatch serve`: "
            "every ClaimReview needs a url (BASE_URL/claims/ID)"
        )
    parts = urlsplit(base) if web_url(base) else None
    if parts is None or parts.query or parts.fragment:
        raise ConfigError(f"invalid setting CLAIMWATCH_BASE_URL={base!r}: must be an http(s) URL without a query or fragment")
    return f"{base.rstrip('/')}/claims/{claim_id}"


def check_settings(settings: Settings) -> None:
    """Raise ConfigError when the settings cannot produce a valid ClaimReview."""
    publisher(settings)
    review_url(settings, 0)


# -- ClaimReview ------------------------------------------------------------------------------


def _day(value: datetime | None) -> str | None:
    return value.date().isoformat() if value else None


def _creative_work(e: DossierEntry) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": "CreativeWork"}
    if url := web_url(e.url):
        work["url"] = url
    if e.title:
        work["headline"] = e.title
    if e.published:
        work["datePublished"] = e.published.date().isoformat()
    if e.outlet:
        work["publisher"] = {"@type": "Organization", "name": e.outlet}
    return work


def _describes(work: dict[str, Any]) -> bool:
    """Does an appearance identify its article (a URL or a headline)?"""
    return "url" in work or "headline" in work


# Words that open a described, unnamed source: "a source close to…", "officials", "two people familiar…".
_UNNAMED = frozenset(
    {
        *("a", "an", "one", "two", "three", "several", "some", "many", "sources", "source", "officials", "official"),
        *("people", "witnesses", "residents", "critics", "experts", "analysts", "reports", "observers", "insiders", "aides"),
    }
)
_WORD = re.compile(r"[\w'’.-]+", re.UNICODE)


def source_author(name: str, outlets: Iterable[str | None] = ()) -> dict[str, Any] | None:
    """A named source as a schema.org Person or Organization; None for an unnamed or described source."""
    from claimwatch.attribution.lexicon import lexicon

    name = " ".join(name.split())
    words = _WORD.findall(name)
    if not words or words[0].lower() in _UNNAMED or "source" in {w.lower() for w in words}:
        return None
    rest = words[1:] if words[0].lower() == "the" else words
    if not rest or rest[0].lower() in _UNNAMED or not any(w[:1].isupper() for w in rest):
        return None  # "the company", "the ministry": not a name
    organisation = (
        words[0].lower() == "the"
        or name in {o for o in outlets if o}
        or any(len(w) >= 2 and w.isupper() for w in rest)
        or any(w.lower().strip(".") in lexicon().org_nouns for w in rest)
    )
    return {"@type": "Organization" if organisation else "Person", "name": name}


def _claim_author(entry: DossierEntry, outlets: Iterable[str | None]) -> dict[str, Any] | None:
    """The first named source that states the claim in its first appearance (denials do not state it), with
    the role written beside a person's name as their `jobTitle`."""
    for a in entry.attributions:
        if a.source and not a.denial and (author := source_author(a.source, outlets)) is not None:
            if a.source_role and author["@type"] == "Person":
                author["jobTitle"] = a.source_role
            return author
    return None


def appearances(dossier: Dossier) -> list[DossierEntry]:
    """The articles that make the claim (stance agree after review), oldest first."""
    return sorted((e for e in dossier.entries if e.stance == "agree"), key=entry_order)


def _review_dates(dossier: Dossier) -> tuple[str | None, str | None]:
    """(published, modified): the first verdict's date, and the latest's when it is a later day."""
    assert dossier.review is not None
    verdicts = [a.at for a in dossier.audit if a.action == "review" and a.at is not None]
    latest = dossier.review.at
    first = min(verdicts, default=latest)
    published, modified = _day(first), _day(latest)
    return published, (modified if modified and modified != published else None)


def claimreview(dossier: Dossier, settings: Settings, include_unreviewed: bool = False) -> dict[str, Any] | None:
    """One schema.org ClaimReview (JSON-LD) for a dossier built with all its entries; None when the claim
    has no verdict and unreviewed claims are not included. ConfigError when the organisation or the
    base URL is not set (CLAIMWATCH_ORG_NAME, CLAIMWATCH_BASE_URL)."""
    review = dossier.review
    if review is None and not include_unreviewed:
        return None
    author, url = publisher(settings), review_url(settings, dossier.claim.id)
    claim = dossier.claim

    made = appearances(dossier)
    item: dict[str, Any] = {"@type": "Claim"}
    if made:
        first = next((e for e in made if e is dossier.first_appearance), made[0])
        works = [w for w in map(_creative_work, made) if _describes(w)]  # a bare CreativeWork says nothing
        if works:
            item["appearance"] = works
        if _describes(work := _creative_work(first)):
            item["firstAppearance"] = work
        if first.published:
            item["datePublished"] = first.published.date().isoformat()
        if claim_author := _claim_author(first, (e.outlet for e in dossier.entries)):
            item["author"] = claim_author

    rating: dict[str, Any] = {"@type": "Rating"}
    if review is not None:
        if review.verdict in VERDICT_RATING:
            rating |= {"ratingValue": VERDICT_RATING[review.verdict], "bestRating": BEST_RATING, "worstRating": WORST_RATING}
        rating["alternateName"] = VERDICT_NAME[review.verdict]
        if review.note:
            rating["ratingExplanation"] = review.note
        published, modified = _review_dates(dossier)
    else:
        rating["alternateName"] = f"{STATUS_NAME[dossier.status]} (automated)"
        rating["ratingExplanation"] = " ".join([AUTOMATED, *(f"{r}." if not r.endswith(".") else r for r in dossier.reasons)])
        changed = next((e.at for e in dossier.history if e.kind == "status" and e.at is not None), None)
        published, modified = _day(changed or claim.created), None

    out: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": claim.text,
        "author": author,
        "reviewRating": rating,
        "itemReviewed": item,
    }
    if published:
        out["datePublished"] = published
    if modified:
        out["dateModified"] = modified
    return out


# -- JSON Lines and CSV -----------------------------------------------------------------------


def _review_fields(dossier: Dossier) -> dict[str, Any]:
    r = dossier.review
    return {
        "verdict": r.verdict if r else None,
        "reviewed_by": r.by if r else None,
        "reviewed_at": r.at.isoformat() if r and r.at else None,
        "review_note": r.note if r else None,
    }


def dossier_row(dossier: Dossier) -> dict[str, Any]:
    """The JSON shape of a dossier in exports: the dossier, with its verdict beside the machine status."""
    return {"verdict": dossier.review.verdict if dossier.review else None} | dossier.to_dict()


CSV_FIELDS = [
    "claim_id",
    "claim",
    "status",
    "reasons",
    "verdict",
    "reviewed_by",
    "reviewed_at",
    "review_note",
    "article_id",
    "outlet",
    "published",
    "url",
    "title",
    "stance",
    "machine_stance",
    "corrected_by",
    "confidence",
    "hedged",
    "evidence",
    "copies",
]


def _csv(dossiers: list[Dossier]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for d in dossiers:
        review = {k: ("" if v is None else v) for k, v in _review_fields(d).items()}
        base = {"claim_id": d.claim.id, "claim": d.claim.text, "status": d.status, "reasons": "; ".join(d.reasons)} | review
        if not d.entries:
            writer.writerow(base)
        for e in d.entries:
            writer.writerow(
                base
                | {
                    "article_id": e.article_id,
                    "outlet": e.outlet or "",
                    "published": e.published.isoformat() if e.published else "",
                    "url": e.url or "",
                    "title": e.title or "",
                    "stance": e.stance,
                    "machine_stance": e.machine_stance or "",
                    "corrected_by": e.corrected_by or "",
                    "confidence": e.confidence,
                    "hedged": e.hedged,
                    "evidence": e.evidence[0].text if e.evidence else "",
                    "copies": " ".join(map(str, e.copies)),
                }
            )
    return buffer.getvalue()


def export(dossiers: Iterable[Dossier], fmt: str, settings: Settings, include_unreviewed: bool = False) -> str:
    """Serialise dossiers (built with all their entries) in one of FORMATS. ClaimReview holds the
    reviewed claims only unless `include_unreviewed`; JSON Lines and CSV hold every dossier, with the
    verdict and review beside the machine status."""
    if fmt not in FORMATS:
        raise ClaimwatchError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    items = list(dossiers)
    if fmt == "claimreview":
        check_settings(settings)
        reviews = [r for d in items if (r := claimreview(d, settings, include_unreviewed)) is not None]
        return json.dumps(reviews, indent=2, ensure_ascii=False) + "\n"
    if fmt == "jsonl":
        return "".join(json.dumps(dossier_row(d), ensure_ascii=False, default=str) + "\n" for d in items)
    return _csv(items)
