"""Human review over the API, on a real server on 127.0.0.1: verdicts, stance corrections (kept over a
re-match), exclusions, edits, soft deletes and the audit trail; the claims list's filters, sort, search
and pages; paged dossiers; outlets; tokens and body limits on every write route."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from claimwatch.api.app import create_app
from claimwatch.settings import Settings
from tests.api.server import serving

TOKEN = "review-token-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CLAIM = "Iran's supreme leader approved military cooperation with the US"


@pytest.fixture
def api(demo_copy: Path) -> Iterator[httpx.Client]:
    """The demo database behind a real server, with writes on (64 KiB body limit)."""
    app = create_app(Settings(db=str(demo_copy), api_token=TOKEN, api_max_body_bytes=64 * 1024))
    with serving(app) as base, httpx.Client(base_url=base, timeout=120) as client:
        yield client


def error(r: httpx.Response, status: int, code: str) -> str:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and body["error"]["status"] == status and body["error"]["code"] == code, body
    return str(body["error"]["message"])


def entries(client: httpx.Client, claim_id: int) -> dict[int, dict[str, Any]]:
    return {e["article_id"]: e for e in client.get(f"/api/claims/{claim_id}", params={"limit": 500}).json()["entries"]}


WRITES = [
    ("PATCH", "/api/claims/2", {"text": "Christian Bale will not play Jobs", "by": "ana"}),
    ("DELETE", "/api/claims/2?by=ana", None),
    ("POST", "/api/claims/2/restore", {"by": "ana"}),
    ("POST", "/api/claims/2/reviews", {"by": "ana", "verdict": "false"}),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_every_write_needs_the_token_and_is_off_without_one(demo_copy: Path, method: str, path: str, body: Any) -> None:
    with serving(create_app(Settings(db=str(demo_copy), api_token=TOKEN))) as base, httpx.Client(base_url=base) as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
            r = client.request(method, path, json=body, headers=headers)
            assert error(r, 401, "unauthorized") == "missing or wrong bearer token" and r.headers["www-authenticate"] == "Bearer"
        assert client.get("/api/claims/2/audit").json() == []  # nothing was written
    with serving(create_app(Settings(db=str(demo_copy), api_token=""))) as base, httpx.Client(base_url=base) as client:
        assert "CLAIMWATCH_API_TOKEN" in error(client.request(method, path, json=body, headers=AUTH), 403, "forbidden")


def test_huge_bodies_are_413_before_they_are_read(api: httpx.Client) -> None:
    huge = b'{"by": "ana", "note": "' + b"x" * 200_000 + b'"}'
    for method, path in (("POST", "/api/claims/2/reviews"), ("PATCH", "/api/claims/2"), ("POST", "/api/claims/2/restore")):
        r = api.request(method, path, content=huge, headers=AUTH | {"Content-Type": "application/json"})
        assert "CLAIMWATCH_API_MAX_BODY_BYTES" in error(r, 413, "body_too_large")

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        yield b'{"by": "ana", "note": "'
        for _ in range(40):
            yield b"x" * 8192
        yield b'"}'

    r = api.post("/api/claims/2/reviews", content=chunks(), headers=AUTH | {"Content-Type": "application/json"})
    error(r, 413, "body_too_large")
    assert api.get("/api/claims/2/audit").json() == []


def test_inputs_are_bounded_and_errors_are_one_json_body(api: httpx.Client) -> None:
    post = lambda body: api.post("/api/claims/2/reviews", json=body, headers=AUTH)  # noqa: E731
    error(post({"verdict": "false"}), 422, "invalid_request")  # who reviews is required
    error(post({"by": "ana", "verdict": "very false"}), 422, "invalid_request")
    error(post({"by": "ana", "stances": {"abc": "agree"}}), 422, "invalid_request")
    error(post({"by": "ana", "stances": {str(2**63): "agree"}}), 422, "invalid_request")
    error(post({"by": "ana", "stances": {"3": "maybe"}}), 422, "invalid_request")
    error(post({"by": "ana", "exclude": [0]}), 422, "invalid_request")
    error(post({"by": "ana", "exclude": list(range(1, 502))}), 422, "invalid_request")
    error(post({"by": "x" * 257, "verdict": "false"}), 422, "invalid_request")
    error(post({"by": "ana", "verdict": "false", "typo": 1}), 422, "invalid_request")
    assert "nothing to record" in error(post({"by": "ana", "note": "  "}), 422, "invalid_request")
    assert "excluded and included" in error(post({"by": "ana", "exclude": [3], "include": [3]}), 409, "conflict")
    assert "no article with id 999" in error(post({"by": "ana", "exclude": [999]}), 404, "not_found")
    assert "no claim with id 99" in error(
        api.post("/api/claims/99/reviews", json={"by": "a", "verdict": "true"}, headers=AUTH), 404, "not_found"
    )
    error(api.delete("/api/claims/2", headers=AUTH), 422, "invalid_request")  # who deletes it?
    error(api.delete("/api/claims/2", params={"by": " "}, headers=AUTH), 422, "invalid_request")
    error(api.patch("/api/claims/2", json={"text": "  ", "by": "ana"}, headers=AUTH), 422, "invalid_request")
    other = api.get("/api/claims/3").json()["claim"]["text"]
    assert "already has this text" in error(api.patch("/api/claims/2", json={"text": other, "by": "ana"}, headers=AUTH), 409, "conflict")
    assert api.get("/api/claims/2/audit").json() == []


def test_a_review_its_corrections_and_the_audit_trail(api: httpx.Client) -> None:
    before = entries(api, 3)
    agreeing = [a for a, e in before.items() if e["stance"] == "agree"]
    disagreeing = [a for a, e in before.items() if e["stance"] == "disagree"]
    assert agreeing and disagreeing
    flip, drop = agreeing[0], disagreeing[0]
    r = api.post(
        "/api/claims/3/reviews",
        json={
            "by": "Ana Reviewer",
            "verdict": "false",
            "note": "the doctor's account was retracted",
            "stances": {str(flip): "disagree"},
            "exclude": [drop],
        },
        headers=AUTH,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert [e["action"] for e in body["audit"]] == ["review", "stance", "exclude"]
    assert body["audit"][1] == body["audit"][1] | {"article_id": flip, "before": "agree", "after": "disagree", "by": "Ana Reviewer"}
    assert body["verdict"]["verdict"] == "false" and body["status"] in ("unverified", "disputed", "confirmed", "denied")
    d = api.get("/api/claims/3").json()
    assert d["review"]["verdict"] == "false" and d["review"]["by"] == "Ana Reviewer" and d["status"] == body["status"]
    assert d["excluded"] == [drop] and drop not in {e["article_id"] for e in d["entries"]}
    corrected = {e["article_id"]: e for e in d["entries"]}[flip]
    assert corrected["stance"] == "disagree" and corrected["machine_stance"] == "agree" and corrected["corrected_by"] == "Ana Reviewer"
    assert [e["action"] for e in d["audit"]] == ["exclude", "stance", "review"]  # newest first
    assert api.get("/api/claims/3/reviews").json()[0]["verdict"] == "false"
    # a second verdict: the newest is the verdict, both are kept, the trail is newest first
    api.post("/api/claims/3/reviews", json={"by": "Bo", "verdict": "mostly-false", "include": [drop]}, headers=AUTH).raise_for_status()
    assert [r["verdict"] for r in api.get("/api/claims/3/reviews").json()] == ["mostly-false", "false"]
    trail = api.get("/api/claims/3/audit").json()
    assert trail[0]["by"] == "Bo" and {t["action"] for t in trail[:2]} == {"review", "include"}
    assert trail[0]["at"] >= trail[-1]["at"]
    assert {e["before"] for e in trail if e["action"] == "review"} >= {"false"}
    assert drop in entries(api, 3) and api.get("/api/claims/3").json()["review"]["verdict"] == "mostly-false"
    # filters see it
    assert [c["claim"]["id"] for c in api.get("/api/claims", params={"verdict": "mostly-false"}).json()["claims"]] == [3]
    assert 3 not in [c["claim"]["id"] for c in api.get("/api/claims", params={"verdict": "none"}).json()["claims"]]
    # "machine" takes a correction back
    api.post("/api/claims/3/reviews", json={"by": "Bo", "stances": {str(flip): "machine"}}, headers=AUTH).raise_for_status()
    back = entries(api, 3)[flip]
    assert back["stance"] == "agree" and back["machine_stance"] is None


def test_a_correction_survives_a_re_match(api: httpx.Client) -> None:
    """Editing the wording drops the machine stances and scores every article again; the reviewer's stays."""
    [(article, entry)] = entries(api, 5).items()
    assert entry["stance"] == "discuss"
    api.post("/api/claims/5/reviews", json={"by": "ana", "stances": {str(article): "agree"}}, headers=AUTH).raise_for_status()
    r = api.patch(
        "/api/claims/5",
        json={"text": "Iran's supreme leader approved military cooperation with the United States", "by": "ana", "note": "full name"},
        headers=AUTH,
    )
    assert r.status_code == 200, r.text
    assert r.json()["changed"] is True and r.json()["match"]["pairs"] >= 21
    after = entries(api, 5)[article]
    assert after["stance"] == "agree" and after["machine_stance"] in ("discuss", "disagree", "unrelated") and after["corrected_by"] == "ana"
    d = api.get("/api/claims/5").json()
    assert d["claim"]["text"].endswith("United States") and d["audit"][0]["action"] == "edit" and d["audit"][0]["before"] == CLAIM
    unchanged = api.patch("/api/claims/5", json={"text": d["claim"]["text"], "by": "ana"}, headers=AUTH).json()
    assert unchanged["changed"] is False


def test_delete_hides_a_claim_and_restore_brings_it_back(api: httpx.Client) -> None:
    r = api.delete("/api/claims/4", params={"by": "ana", "note": "duplicate of another claim"}, headers=AUTH)
    assert r.status_code == 200 and r.json()["deleted"] is True
    assert "was deleted" in error(api.get("/api/claims/4"), 404, "not_found")
    assert 4 not in [c["claim"]["id"] for c in api.get("/api/claims").json()["claims"]]
    trail = api.get("/api/claims/4/audit").json()  # the trail of a deleted claim stays readable
    assert trail[0]["action"] == "delete" and trail[0]["note"] == "duplicate of another claim"
    error(api.request("DELETE", "/api/claims/4?by=ana", headers=AUTH), 404, "not_found")
    restored = api.post("/api/claims/4/restore", json={"by": "bo"}, headers=AUTH)
    assert restored.status_code == 200 and restored.json()["deleted"] is False
    assert api.get("/api/claims/4").json()["audit"][0]["action"] == "restore"
    assert "is not deleted" in error(api.post("/api/claims/4/restore", json={"by": "bo"}, headers=AUTH), 409, "conflict")


def test_the_claims_list_filters_sorts_searches_and_pages(api: httpx.Client) -> None:
    every = api.get("/api/claims", params={"limit": 500}).json()
    assert every["total"] == 5 and every["prev"] is None and every["next"] is None
    row = every["claims"][0]
    assert set(row) >= {"claim", "status", "verdict", "articles", "last_change"}
    disputed = api.get("/api/claims", params={"status": "disputed"}).json()
    assert {c["claim"]["id"] for c in disputed["claims"]} == {c["claim"]["id"] for c in every["claims"] if c["status"] == "disputed"}
    assert all(c["status"] == "disputed" for c in disputed["claims"]) and disputed["total"] == len(disputed["claims"]) >= 1
    found = api.get("/api/claims", params={"q": "bale JOBS"}).json()
    assert [c["claim"]["text"] for c in found["claims"]] == ["Christian Bale will not play Steve Jobs"]
    assert api.get("/api/claims", params={"q": "--"}).json()["total"] == 0
    by_articles = api.get("/api/claims", params={"sort": "articles"}).json()["claims"]
    assert [c["articles"] for c in by_articles] == sorted((c["articles"] for c in by_articles), reverse=True)
    # pages: follow `next` to the end
    seen: list[int] = []
    page = api.get("/api/claims", params={"limit": 2, "sort": "oldest"}).json()
    assert page["next"] == "/api/claims?sort=oldest&offset=2&limit=2"
    while True:
        seen += [c["claim"]["id"] for c in page["claims"]]
        if page["next"] is None:
            break
        page = api.get(page["next"]).json()
    assert seen == [1, 2, 3, 4, 5] and page["prev"] == "/api/claims?sort=oldest&offset=2&limit=2"
    for params in (
        {"status": "maybe"},
        {"verdict": "fake"},
        {"sort": "random"},
        {"limit": 0},
        {"limit": 501},
        {"offset": -1},
        {"q": "x" * 301},
    ):
        error(api.get("/api/claims", params=params), 422, "invalid_request")


def test_dossiers_come_in_pages(api: httpx.Client) -> None:
    whole = api.get("/api/claims/3").json()
    assert whole["entries_total"] == len(whole["entries"]) >= 3 and whole["page"]["next"] is None
    first = api.get("/api/claims/3", params={"limit": 2}).json()
    assert [e["article_id"] for e in first["entries"]] == [e["article_id"] for e in whole["entries"][:2]]
    assert first["entries_total"] == whole["entries_total"] and first["status"] == whole["status"]
    assert first["stance_counts"] == whole["stance_counts"] and first["reasons"] == whole["reasons"]
    assert first["page"] == first["page"] | {"total": whole["entries_total"], "offset": 0, "limit": 2, "prev": None}
    second = api.get(first["page"]["next"]).json()
    assert [e["article_id"] for e in second["entries"]] == [e["article_id"] for e in whole["entries"][2:4]]
    assert second["page"]["prev"] == "/api/claims/3?offset=0&limit=2"
    beyond = api.get("/api/claims/3/dossier", params={"offset": 2**63 - 1}).json()
    assert beyond["entries"] == [] and beyond["entries_total"] == whole["entries_total"]


IRAN_DENIAL = (
    "Iran's foreign ministry on Wednesday denied that Ayatollah Ali Khamenei had approved military cooperation with the United States. "
    '"There is no such cooperation," spokeswoman Marzieh Afkham told reporters in Tehran.'
)


def test_outlets_and_full_text_article_search(api: httpx.Client) -> None:
    posted = {"articles": [{"text": IRAN_DENIAL, "outlet": "Tehran Times", "published": "2014-09-17"}]}
    api.post("/api/ingest", json=posted, headers=AUTH).raise_for_status()
    outlets = api.get("/api/outlets").json()
    assert outlets and all(set(o) >= {"outlet", "articles", "first", "agreed", "disagreed"} for o in outlets)
    [one] = api.get("/api/outlets", params={"name": "Tehran Times"}).json()
    assert one in outlets and one["articles"] == 1
    ended = [c for side in ("first", "agreed", "disagreed") for c in one[side]]
    assert ended and all(c["outcome"] in ("unverified", "disputed", "confirmed", "denied") and c["reviewed"] is False for c in ended)
    api.post(f"/api/claims/{ended[0]['claim_id']}/reviews", json={"by": "ana", "verdict": "false"}, headers=AUTH).raise_for_status()
    [again] = api.get("/api/outlets", params={"name": "Tehran Times"}).json()
    assert any(c["outcome"] == "false" and c["reviewed"] for side in ("first", "agreed", "disagreed") for c in again[side])
    assert "no outlet named" in error(api.get("/api/outlets", params={"name": "Nowhere Gazette"}), 404, "not_found")
    found = api.get("/api/search", params={"q": "Khamenei denied", "limit": 1}).json()["articles"]
    more = api.get("/api/search", params={"q": "Khamenei denied", "limit": 1, "offset": 1}).json()["articles"]
    assert found and (not more or more[0]["id"] != found[0]["id"])
