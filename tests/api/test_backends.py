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
