"""Readers for every input kind, on real files and a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimwatch.ingest import iter_sources
from claimwatch.records import Article, IngestFailure
from claimwatch.settings import Settings
from tests.conftest import Site

BODY = (
    "The city council approved the new budget on Tuesday after a long debate. "
    "The mayor said the plan would fund schools and repair roads across the district. "
    "Opponents argued that the tax increase was unfair to small businesses and renters."
)
HTML = f"""<!doctype html><html><head><title>Council passes budget | Springfield Herald</title>
<meta property="og:site_name" content="Springfield Herald">
<meta name="author" content="Jane Reporter">
<meta property="article:published_time" content="2015-03-04T10:00:00Z">
</head><body><nav>Home | News | Sports</nav>
<article><h1>Council passes budget</h1><p>{BODY}</p>
<p>The budget takes effect in July, according to the city clerk, who confirmed the vote count.</p></article>
<footer>Copyright 2015 Springfield Herald. All rights reserved.</footer></body></html>"""


def articles(items: list[Article | IngestFailure]) -> list[Article]:
    return [i for i in items if isinstance(i, Article)]


def failures(items: list[Article | IngestFailure]) -> list[IngestFailure]:
    return [i for i in items if isinstance(i, IngestFailure)]


def test_html_file_keeps_metadata_and_drops_boilerplate(tmp_path: Path, settings: Settings) -> None:
    page = tmp_path / "budget.html"
    page.write_text(HTML, encoding="utf-8")
    [art] = articles(list(iter_sources([str(page)], settings)))
    assert art.title == "Council passes budget"
    assert art.outlet == "Springfield Herald"
    assert art.author == "Jane Reporter"
    assert art.published is not None and art.published.year == 2015
    assert "approved the new budget" in art.text
    assert "Home | News" not in art.text and "All rights reserved" not in art.text


def test_jsonl_good_lines_survive_bad_ones(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "batch.jsonl"
    lines = [
        json.dumps({"title": "Budget", "text": BODY, "url": "https://news.example.com/a", "date": "2015-02-01"}),
        "{not json",
        json.dumps({"title": "No text"}),
        json.dumps(["a list"]),
        json.dumps({"headline": "Second", "body": BODY.replace("Tuesday", "Wednesday"), "source": "Daily Example"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = list(iter_sources([str(path)], settings))
    good, bad = articles(items), failures(items)
    assert [a.title for a in good] == ["Budget", "Second"]
    assert good[0].outlet == "news.example.com" and good[0].published is not None
    assert good[1].outlet == "Daily Example"
    assert {f.origin for f in bad} == {f"{path}:2", f"{path}:3", f"{path}:4"}
    assert "malformed JSON" in next(f.reason for f in bad if f.origin.endswith(":2"))


def test_csv_in_fnc1_bodies_layout_and_malformed_rows(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "bodies.csv"
    path.write_text(f'Body ID,articleBody\n1,"{BODY}"\n2,"short"\n3,"{BODY} More.",extra\n', encoding="utf-8")
    items = list(iter_sources([str(path)], settings))
    [good] = articles(items)
    assert good.origin.endswith("#body=1")
    reasons = {f.origin: f.reason for f in failures(items)}
    assert any("no article text" in r for r in reasons.values())
    assert any("more fields than columns" in r for r in reasons.values())


def test_csv_without_text_column_is_refused(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    [fail] = list(iter_sources([str(path)], settings))
    assert isinstance(fail, IngestFailure) and "no text column" in fail.reason


def test_bad_files_each_get_a_clear_reason(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    (tmp_path / "latin1.txt").write_bytes(("Caf\xe9 story. " * 20).encode("latin-1"))
    (tmp_path / "french.txt").write_text(
        "Titre de l'article\n\n" + "Le conseil municipal a adopté le budget mardi après un long débat. " * 5, "utf-8"
    )
    (tmp_path / "data.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "good.txt").write_text("A good article\n\n" + BODY, "utf-8")
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(settings.max_bytes + 1)
    items = list(iter_sources([str(tmp_path)], settings))
    reasons = {Path(f.origin).name: f.reason for f in failures(items)}
    assert reasons["empty.txt"] == "empty file"
    assert "binary" in reasons["binary.txt"]
    assert "cannot decode as UTF-8" in reasons["latin1.txt"] and "offset" in reasons["latin1.txt"]
    assert "not look like English" in reasons["french.txt"]
    assert "unsupported file type .pdf" in reasons["data.pdf"]
    assert "too large" in reasons["big.txt"]
    assert [a.title for a in articles(items)] == ["A good article"]


def test_explicit_encoding_reads_latin1(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(("Caf\xe9 owners protest\n\n" + BODY + " The caf\xe9 closed.").encode("latin-1"))
    [art] = articles(list(iter_sources([str(path)], settings, encoding="latin-1")))
    assert "café closed" in art.text


def test_url_fetch_html_and_errors(site: Site, settings: Settings) -> None:
    ok = site.add("/news/budget", HTML)
    img = site.add("/logo.png", b"\x89PNG", "image/png")
    missing = site.base + "/nope"
    items = list(iter_sources([ok, img, missing], settings))
    [art] = articles(items)
    assert art.url == ok and art.title == "Council passes budget"
    reasons = {f.origin: f.reason for f in failures(items)}
    assert "unsupported content type image/png" in reasons[img]
    assert "HTTP 404" in reasons[missing]


def test_url_size_limit(site: Site, settings: Settings) -> None:
    small = settings.with_(max_bytes=1000)
    url = site.add("/huge", "<html><body>" + "x" * 5000 + "</body></html>")
    [fail] = list(iter_sources([url], small))
    assert isinstance(fail, IngestFailure) and "too large" in fail.reason


def test_rss_feed_from_url_follows_entry_links(site: Site, settings: Settings) -> None:
    page = site.add("/story/1", HTML)
    rss = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Herald feed</title>
    <item><title>Council passes budget</title><link>{page}</link><pubDate>Wed, 04 Mar 2015 10:00:00 GMT</pubDate></item>
    <item><title>Broken link</title><link>{site.base}/gone</link></item>
    </channel></rss>"""
    feed = site.add("/feed.xml", rss, "application/rss+xml")
    items = list(iter_sources([feed], settings))
    [art] = articles(items)
    assert art.title == "Council passes budget" and art.url == page
    [fail] = failures(items)
    assert "HTTP 404" in fail.reason


def test_atom_feed_file_with_inline_content(tmp_path: Path, settings: Settings) -> None:
    atom = f"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom News</title>
    <entry><title>Inline story</title><id>urn:1</id><updated>2015-03-04T10:00:00Z</updated>
    <content type="html">&lt;p&gt;{BODY}&lt;/p&gt;</content></entry></feed>"""
    path = tmp_path / "news.atom"
    path.write_text(atom, "utf-8")
    [art] = articles(list(iter_sources([str(path)], settings)))
    assert art.title == "Inline story" and art.outlet == "Atom News" and "new budget" in art.text


def test_missing_path_reported(settings: Settings) -> None:
    [fail] = list(iter_sources(["/no/such/file.txt"], settings))
    assert isinstance(fail, IngestFailure) and "no such file" in fail.reason


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".txt", ".html", ".jsonl", ".csv", ".xml"]))
def test_random_bytes_never_crash(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"random{suffix}"
    path.write_bytes(data)
    for item in iter_sources([str(path)], Settings(db=":memory:")):
        assert isinstance(item, Article | IngestFailure)
        if isinstance(item, IngestFailure):
            assert item.reason and str(path) in item.origin


def test_a_record_whose_text_opens_with_its_title_stores_the_title_once(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "titled.jsonl"
    path.write_text(json.dumps({"title": "Council passes budget", "text": "Council passes budget.\n\n" + BODY}) + "\n", "utf-8")
    [art] = articles(list(iter_sources([str(path)], settings)))
    assert art.title == "Council passes budget"
    assert art.text.startswith("The city council approved")
