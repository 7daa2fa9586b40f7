"""Export dossiers: ClaimReview JSON-LD (schema.org), JSON Lines, CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from claimwatch.records import Dossier

FORMATS = ("claimreview", "jsonl", "csv")
# schema.org Rating for a ClaimReview: 1 (false) .. 5 (true); alternateName carries our status.
RATING = {"denied": 1, "disputed": 2, "unverified": 3, "confirmed": 5}
STATUS_NAME = {"denied": "Denied", "disputed": "Disputed", "unverified": "Unverified", "confirmed": "Confirmed"}


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


def claimreview(dossier: Dossier, publisher: str = "claimwatch", base_url: str | None = None) -> dict[str, Any]:
    """One schema.org ClaimReview (JSON-LD) for a dossier."""
    claim = dossier.claim
    appearances = [
        {
            "@type": "CreativeWork",
            **({"url": url} if (url := web_url(e.url)) else {}),
            **({"headline": e.title} if e.title else {}),
            **({"datePublished": e.published.date().isoformat()} if e.published else {}),
            **({"publisher": {"@type": "Organization", "name": e.outlet}} if e.outlet else {}),
        }
        for e in dossier.entries
    ]
    item: dict[str, Any] = {"@type": "Claim", "appearance": appearances}
    if dossier.first_appearance is not None:
        item["firstAppearance"] = appearances[0]
        if dossier.first_appearance.published:
            item["datePublished"] = dossier.first_appearance.published.date().isoformat()
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": claim.text,
        "datePublished": datetime.now(UTC).date().isoformat(),
        "author": {"@type": "Organization", "name": publisher},
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": RATING[dossier.status],
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": STATUS_NAME[dossier.status],
            "ratingExplanation": "; ".join(dossier.reasons),
        },
        "itemReviewed": item,
    }
    if base_url and web_url(base_url):
        review["url"] = f"{base_url.rstrip('/')}/claims/{claim.id}"
    return review


def dossier_row(dossier: Dossier) -> dict[str, Any]:
    """The JSON shape of a dossier in exports and the API."""
    return dossier.to_dict()


def export(dossiers: Iterable[Dossier], fmt: str, base_url: str | None = None) -> str:
    """Serialise dossiers in one of FORMATS."""
    items = list(dossiers)
    if fmt == "claimreview":
        return json.dumps([claimreview(d, base_url=base_url) for d in items], indent=2, ensure_ascii=False) + "\n"
    if fmt == "jsonl":
        return "".join(json.dumps(dossier_row(d), ensure_ascii=False, default=str) + "\n" for d in items)
    if fmt == "csv":
        buffer = io.StringIO()
        fields = [
            "claim_id",
            "claim",
            "status",
            "reasons",
            "article_id",
            "outlet",
            "published",
            "url",
            "title",
            "stance",
            "confidence",
            "hedged",
            "evidence",
            "copies",
        ]
        writer = csv.DictWriter(buffer, fieldnames=fields)
        writer.writeheader()
        for d in items:
            base = {"claim_id": d.claim.id, "claim": d.claim.text, "status": d.status, "reasons": "; ".join(d.reasons)}
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
                        "confidence": e.confidence,
                        "hedged": e.hedged,
                        "evidence": e.evidence[0].text if e.evidence else "",
                        "copies": " ".join(map(str, e.copies)),
                    }
                )
        return buffer.getvalue()
    from claimwatch.errors import ClaimwatchError

    raise ClaimwatchError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
