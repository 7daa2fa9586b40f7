"""Exports of the demo's dossiers: ClaimReview JSON-LD, JSON Lines, CSV."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from claimwatch.errors import ClaimwatchError
from claimwatch.settings import Settings
from claimwatch.store import Store
from claimwatch.track.dossier import build_dossiers
from claimwatch.track.export import export


def _dossiers(demo_db: Path):  # type: ignore[no-untyped-def]
    with Store(Settings(db=str(demo_db))) as store:
        return build_dossiers(store)


def test_claimreview_json_ld(demo_db: Path) -> None:
    reviews = json.loads(export(_dossiers(demo_db), "claimreview", base_url="https://cw.example.org/"))
    assert len(reviews) == 5
    iran = next(r for r in reviews if r["claimReviewed"].startswith("Iran's supreme leader"))
    assert iran["@context"] == "https://schema.org" and iran["@type"] == "ClaimReview"
    assert iran["reviewRating"]["alternateName"] == "Disputed" and iran["reviewRating"]["ratingValue"] == 2
    assert "denied by A source close to Mr. Khamenei" in iran["reviewRating"]["ratingExplanation"]
    item = iran["itemReviewed"]
    assert item["@type"] == "Claim" and item["appearance"][0]["headline"].startswith("Iran's supreme leader said to approve")
    assert item["firstAppearance"] == item["appearance"][0]
    assert iran["url"] == "https://cw.example.org/claims/5" and iran["datePublished"]


def test_jsonl_and_csv(demo_db: Path) -> None:
    dossiers = _dossiers(demo_db)
    lines = [json.loads(line) for line in export(dossiers, "jsonl").splitlines()]
    assert [d["claim"]["id"] for d in lines] == [1, 2, 3, 4, 5]
    assert all(d["status"] in {"unverified", "disputed", "confirmed", "denied"} and d["reasons"] for d in lines)
    rows = list(csv.DictReader(io.StringIO(export(dossiers, "csv"))))
    assert len(rows) == sum(len(d.entries) for d in dossiers)
    iran = [r for r in rows if r["claim_id"] == "5"]
    assert len(iran) == 1 and iran[0]["status"] == "disputed" and iran[0]["hedged"] == "True"


def test_unknown_format_is_refused(demo_db: Path) -> None:
    with pytest.raises(ClaimwatchError, match="unknown export format 'xml'"):
        export(_dossiers(demo_db), "xml")


NOT_WEB = [
    "javascript:alert(1)//",
    "JAVASCRIPT:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "/relative",
    "ftp://files.example.org/x",
    "https://:80/no-host",
    "http://exa mple.org/",
]


@pytest.mark.parametrize("url", NOT_WEB, ids=range(len(NOT_WEB)))
def test_claimreview_carries_only_http_urls(demo_copy: Path, url: str) -> None:
    import sqlite3

    with sqlite3.connect(demo_copy) as con:  # article 21 is the appearance of claim 5 (and its first)
        con.execute("UPDATE articles SET url = ? WHERE id = 21", (url,))
    with Store(Settings(db=str(demo_copy))) as store:
        dossiers = build_dossiers(store)
    assert any(e.url == url for d in dossiers for e in d.entries)
    reviews = json.loads(export(dossiers, "claimreview", base_url=url))
    iran = next(r for r in reviews if r["claimReviewed"].startswith("Iran's supreme leader"))
    assert "url" not in iran  # a base URL that is not http(s) gives no review URL either
    assert all("url" not in a for a in iran["itemReviewed"]["appearance"])
    assert "url" not in iran["itemReviewed"]["firstAppearance"]
    assert url not in json.dumps(reviews, ensure_ascii=False)


def test_claimreview_keeps_http_urls(demo_copy: Path) -> None:
    import sqlite3

    with sqlite3.connect(demo_copy) as con:
        con.execute("UPDATE articles SET url = 'HTTPS://www.csmonitor.com/World/2014/iran?a=1' WHERE id = 21")
    with Store(Settings(db=str(demo_copy))) as store:
        reviews = json.loads(export(build_dossiers(store), "claimreview", base_url="http://cw.example.org"))
    iran = next(r for r in reviews if r["claimReviewed"].startswith("Iran's supreme leader"))
    assert iran["itemReviewed"]["appearance"][0]["url"] == "HTTPS://www.csmonitor.com/World/2014/iran?a=1"
    assert iran["url"] == "http://cw.example.org/claims/5"
