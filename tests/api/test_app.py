"""The REST API and pages, in process (httpx ASGITransport) against a copy of the demo database."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from claimwatch.api.app import create_app
from claimwatch.settings import Settings

TOKEN = "test-token-123"
XSS = "<script>alert('x')</script>"


class Client:
    """A synchronous wrapper around an httpx.AsyncClient on the ASGI app."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async def go() -> httpx.Response:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://test") as c:
                return await c.request(method, path, **kwargs)

        return asyncio.run(go())

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)


@pytest.fixture
def client(demo_copy: Path) -> Iterator[Client]:
    yield Client(create_app(Settings(db=str(demo_copy), api_token=TOKEN)))


def _error(r: httpx.Response, status: int, code: str) -> str:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and body["error"]["status"] == status and body["error"]["code"] == code
    return str(body["error"]["message"])


def test_claims_and_dossier(client: Client) -> None:
    listed = client.get("/api/claims", params={"sort": "oldest"}).json()
    assert [c["claim"]["id"] for c in listed["claims"]] == [1, 2, 3, 4, 5] and listed["total"] == 5 and listed["next"] is None
    iran = client.get("/api/claims/5").json()
    assert iran["status"] == "disputed" and iran["entries_total"] == 1 and iran["review"] is None
    d = client.get("/api/claims/5/dossier").json()
    assert d["status"] == "disputed"
    assert {m["source"] for m in d["denied_by"]} >= {"A source close to Mr. Khamenei", "government officials"}
    assert d["entries"][0]["hedged"] is True and d["entries"][0]["evidence"]


def test_articles_and_search(client: Client) -> None:
    listed = client.get("/api/articles", params={"limit": 3}).json()
    assert len(listed) == 3 and "text" not in listed[0] and listed[0]["id"] == 21
    article = client.get("/api/articles/21").json()
    assert article["title"].startswith("Iran's supreme leader") and any(a["cue"] == "denied" for a in article["attributions"])
    found = client.get("/api/search", params={"q": "Christian Bale"}).json()
    assert found["claims"][0]["text"] == "Christian Bale will not play Steve Jobs"
    assert found["articles"] and all(
        "christian bale" in client.get(f"/api/articles/{a['id']}").json()["text"].lower() for a in found["articles"]
    )
    schema = client.get("/openapi.json").json()
    assert {
        "/api/claims",
        "/api/claims/{claim_id}/dossier",
        "/api/claims/{claim_id}/reviews",
        "/api/claims/{claim_id}/audit",
        "/api/outlets",
        "/api/articles",
        "/api/ingest",
        "/api/search",
    } <= set(schema["paths"])
    assert {"get", "patch", "delete"} <= set(schema["paths"]["/api/claims/{claim_id}"])


def test_errors_share_one_json_body(client: Client) -> None:
    assert "no claim with id 99" in _error(client.get("/api/claims/99"), 404, "not_found")
    _error(client.get("/api/articles/abc"), 422, "invalid_request")
    _error(client.get("/api/search", params={"q": "x"}), 422, "invalid_request")
    _error(client.get("/api/no/such/thing"), 404, "not_found")
    page = client.get("/no/such/page")  # outside /api, errors are HTML pages (tests/reliability/test_api.py)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    _error(client.post("/api/ingest", json={"articles": []}), 401, "unauthorized")
    _error(client.post("/api/ingest", json={"articles": []}, headers={"Authorization": "Bearer wrong"}), 401, "unauthorized")


def test_writes_are_disabled_without_a_token(demo_copy: Path) -> None:
    closed = Client(create_app(Settings(db=str(demo_copy), api_token="")))
    assert "CLAIMWATCH_API_TOKEN" in _error(closed.post("/api/claims", json={"text": "Something happened"}), 403, "forbidden")


def test_ingest_analyses_matches_and_keeps_bad_items_apart(client: Client) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    good = {
        "title": "Iran denies approving military cooperation with US",
        "outlet": "Tehran Times",
        "published": "2014-09-17",
        "text": "Iran's foreign ministry on Wednesday denied that Ayatollah Ali Khamenei had approved military cooperation with the United States. "
        "Marzieh Afkham, the ministry's spokeswoman, told reporters in Tehran that there was no such cooperation.",
    }
    r = client.post("/api/ingest", json={"articles": [good, {"text": "   "}], "urls": ["file:///etc/passwd"]}, headers=auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["ingested"]) == 1
    assert {f["origin"] for f in body["failed"]} == {"request.articles[1]", "file:///etc/passwd"}
    assert body["match"]["pairs"] == 5  # the new article against the five demo claims
    new_id = body["ingested"][0]
    article = client.get(f"/api/articles/{new_id}").json()
    assert article["outlet"] == "Tehran Times" and article["published"].startswith("2014-09-17")
    assert any(a["denial"] for a in article["attributions"])
    # the role beside a name is kept with the stored attribution and shown on the article page
    [afkham] = [a for a in article["attributions"] if a["source"] == "Marzieh Afkham"]
    assert afkham["source_role"] == "the ministry's spokeswoman"
    assert 'Marzieh Afkham<span class="muted">, the ministry&#39;s spokeswoman</span>' in client.get(f"/articles/{new_id}").text
    d = client.get("/api/claims/5/dossier").json()
    assert new_id in [e["article_id"] for e in d["entries"]]
    assert any(t["date"] == "2014-09-17" for t in d["timeline"])


def test_add_claim_over_the_api(client: Client) -> None:
    r = client.post("/api/claims", json={"text": "A meteorite hit Managua"}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 201, r.text
    assert r.json()["match"]["pairs"] == 21 and r.json()["match"]["related"] >= 3


def test_pages_render_and_escape_untrusted_text(client: Client) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    evil = {
        "title": f"Khamenei {XSS} approved cooperation",
        "text": f"Iran's supreme leader approved military cooperation with the US, {XSS} officials told Reuters on Monday in Tehran. "
        "The report was denied by a government spokesman.",
    }
    new_id = client.post("/api/ingest", json={"articles": [evil]}, headers=auth).json()["ingested"][0]
    home = client.get("/")
    assert home.status_code == 200 and "Iran&#39;s supreme leader approved" in home.text and "status-disputed" in home.text
    for path in ("/claims/5", f"/articles/{new_id}"):
        page = client.get(path)
        assert page.status_code == 200
        assert XSS not in page.text and "&lt;script&gt;" in page.text
    dossier = client.get("/claims/5").text
    assert 'id="stance-chart"' in dossier and 'class="evidence"' in dossier and "A source close to Mr. Khamenei" in dossier
    article = client.get("/articles/21").text
    assert 'class="attr-source"' in article and "attr-denial" in article and "echoed the denial" in article


def test_the_search_box_leads_to_an_html_page(client: Client) -> None:
    home = client.get("/")
    assert 'action="/search"' in home.text
    page = client.get("/search", params={"q": "Khamenei"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'id="article-results"' in page.text and "/articles/" in page.text
    assert "Iran&#39;s supreme leader" in page.text or "Iran's supreme leader" in page.text
    hostile = client.get("/search", params={"q": "<script>alert(1)</script>"})
    assert hostile.status_code == 200 and "<script>alert(1)</script>" not in hostile.text
    assert "Type at least two characters" in client.get("/search").text


def test_model_errors_are_server_errors_and_atom_survives_control_characters() -> None:
    from claimwatch.api.app import _status_of
    from claimwatch.api.atom import atom_feed
    from claimwatch.errors import ModelError
    from claimwatch.records import Claim, Event

    assert _status_of(ModelError("the stance model is corrupt")) == (500, "internal_error")
    import xml.etree.ElementTree as ET

    claim = Claim(id=1, text="A claim with a \x01 control character")
    doc = atom_feed(
        "http://x", "t", "/f", [Event(claim_id=1, kind="status", to="denied", from_="unverified", id=1, reasons=["r\x0b"])], {1: claim}
    )
    assert ET.fromstring(doc) is not None  # well-formed
