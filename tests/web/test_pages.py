"""The pages and their forms on a real server on 127.0.0.1: the claims list's filters and pages, the dossier's
review and edit/delete forms (the token typed into the form, 303 back to the page), the audit trail, the
ClaimReview JSON-LD, the article page's stances and version diff, the outlets page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import httpx
import pytest

from claimwatch.api.app import create_app
from claimwatch.settings import Settings
from tests.api.server import serving

TOKEN = "form-token-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def site(demo_copy: Path) -> Iterator[httpx.Client]:
    settings = Settings(db=str(demo_copy), api_token=TOKEN, base_url="https://checks.example.org", org_name="Example Checks")
    with serving(create_app(settings)) as base, httpx.Client(base_url=base, timeout=120) as client:
        yield client


def ids_on(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<a href="/claims/(\d+)">', html)]


def test_the_claims_list_filters_and_pages(site: httpx.Client) -> None:
    home = site.get("/")
    assert home.status_code == 200 and 'id="filters"' in home.text and "Claims 1–5 of 5" in home.text
    assert "not reviewed" in home.text and "machine status" in home.text
    disputed = site.get("/", params={"status": "disputed"})
    assert disputed.status_code == 200 and ids_on(disputed.text)
    assert re.findall(r'class="status status-(\w+)"', disputed.text) == ["disputed"] * len(ids_on(disputed.text))
    assert '<option value="disputed" selected>' in disputed.text
    assert ids_on(site.get("/", params={"q": "Bale"}).text) == [2]
    first = site.get("/", params={"sort": "oldest", "limit": 2})
    assert ids_on(first.text) == [1, 2] and "Claims 1–2 of 5" in first.text
    nxt = unescape(re.search(r'<a rel="next" class="next" href="([^"]+)"', first.text).group(1))  # type: ignore[union-attr]
    assert nxt == "/?sort=oldest&offset=2&limit=2"
    second = site.get(nxt)
    assert ids_on(second.text) == [3, 4] and 'rel="prev"' in second.text and "3–4 of 5" in second.text
    assert site.get("/", params={"status": "maybe"}).status_code == 400  # an HTML error page
    assert "No claim matching the filters" in site.get("/", params={"q": "zebra"}).text.replace("</p>", "")


def review_form(**fields: str | list[str]) -> dict[str, str | list[str]]:
    return {"by": "Ana Reviewer", "token": TOKEN, "offset": "0", "limit": "2"} | fields


def test_the_review_form_round_trip(site: httpx.Client) -> None:
    dossier = site.get("/claims/3", params={"limit": 2})
    assert dossier.status_code == 200 and 'id="review-form"' in dossier.text and 'type="password"' in dossier.text
    assert "writing is off" not in dossier.text.lower() and "application/ld+json" not in dossier.text  # not reviewed yet
    article = int(re.search(r'name="stance-(\d+)"', dossier.text).group(1))  # type: ignore[union-attr]
    machine = site.get("/api/claims/3", params={"limit": 500}).json()
    label = {e["article_id"]: e["stance"] for e in machine["entries"]}[article]
    new = "disagree" if label != "disagree" else "agree"
    r = site.post(
        "/claims/3/review",
        data=review_form(verdict="mostly-false", note="the <b>doctor</b> retracted", **{f"stance-{article}": new}),
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/claims/3?offset=0&limit=2&done=review#audit"
    page = site.get(r.headers["location"])
    assert "Review recorded" in page.text and 'class="verdict verdict-mostly-false"' in page.text and "Mostly false" in page.text
    trail = page.text[page.text.index('id="audit-trail"') :]
    assert "Ana Reviewer" in trail and f"#{article}</a>: {label} → <strong>{new}</strong>" in trail
    assert "the &lt;b&gt;doctor&lt;/b&gt; retracted" in page.text and "<b>doctor</b>" not in page.text
    assert f"model: {label} → reviewer: {new} by Ana Reviewer" in page.text
    assert 'id="status"' in page.text  # the machine status stays beside the verdict
    # the JSON-LD of the reviewed claim is embedded, and cannot close its element
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page.text, re.S)
    assert block is not None and "<" not in block.group(1)
    data = json.loads(block.group(1))
    assert data["@type"] == "ClaimReview" and data["url"] == "https://checks.example.org/claims/3"
    assert data["author"]["name"] == "Example Checks" and data["reviewRating"]["alternateName"] == "Mostly false"
    assert len(page.text.split("<script")) == 2  # nothing else that could run
    # exclusion and taking back through the form
    r = site.post("/claims/3/review", data=review_form(exclude=str(article)), follow_redirects=False)
    assert r.status_code == 303
    page = site.get("/claims/3")
    assert 'id="excluded"' in page.text and f'name="include" value="{article}"' in page.text and f'id="entry-{article}"' not in page.text
    assert site.post("/claims/3/review", data=review_form(include=str(article)), follow_redirects=False).status_code == 303
    assert f'id="entry-{article}"' in site.get("/claims/3").text


def test_forms_need_the_token_a_bounded_body_and_a_form(site: httpx.Client, demo_copy: Path) -> None:
    for token in ("", "wrong", TOKEN + "x", "tökén"):
        r = site.post("/claims/3/review", data=review_form(verdict="true", token=token), follow_redirects=False)
        assert r.status_code == 403 and r.headers["content-type"].startswith("text/html") and "token" in r.text
    big = site.post("/claims/3/review", data=review_form(verdict="true", note="x" * 70_000), follow_redirects=False)
    assert big.status_code == 413 and big.headers["content-type"].startswith("text/html")

    def chunks() -> Iterator[bytes]:  # no Content-Length: cut once over the form limit
        yield f"by=ana&token={TOKEN}&verdict=true&note=".encode()
        for _ in range(20):
            yield b"x" * 8192

    streamed = site.post("/claims/3/review", content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert streamed.status_code == 413
    as_json = site.post("/claims/3/review", json={"by": "ana", "token": TOKEN, "verdict": "true"})
    assert as_json.status_code == 400 and "x-www-form-urlencoded" in as_json.text
    bad_id = site.post("/claims/3/review", data=review_form(exclude="1 OR 1=1"), follow_redirects=False)
    assert bad_id.status_code == 400 and "not an article id" in bad_id.text
    bad_verdict = site.post("/claims/3/review", data=review_form(verdict="very-false"), follow_redirects=False)
    assert bad_verdict.status_code == 400
    assert site.get("/api/claims/3/audit").json() == []  # nothing of it was recorded
    with serving(create_app(Settings(db=str(demo_copy), api_token=""))) as base, httpx.Client(base_url=base) as closed:
        page = closed.get("/claims/3").text
        assert "Writing is off" in page and "<fieldset disabled>" in page
        assert re.search(r'<select form="review-form" name="stance-\d+" disabled>', page)
        r = closed.post("/claims/3/review", data=review_form(verdict="true"), follow_redirects=False)
        assert r.status_code == 403 and "CLAIMWATCH_API_TOKEN" in r.text


def test_edit_delete_and_restore_forms(site: httpx.Client) -> None:
    r = site.post(
        "/claims/2/edit",
        data={"text": "Christian Bale will not play Steve Jobs in the film", "by": "ana", "token": TOKEN},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/claims/2?done=edit"
    page = site.get(r.headers["location"]).text
    assert (
        "Christian Bale will not play Steve Jobs in the film</h1>" in page and "wording “Christian Bale will not play Steve Jobs” →" in page
    )
    same = site.post(
        "/claims/2/edit",
        data={"text": "Christian Bale will not play Steve Jobs in the film", "by": "ana", "token": TOKEN},
        follow_redirects=False,
    )
    assert same.headers["location"] == "/claims/2?done=unchanged"
    r = site.post("/claims/2/delete", data={"by": "ana", "note": "off topic", "token": TOKEN}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/?deleted=2"
    home = site.get(r.headers["location"]).text
    assert "Claim #2 was deleted" in home and 'id="deleted-2"' in home and 2 not in ids_on(home)
    assert site.get("/claims/2").status_code == 404
    r = site.post("/claims/2/restore", data={"by": "bo", "token": TOKEN}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/claims/2?done=restore"
    page = site.get("/claims/2").text
    assert "Claim restored" not in page and "Claim restored" in site.get(r.headers["location"]).text
    assert [a["action"] for a in site.get("/api/claims/2/audit").json()] == ["restore", "delete", "edit"]


def test_a_paged_dossier(site: httpx.Client) -> None:
    page = site.get("/claims/3", params={"limit": 2})
    assert page.text.count('class="entry"') == 2 and "Showing 1–2 of" in page.text
    nxt = unescape(re.search(r'<a rel="next" class="next" href="([^"]+)"', page.text).group(1))  # type: ignore[union-attr]
    assert nxt == "/claims/3?offset=2&limit=2"
    second = site.get(nxt).text
    assert "Showing 3–4 of" in second and 'rel="prev"' in second
    assert 'name="offset" value="2"' in second  # the forms come back to this page


def test_the_article_page_shows_stances_and_an_escaped_version_diff(site: httpx.Client) -> None:
    url = "https://news.example.org/iran-story"
    first = (
        "Iran's supreme leader approved military cooperation with the US, officials told Reuters on Monday. "
        "The report was denied by a government spokesman in Tehran on Tuesday afternoon."
    )
    second = first.replace("on Monday", "<script>alert(1)</script> on Sunday") + " A correction was appended later."
    for text in (first, second):
        r = site.post(
            "/api/ingest", json={"articles": [{"text": text, "title": "Iran story", "url": url, "outlet": "Example News"}]}, headers=AUTH
        )
        assert r.status_code == 200, r.text
    article = site.get("/api/articles", params={"limit": 1}).json()[0]
    assert article["version"] == 2
    page = site.get(f"/articles/{article['id']}").text
    assert 'id="diff-1-2"' in page and "<del>Monday</del><ins>Sunday</ins>" in page and "(+10 / −1 words)" in page
    assert "<ins>&lt;script&gt;alert(1)&lt;/script&gt; </ins>" in page and "<script" not in page
    assert "correction was appended" in page and "Versions (2)" in page
    demo = site.get("/articles/21").text
    assert 'id="claim-stances"' in demo and 'class="evidence"' in demo and "similarity" in demo
    assert re.search(r'<span class="stance stance-discuss">discuss</span>', demo)


def test_the_outlets_page(site: httpx.Client) -> None:
    text = (
        "Iran's foreign ministry on Wednesday denied that Ayatollah Ali Khamenei had approved military cooperation with the "
        'United States. "There is no such cooperation," spokeswoman Marzieh Afkham told reporters in Tehran.'
    )
    assert site.get("/outlets").text.count("No outlet has an article") == (0 if site.get("/api/outlets").json() else 1)
    r = site.post("/api/ingest", json={"articles": [{"text": text, "outlet": "Tehran <Times>"}]}, headers=AUTH)
    assert r.status_code == 200, r.text
    records = site.get("/api/outlets").json()
    page = site.get("/outlets")
    assert page.status_code == 200 and 'id="outlets"' in page.text
    for record in records:
        assert unescape(record["outlet"]) in unescape(page.text)
    name = records[0]["outlet"]
    one = site.get("/outlets", params={"name": name})
    assert one.status_code == 200 and f"Outlet: {name}" in unescape(one.text) and 'id="outlets"' not in one.text
    assert "ended" in one.text and ("(machine status)" in one.text or "(reviewed)" in one.text)
    assert site.get("/outlets", params={"name": "Nowhere Gazette"}).status_code == 404


def test_search_finds_articles_by_full_text(site: httpx.Client) -> None:
    page = site.get("/search", params={"q": "denies Khamenei"}).text  # "denied" in the text: stemmed
    assert 'id="article-results"' in page and "/articles/21" in page
    assert "No stored article contains" in site.get("/search", params={"q": "zebra xylophone"}).text


def test_the_stance_chart_has_a_labelled_y_axis() -> None:
    from claimwatch.api.render import chart

    c = chart(
        [{"date": "2014-11-01", "agree": 3, "disagree": 1, "discuss": 0}, {"date": "2014-11-02", "agree": 1, "disagree": 0, "discuss": 1}]
    )
    assert [t["value"] for t in c["ticks"]] == [0, 2, 4]  # baseline, middle, peak: whole articles
    assert c["ticks"][0]["y"] == c["baseline"] and c["ticks"][-1]["y"] == c["top"]
    assert [t["value"] for t in chart([{"date": "d", "agree": 3, "disagree": 0, "discuss": 0}])["ticks"]] == [0, 3]  # no half article
    assert chart([])["ticks"] == []
