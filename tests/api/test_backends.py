"""The API over both backends: ingest and claims posted, then read back as a dossier (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from claimwatch.api.app import create_app
from claimwatch.settings import Settings

TOKEN = "t0ken"
CLAIM = "Iran's supreme leader approved military cooperation with the US"


def test_ingest_claim_and_dossier_on_each_backend(backend_settings: Settings, csmonitor: Path) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    text = csmonitor.read_text("utf-8")
    title, _sep, body = text.partition("\n")
    with TestClient(create_app(backend_settings.with_(api_token=TOKEN))) as client:
        posted = client.post(
            "/api/ingest",
            headers=auth,
            json={"articles": [{"text": body, "title": title, "outlet": "csmonitor.com", "published": "2014-09-18T09:30:00-04:00"}]},
        )
        assert posted.status_code == 200, posted.text
        report = posted.json()
        assert len(report["ingested"]) == 1 and report["analysis"]["analysed"] == 1 and not report["failed"]
        again = client.post("/api/ingest", headers=auth, json={"articles": [{"text": body, "title": title}]})
        assert again.json()["duplicates"] == report["ingested"]
        created = client.post("/api/claims", headers=auth, json={"text": CLAIM})
        assert created.status_code == 201 and created.json()["match"]["related"] == 1
        assert client.post("/api/claims", headers=auth, json={"text": CLAIM}).status_code == 200
        claim_id = created.json()["id"]
        dossier = client.get(f"/api/claims/{claim_id}/dossier").json()
        assert dossier["status"] == "disputed"
        assert {m["source"] for m in dossier["denied_by"]} == {"A source close to Mr. Khamenei", "government officials"}
        [entry] = dossier["entries"]
        assert entry["outlet"] == "csmonitor.com" and entry["published"].startswith("2014-09-18T13:30:00")  # stored in UTC
        article = client.get(f"/api/articles/{report['ingested'][0]}").json()
        assert article["attributions"] and article["stances"][0]["claim_id"] == claim_id
        assert client.get("/api/search", params={"q": "Khamenei"}).json()["articles"]


def test_review_list_outlets_and_forms_on_each_backend(backend_settings: Settings, csmonitor: Path) -> None:
    """On a real server over SQLite and PostgreSQL: a review with a stance correction that survives a re-match,
    the claims list's full-text search and filters, the outlet record, and the review form's round trip."""
    import re

    import httpx

    from tests.api.server import serving

    auth = {"Authorization": f"Bearer {TOKEN}"}
    title, _sep, body = csmonitor.read_text("utf-8").partition("\n")
    with serving(create_app(backend_settings.with_(api_token=TOKEN))) as base, httpx.Client(base_url=base, timeout=120) as client:
        posted = {"articles": [{"text": body, "title": title, "outlet": "csmonitor.com", "published": "2014-09-18"}]}
        [article] = client.post("/api/ingest", headers=auth, json=posted).json()["ingested"]
        claim = client.post("/api/claims", headers=auth, json={"text": CLAIM}).json()["id"]
        client.post("/api/claims", headers=auth, json={"text": "A meteorite hit Managua"}).raise_for_status()
        r = client.post(
            f"/api/claims/{claim}/reviews", headers=auth, json={"by": "ana", "verdict": "false", "stances": {str(article): "disagree"}}
        )
        assert r.status_code == 201, r.text
        edited = client.patch(f"/api/claims/{claim}", headers=auth, json={"text": CLAIM + " in Iraq", "by": "ana"})
        assert edited.status_code == 200 and edited.json()["changed"] is True
        [entry] = client.get(f"/api/claims/{claim}").json()["entries"]
        assert entry["stance"] == "disagree" and entry["machine_stance"] is not None and entry["corrected_by"] == "ana"
        found = client.get("/api/claims", params={"q": "cooperations Iraq"}).json()  # stemmed full text
        assert [c["claim"]["id"] for c in found["claims"]] == [claim]
        assert client.get("/api/claims", params={"verdict": "false"}).json()["total"] == 1
        assert client.get("/api/claims", params={"verdict": "none"}).json()["total"] == 1
        [outlet] = client.get("/api/outlets", params={"name": "csmonitor.com"}).json()
        assert [c["claim_id"] for c in outlet["disagreed"]] == [claim] and outlet["disagreed"][0]["outcome"] == "false"
        assert client.get("/api/search", params={"q": "Khamenei approves"}).json()["articles"][0]["id"] == article
        form = {"by": "bo", "token": TOKEN, "verdict": "mostly-false", "note": "checked twice"}
        r = client.post(f"/claims/{claim}/review", data=form, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/claims/{claim}?done=review#audit"
        page = client.get(r.headers["location"]).text
        assert "Mostly false" in page and re.search(r"<td>bo</td>\s*<td>verdict False → <strong>Mostly false</strong>", page)
