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
