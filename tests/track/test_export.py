"""Exports: ClaimReview JSON-LD that validates (reviewed claims, verdict scale, publisher, url, dates,
appearances), JSON Lines and CSV with the verdict."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from claimwatch.errors import ClaimwatchError, ConfigError
from claimwatch.records import (
    VERDICTS,
    Attribution,
    AuditEntry,
    Claim,
    Dossier,
    DossierEntry,
    Event,
    Evidence,
    Review,
    StatusInputs,
)
from claimwatch.settings import Settings
from claimwatch.store import Store
from claimwatch.track.dossier import build_dossiers
from claimwatch.track.export import claimreview, export, source_author

ORG = {"org_name": "Fact Desk", "org_url": "https://factdesk.example.org/", "base_url": "https://cw.example.org/"}


def _http(value: object) -> bool:
    return isinstance(value, str) and value.lower().startswith(("http://", "https://")) and " " not in value


def _iso_date(value: object) -> bool:
    try:
        date.fromisoformat(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


def _actor(value: object, where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where}: not an object"]
    problems = []
    if value.get("@type") not in ("Organization", "Person"):
        problems.append(f"{where}.@type: {value.get('@type')!r} is not Organization or Person")
    if not isinstance(value.get("name"), str) or not value["name"].strip():
        problems.append(f"{where}.name: missing")
    if "url" in value and not _http(value["url"]):
        problems.append(f"{where}.url: not an http(s) URL")
    return problems


def _creative_work(value: object, where: str) -> list[str]:
    if isinstance(value, str):
        return [] if _http(value) else [f"{where}: not an http(s) URL"]
    if not isinstance(value, dict) or value.get("@type") != "CreativeWork":
        return [f"{where}: not a CreativeWork or URL"]
    problems = []
    if "url" in value and not _http(value["url"]):
        problems.append(f"{where}.url: not an http(s) URL")
    if "datePublished" in value and not _iso_date(value["datePublished"]):
        problems.append(f"{where}.datePublished: not an ISO date")
    return problems


def claimreview_problems(doc: Any) -> list[str]:
    """What keeps `doc` from being a valid ClaimReview per schema.org and Google's fact-check structured
    data: required claimReviewed, reviewRating (alternateName; a numeric ratingValue within
    worstRating..bestRating, worstRating at least 1), url; author with a name; datePublished; an
    itemReviewed Claim whose appearances are CreativeWorks (or URLs) with http(s) URLs."""
    if not isinstance(doc, dict):
        return ["not an object"]
    problems = []
    if doc.get("@context") not in ("https://schema.org", "http://schema.org"):
        problems.append("@context: not schema.org")
    if doc.get("@type") != "ClaimReview":
        problems.append("@type: not ClaimReview")
    if not isinstance(doc.get("claimReviewed"), str) or not doc["claimReviewed"].strip():
        problems.append("claimReviewed: missing")
    if not _http(doc.get("url")):
        problems.append("url: missing or not an http(s) URL")
    problems += _actor(doc.get("author"), "author")
    if not _iso_date(doc.get("datePublished")):
        problems.append("datePublished: missing or not an ISO date")
    if "dateModified" in doc and not (_iso_date(doc["dateModified"]) and doc["dateModified"] >= doc.get("datePublished", "")):
        problems.append("dateModified: not an ISO date on or after datePublished")
    rating = doc.get("reviewRating")
    if not isinstance(rating, dict) or rating.get("@type") != "Rating":
        problems.append("reviewRating: not a Rating")
    else:
        if not isinstance(rating.get("alternateName"), str) or not rating["alternateName"].strip():
            problems.append("reviewRating.alternateName: missing")
        if "ratingValue" in rating:
            value, best, worst = rating.get("ratingValue"), rating.get("bestRating"), rating.get("worstRating")
            if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in (value, best, worst)):
                problems.append("reviewRating: ratingValue, bestRating and worstRating must all be numbers")
            elif not (1 <= worst <= value <= best):  # type: ignore[operator]
                problems.append(f"reviewRating: {value} outside {worst}..{best} (worstRating at least 1)")
        elif "bestRating" in rating or "worstRating" in rating:
            problems.append("reviewRating: a scale without a ratingValue")
    item = doc.get("itemReviewed")
    if not isinstance(item, dict) or item.get("@type") != "Claim":
        problems.append("itemReviewed: not a Claim")
    else:
        appearance = item.get("appearance", [])
        for i, a in enumerate(appearance if isinstance(appearance, list) else [appearance]):
            problems += _creative_work(a, f"itemReviewed.appearance[{i}]")
        if "firstAppearance" in item:
            problems += _creative_work(item["firstAppearance"], "itemReviewed.firstAppearance")
        if "author" in item:
            problems += _actor(item["author"], "itemReviewed.author")
        if "datePublished" in item and not _iso_date(item["datePublished"]):
            problems.append("itemReviewed.datePublished: not an ISO date")
    return problems


def test_the_shape_checker_catches_what_google_refuses() -> None:
    good: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": "https://x.example/claims/1",
        "claimReviewed": "c",
        "author": {"@type": "Organization", "name": "Desk"},
        "datePublished": "2024-05-01",
        "reviewRating": {"@type": "Rating", "ratingValue": 1, "bestRating": 5, "worstRating": 1, "alternateName": "False"},
        "itemReviewed": {"@type": "Claim", "appearance": [{"@type": "CreativeWork", "url": "https://news.example/a"}]},
    }
    assert claimreview_problems(good) == []
    for broken, problem in [
        ({k: v for k, v in good.items() if k != "url"}, "url"),
        (good | {"author": {"@type": "Organization"}}, "author.name"),
        (good | {"datePublished": "yesterday"}, "datePublished"),
        (good | {"reviewRating": good["reviewRating"] | {"ratingValue": -1}}, "outside"),
        (good | {"reviewRating": {"@type": "Rating", "ratingValue": 3}}, "alternateName"),
        (good | {"itemReviewed": {"@type": "Claim", "appearance": [{"@type": "CreativeWork", "url": "javascript:x"}]}}, "appearance[0]"),
    ]:
        assert any(problem in p for p in claimreview_problems(broken)), problem


# -- a hand-made dossier ----------------------------------------------------------------------

DAY = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)


def _entry(article_id: int, stance: str, published: datetime | None, url: str | None, **kw: Any) -> DossierEntry:
    return DossierEntry(
        article_id=article_id,
        title=f"Story {article_id}",
        outlet=kw.pop("outlet", f"Outlet {article_id}"),
        published=published,
        url=url,
        stance=stance,  # type: ignore[arg-type]
        confidence=0.9,
        evidence=[Evidence(text=f"evidence {article_id}", score=0.8)],
        **kw,
    )


def _dossier(verdict: str | None = "false", reviewed: list[datetime] | None = None) -> Dossier:
    reviewed = reviewed or [DAY]
    said = Attribution(source="a source close to the mayor", cue="said", content="the bridge will close")
    mayor = Attribution(source="Mayor Jane Roe", cue="said", content="the bridge will close in June")
    denial = Attribution(source="Port Authority", cue="denied", content="that report", denial=True)
    entries = [
        _entry(3, "agree", datetime(2024, 4, 2, tzinfo=UTC), "https://news.example/3", attributions=[said, mayor]),
        _entry(4, "disagree", datetime(2024, 4, 1, tzinfo=UTC), "https://news.example/4", attributions=[denial]),
        _entry(5, "discuss", datetime(2024, 4, 3, tzinfo=UTC), "https://news.example/5"),
        _entry(6, "agree", None, "javascript:alert(1)", machine_stance="discuss", corrected_by="ana"),
        _entry(7, "agree", datetime(2024, 4, 4, tzinfo=UTC), None),
    ]
    audit = [AuditEntry(claim_id=9, action="review", by="ana", at=at, before=None, after=verdict, note="Port says no") for at in reviewed][
        ::-1
    ]
    review = Review(claim_id=9, verdict=verdict, by="ana", note="Port says no", at=reviewed[-1]) if verdict else None  # type: ignore[arg-type]
    return Dossier(
        claim=Claim(text="The harbour bridge will close", id=9, created=datetime(2024, 3, 1, tzinfo=UTC)),
        status="disputed",
        reasons=["disputed: 1 article disagrees", "3 agree"],
        inputs=StatusInputs(),
        entries=entries,
        first_appearance=entries[1],
        history=[Event(claim_id=9, kind="status", to="disputed", from_="unverified", at=datetime(2024, 4, 5, tzinfo=UTC))],
        review=review,
        audit=audit if verdict else [],
    )


def test_a_reviewed_claim_gives_a_valid_claimreview() -> None:
    doc = claimreview(_dossier(), Settings(**ORG))
    assert doc is not None and claimreview_problems(doc) == []
    assert doc["url"] == "https://cw.example.org/claims/9"
    assert doc["author"] == {"@type": "Organization", "name": "Fact Desk", "url": "https://factdesk.example.org/"}
    assert doc["datePublished"] == "2024-05-01" and "dateModified" not in doc
    assert doc["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 1,
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": "False",
        "ratingExplanation": "Port says no",
    }
    item = doc["itemReviewed"]
    # only the articles that make the claim (agree after review), oldest first; the undated one last
    assert [a.get("headline") for a in item["appearance"]] == ["Story 3", "Story 7", "Story 6"]
    assert [a.get("url") for a in item["appearance"]] == ["https://news.example/3", None, None]  # javascript: is dropped
    assert item["firstAppearance"]["url"] == "https://news.example/3" and item["datePublished"] == "2024-04-02"
    # the first named source stating it (the anonymous "a source close to…" is skipped)
    assert item["author"] == {"@type": "Person", "name": "Mayor Jane Roe"}


@pytest.mark.parametrize("verdict", VERDICTS)
def test_verdict_scale(verdict: str) -> None:
    rating = claimreview(_dossier(verdict), Settings(**ORG))["reviewRating"]  # type: ignore[index]
    expected = {"false": 1, "mostly-false": 2, "mixed": 3, "mostly-true": 4, "true": 5}
    names = {"false": "False", "mostly-false": "Mostly false", "mixed": "Mixed", "mostly-true": "Mostly true", "true": "True"}
    if verdict == "unproven":  # off the scale: a name, no number (and no scale without a number)
        assert rating["alternateName"] == "Unproven"
        assert not {"ratingValue", "bestRating", "worstRating"} & set(rating)
    else:
        assert (rating["ratingValue"], rating["worstRating"], rating["bestRating"]) == (expected[verdict], 1, 5)
        assert rating["alternateName"] == names[verdict]


def test_unreviewed_claims_are_left_out_unless_asked_and_then_marked_automated() -> None:
    settings = Settings(**ORG)
    unreviewed = _dossier(None)
    assert claimreview(unreviewed, settings) is None
    assert json.loads(export([unreviewed, _dossier()], "claimreview", settings)) == [claimreview(_dossier(), settings)]
    doc = claimreview(unreviewed, settings, include_unreviewed=True)
    assert doc is not None and claimreview_problems(doc) == []
    rating = doc["reviewRating"]
    assert rating["alternateName"] == "Disputed (automated)" and "ratingValue" not in rating
    assert rating["ratingExplanation"].startswith("Automated status from news coverage; no person has reviewed this claim.")
    assert "disputed: 1 article disagrees." in rating["ratingExplanation"]
    assert doc["datePublished"] == "2024-04-05"  # the last status change: stable until the status moves


def test_dates_are_the_reviews_and_stable_across_exports() -> None:
    settings = Settings(**ORG)
    later = datetime(2024, 6, 7, tzinfo=UTC)
    doc = claimreview(_dossier("mostly-false", reviewed=[DAY, later]), settings)
    assert doc is not None and (doc["datePublished"], doc["dateModified"]) == ("2024-05-01", "2024-06-07")
    assert export([_dossier()], "claimreview", settings) == export([_dossier()], "claimreview", settings)


def test_missing_or_bad_publisher_settings_are_one_config_error() -> None:
    with pytest.raises(ConfigError, match="set CLAIMWATCH_ORG_NAME"):
        claimreview(_dossier(), Settings(base_url="https://cw.example.org"))
    with pytest.raises(ConfigError, match="set CLAIMWATCH_BASE_URL"):
        claimreview(_dossier(), Settings(org_name="Desk"))
    with pytest.raises(ConfigError, match="set CLAIMWATCH_BASE_URL"):  # checked even when nothing is reviewed
        export([_dossier(None)], "claimreview", Settings(org_name="Desk"))
    with pytest.raises(ConfigError, match="CLAIMWATCH_ORG_URL='ftp://x'"):
        claimreview(_dossier(), Settings(**ORG | {"org_url": "ftp://x"}))
    for bad in ("javascript:alert(1)//", "cw.example.org", "https://cw.example.org/?page=2"):
        with pytest.raises(ConfigError, match="invalid setting CLAIMWATCH_BASE_URL"):
            claimreview(_dossier(), Settings(**ORG | {"base_url": bad}))
    assert "url" not in claimreview(_dossier(), Settings(**ORG | {"org_url": ""}))["author"]  # type: ignore[index]
    assert claimreview(_dossier(), Settings(**ORG | {"base_url": "http://cw.example.org/sub"}))["url"] == (  # type: ignore[index]
        "http://cw.example.org/sub/claims/9"
    )


def test_an_article_with_neither_url_nor_headline_is_not_an_appearance() -> None:
    d = _dossier()
    for e in d.entries:
        e.title = None
    doc = claimreview(d, Settings(**ORG))
    assert doc is not None and claimreview_problems(doc) == []
    assert [a["url"] for a in doc["itemReviewed"]["appearance"]] == ["https://news.example/3"]
    d.entries[0].url = None
    item = claimreview(d, Settings(**ORG))["itemReviewed"]  # type: ignore[index]
    assert "appearance" not in item and "firstAppearance" not in item and item["datePublished"] == "2024-04-02"


def test_a_claim_nobody_makes_has_no_appearance() -> None:
    d = _dossier()
    d.entries = [e for e in d.entries if e.stance != "agree"]
    doc = claimreview(d, Settings(**ORG))
    assert doc is not None and claimreview_problems(doc) == []
    assert doc["itemReviewed"] == {"@type": "Claim"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Mayor Jane Roe", "Person"),
        ("Christian Bale", "Person"),
        ("The BBC", "Organization"),
        ("NASA", "Organization"),
        ("Nicaragua's Ministry of Health", "Organization"),
        ("Daily Planet", "Organization"),  # an outlet of the dossier
        ("A source close to Mr. Khamenei", None),
        ("government officials", None),
        ("Officials in Washington", None),
        ("the company", None),
        ("sources", None),
    ],
)
def test_source_author(name: str, expected: str | None) -> None:
    author = source_author(name, ["Daily Planet"])
    assert (author or {}).get("@type") == expected
    assert author is None or author["name"] == name


def test_jsonl_and_csv_carry_the_verdict() -> None:
    settings = Settings()
    dossiers = [_dossier("mostly-true"), dataclasses.replace(_dossier(None), claim=Claim(text="other", id=10))]
    lines = [json.loads(line) for line in export(dossiers, "jsonl", settings).splitlines()]
    assert [(d["claim"]["id"], d["verdict"]) for d in lines] == [(9, "mostly-true"), (10, None)]
    assert lines[0]["review"]["by"] == "ana" and lines[0]["status"] == "disputed" and lines[0]["audit"][0]["action"] == "review"
    rows = list(csv.DictReader(io.StringIO(export(dossiers, "csv", settings))))
    assert len(rows) == 10
    first = rows[0]
    assert (first["verdict"], first["reviewed_by"], first["review_note"], first["status"]) == (
        "mostly-true",
        "ana",
        "Port says no",
        "disputed",
    )
    assert first["reviewed_at"].startswith("2024-05-01")
    corrected = next(r for r in rows if r["article_id"] == "6")
    assert (corrected["stance"], corrected["machine_stance"], corrected["corrected_by"]) == ("agree", "discuss", "ana")
    assert all(r["verdict"] == "" for r in rows if r["claim_id"] == "10")


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ClaimwatchError, match="unknown export format 'xml'"):
        export([_dossier()], "xml", Settings(**ORG))


# -- the demo's dossiers ----------------------------------------------------------------------


def _reviewed(d: Dossier, verdict: str = "mixed") -> Dossier:
    review = Review(claim_id=d.claim.id or 0, verdict=verdict, by="ana", note="checked", at=DAY)  # type: ignore[arg-type]
    audit = [AuditEntry(claim_id=d.claim.id or 0, action="review", by="ana", at=DAY, after=verdict)]
    return dataclasses.replace(d, review=review, audit=audit)


def _demo_dossiers(db: Path) -> list[Dossier]:
    with Store(Settings(db=str(db))) as store:
        return build_dossiers(store)


def test_demo_dossiers_export_valid_claimreview(demo_db: Path) -> None:
    dossiers = [_reviewed(d) for d in _demo_dossiers(demo_db)]
    reviews = json.loads(export(dossiers, "claimreview", Settings(**ORG)))
    assert len(reviews) == len(dossiers) >= 5
    for doc in reviews:
        assert claimreview_problems(doc) == [], doc["claimReviewed"]
        assert doc["reviewRating"]["alternateName"] == "Mixed" and doc["datePublished"] == "2024-05-01"
    assert [r["url"] for r in reviews] == [f"https://cw.example.org/claims/{d.claim.id}" for d in dossiers]
    for d, doc in zip(dossiers, reviews, strict=True):
        agreeing = [e for e in d.entries if e.stance == "agree" and (e.title or e.url)]  # a bare CreativeWork is left out
        assert len(doc["itemReviewed"].get("appearance", [])) == len(agreeing)


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
def test_claimreview_carries_only_http_urls(url: str) -> None:
    d = _dossier()
    for e in d.entries:
        e.url = url
    reviews = json.loads(export([d], "claimreview", Settings(**ORG)))
    [doc] = reviews
    assert all("url" not in a for a in doc["itemReviewed"]["appearance"])
    assert "url" not in doc["itemReviewed"]["firstAppearance"]
    assert url not in json.dumps(reviews, ensure_ascii=False)
    with pytest.raises(ConfigError, match="CLAIMWATCH_BASE_URL"):  # a base URL that is not http(s) is refused
        export([d], "claimreview", Settings(**ORG | {"base_url": url}))


def test_claimreview_keeps_http_urls() -> None:
    d = _dossier()
    d.entries[0].url = "HTTPS://www.csmonitor.com/World/2014/iran?a=1"
    doc = claimreview(d, Settings(**ORG | {"base_url": "http://cw.example.org"}))
    assert doc is not None and doc["itemReviewed"]["appearance"][0]["url"] == "HTTPS://www.csmonitor.com/World/2014/iran?a=1"
    assert doc["url"] == "http://cw.example.org/claims/9"
