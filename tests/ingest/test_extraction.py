"""HTML extraction: the CSMonitor article as a web page keeps every paragraph, fallbacks, the title once."""

from __future__ import annotations

import gzip
import html
import json
from pathlib import Path
from typing import Any

import pytest
import trafilatura
from trafilatura.settings import Document

from claimwatch.errors import InputError
from claimwatch.ingest import sources
from claimwatch.ingest.sources import article_from_html, extract_html
from claimwatch.settings import Settings
from tests.conftest import SHARED, need


def _lines(text: str) -> list[str]:
    return [ln for ln in text.split("\n") if ln.strip()]


# Lines of the CSMonitor scrape that are not the article: the photo credit and caption, paywall lines.
CSM_RESIDUE = (
    "Office of the Iranian Supreme Leader/AP",
    "In this picture released",
    "of stories this month",
    "You've read",
    "Unlimited digital",
    "Get unlimited",
)


def csmonitor_page(path: Path, title_in_body: str = "p") -> tuple[str, list[str]]:
    """The article as a plain web page: <title> = its first line, then one <p> per non-empty line.

    As in issue #17 the headline is also the page's first paragraph (`title_in_body="p"`); "h1" makes it
    a heading, "" leaves it out of the body.
    """
    lines = [ln for ln in path.read_text("utf-8").splitlines() if ln.strip()]
    head = f"<{title_in_body}>{html.escape(lines[0])}</{title_in_body}>" if title_in_body else ""
    body = "".join(f"<p>{html.escape(ln)}</p>" for ln in lines[1:])
    return f"<!doctype html><html><head><title>{html.escape(lines[0])}</title></head><body>{head}{body}</body></html>", lines


@pytest.mark.parametrize("title_in_body", ["p", "h1", ""])
def test_csmonitor_page_keeps_every_paragraph(csmonitor: Path, settings: Settings, title_in_body: str) -> None:
    page, lines = csmonitor_page(csmonitor, title_in_body)
    article = article_from_html("csmonitor.html", page.encode("utf-8"), settings)
    paragraphs = article.text.split("\n\n")
    real = [" ".join(ln.split()) for ln in lines[1:] if not ln.startswith(CSM_RESIDUE)]
    assert [" ".join(p.split()) for p in paragraphs] == real  # every paragraph, in order, each on its own
    for line in lines[1:]:
        if line.startswith(CSM_RESIDUE):
            assert " ".join(line.split())[:30] not in " ".join(article.text.split())
    assert article.title == lines[0]
    assert paragraphs[0].startswith("The BBC reports that Ayatollah Ali Khamenei")  # the title is not repeated
    text = " ".join(article.text.split())
    assert "according to a report today by BBC Persian, citing sources in Tehran" in text
    assert "A source close to Mr. Khamenei quickly denied that report" in text
    assert "Until now, Iranian and US officials have downplayed" in text
    # all that plain trafilatura keeps (5,691 characters without the title, 5,758 with it), less only the
    # residue lines and the title: 5,062 characters (2,067 / 2,135 before issue #17)
    plain = trafilatura.extract(page, include_comments=False) or ""
    residue = [ln for ln in _lines(plain) if ln.startswith(CSM_RESIDUE) or ln == lines[0]]
    assert len(article.text) == len(plain) - sum(len(ln) + 1 for ln in residue) + article.text.count("\n\n")


def _fake_extractions(
    monkeypatch: pytest.MonkeyPatch, precise: str | None, default: str | None, title: str = "Council passes budget"
) -> None:
    """Make trafilatura return these texts for the precision-first and the default extraction."""

    def fake(html: Any, **kw: Any) -> Document | None:
        text = precise if kw.get("favor_precision") else default
        return None if text is None else Document(title=title, text=text, sitename="Springfield Herald")

    monkeypatch.setattr(sources.trafilatura, "bare_extraction", fake)


ARTICLE = "\n".join(
    [
        "Council passes budget",
        "The city council approved the new budget on Tuesday after a long debate that ran past midnight.",
        "The mayor said the plan would fund schools and repair roads across the district over five years.",
        "Opponents argued that the tax increase was unfair to small businesses and renters in the city.",
    ]
)


@pytest.mark.parametrize(
    "precise",
    [
        None,  # precision-first found nothing
        "",
        "May 19, 2020",  # very short next to the default extraction
        "This copy is for your personal, non-commercial use only. To order presentation-ready copies for distribution to "
        "colleagues, clients or customers, use the Reprints tool.",  # only a reprint notice
        "Copyright 2015 Springfield Herald. All rights reserved.",
    ],
)
def test_incomplete_precision_extraction_falls_back_to_default(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, precise: str | None
) -> None:
    _fake_extractions(monkeypatch, precise, ARTICLE)
    extraction = extract_html("page.html", b"<html></html>", settings)
    assert extraction.source == "default"
    article = article_from_html("page.html", b"<html></html>", settings)
    assert article.text.split("\n\n") == ARTICLE.split("\n")[1:]  # the title line is not repeated
    assert article.title == "Council passes budget" and article.outlet == "Springfield Herald"


def test_complete_precision_extraction_is_kept(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    default = ARTICLE + "\nRelated stories: Ten things you missed this week"
    _fake_extractions(monkeypatch, ARTICLE, default)
    extraction = extract_html("page.html", b"<html></html>", settings)
    assert extraction.source == "precision"
    assert extraction.lines == ARTICLE.split("\n")[1:]


def test_no_text_at_all_is_refused(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    _fake_extractions(monkeypatch, None, None)
    with pytest.raises(InputError, match="no article text found"):
        article_from_html("page.html", b"<html></html>", settings)


def test_dev_page_where_precision_finds_only_a_date(settings: Settings) -> None:
    """security.googleblog.com: favor_precision returns only the date; the default extraction the whole post."""
    root = need(SHARED / "extraction")
    name = "security.googleblog.com.protection.html"
    url = json.loads((root / "expectations.json").read_text("utf-8"))[name]["url"]
    page = gzip.decompress((root / "html" / f"{name}.gz").read_bytes())
    article = article_from_html(name, page, settings, url=url)
    assert "This protocol is designed so that Google cannot" in article.text
    assert len(article.text) > 3000
