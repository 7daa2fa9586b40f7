"""Readers turning files, directories, feeds and URLs into cleaned `Article` records.

Each reader yields either an `Article` or an `IngestFailure`, so one bad item (a file, a JSONL line,
a CSV row, a feed entry) never stops the batch.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

import feedparser
import httpx
import trafilatura
from dateutil import parser as dateparser

from claimwatch.errors import InputError
from claimwatch.ingest.clean import clean_text
from claimwatch.ingest.decode import check_english, check_size, decode_bytes
from claimwatch.ingest.fetch import FEED_TYPES, HTML_TYPES, fetch
from claimwatch.records import Article, IngestFailure
from claimwatch.settings import Settings

Item = Article | IngestFailure
TEXT_SUFFIXES = {".txt", ".text", ".md"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
FEED_SUFFIXES = {".rss", ".atom", ".xml"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | FEED_SUFFIXES | {".jsonl", ".ndjson", ".csv"}

TEXT_FIELDS = ("text", "body", "articleBody", "content", "article")
TITLE_FIELDS = ("title", "headline", "Headline")
DATE_FIELDS = ("date", "published", "datePublished", "pubDate")
OUTLET_FIELDS = ("source", "outlet", "sitename", "publisher")


def _parse_date(value: object) -> datetime | None:
    """Parse a date string leniently; unparseable dates are dropped, not fatal."""
    if not value or not isinstance(value, str):
        return None
    try:
        return dateparser.parse(value)
    except (ValueError, OverflowError):
        return None


def _outlet_from_url(url: str | None) -> str | None:
    """Host name without www., used as outlet when the page names none."""
    if not url:
        return None
    host = urlparse(url).hostname or ""
    return host.removeprefix("www.") or None


def finish_article(
    origin: str,
    text: str,
    settings: Settings,
    *,
    title: str | None = None,
    detect_title: bool = False,
    **meta: object,
) -> Article:
    """Clean the text, check it is real English content and build the record."""
    cleaned = clean_text(text, detect_title=detect_title and not title)
    body = cleaned.text.strip()
    if len(body) < settings.min_article_chars:
        raise InputError(origin, f"no article text ({len(body)} characters after cleaning)")
    check_english(origin, body)
    return Article(text=body, title=title or cleaned.title, origin=origin, language="en", **meta)  # type: ignore[arg-type]


def article_from_html(origin: str, html: str | bytes, settings: Settings, url: str | None = None) -> Article:
    """Extract main text and metadata from an HTML page with trafilatura, then clean it."""
    try:
        doc = trafilatura.bare_extraction(
            html, url=url, include_comments=False, include_tables=False, with_metadata=True, favor_precision=True
        )
    except Exception as exc:  # trafilatura/lxml raise many types on broken markup
        raise InputError(origin, f"malformed HTML: {exc}") from None
    if doc is None or isinstance(doc, dict) or not doc.text:
        raise InputError(origin, "no article text found in the HTML page")
    page_url = url or getattr(doc, "url", None)
    return finish_article(
        origin,
        doc.text,
        settings,
        title=doc.title,
        outlet=doc.sitename or _outlet_from_url(page_url),
        author=doc.author,
        published=_parse_date(doc.date),
        url=page_url,
    )


def _first(record: dict[str, object], keys: Iterable[str]) -> object:
    for key in keys:
        if record.get(key):
            return record[key]
    return None


def article_from_record(origin: str, record: dict[str, object], settings: Settings) -> Article:
    """Build an article from a JSON/CSV record with text/title/url/date/source fields."""
    text = _first(record, TEXT_FIELDS)
    if not isinstance(text, str) or not text.strip():
        raise InputError(origin, f"no text field (expected one of {', '.join(TEXT_FIELDS)})")
    title = _first(record, TITLE_FIELDS)
    url = record.get("url")
    outlet = _first(record, OUTLET_FIELDS)
    author = record.get("author")
    return finish_article(
        origin,
        text,
        settings,
        title=str(title) if title else None,
        url=str(url) if url else None,
        outlet=str(outlet) if outlet else _outlet_from_url(str(url) if url else None),
        author=str(author) if author else None,
        published=_parse_date(_first(record, DATE_FIELDS)),
    )


def read_jsonl(origin: str, text: str, settings: Settings) -> Iterator[Item]:
    """One article per JSON line; a malformed line is reported with its line number."""
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{origin}:{lineno}"
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise InputError(where, "JSON line is not an object")
            yield article_from_record(where, record, settings)
        except json.JSONDecodeError as exc:
            yield IngestFailure(where, f"malformed JSON: {exc.msg} at column {exc.colno}")
        except InputError as exc:
            yield IngestFailure(exc.origin, exc.problem)


def read_csv(origin: str, text: str, settings: Settings) -> Iterator[Item]:
    """Articles from CSV: the FNC-1 bodies layout (Body ID, articleBody) or any text/title columns."""
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        yield IngestFailure(origin, f"malformed CSV header: {exc}")
        return
    if not any(f in header for f in TEXT_FIELDS):
        yield IngestFailure(origin, f"CSV has no text column (expected one of {', '.join(TEXT_FIELDS)}; found {header})")
        return
    while True:
        where = f"{origin}:{reader.line_num + 1}"
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield IngestFailure(where, f"malformed CSV: {exc}")
            return  # the csv module cannot resynchronise after a broken quote
        if None in row:
            yield IngestFailure(where, "malformed CSV row: more fields than columns")
            continue
        body_id = row.get("Body ID")
        row_origin = f"{origin}#body={body_id}" if body_id else where
        try:
            yield article_from_record(row_origin, dict(row), settings)
        except InputError as exc:
            yield IngestFailure(exc.origin, exc.problem)


def read_feed(origin: str, data: bytes, settings: Settings, client: httpx.Client | None = None) -> Iterator[Item]:
    """Articles from an RSS/Atom feed: entry content when substantial, else the fetched linked page."""
    feed = feedparser.parse(data)
    if not feed.entries:
        problem = f"not a readable RSS/Atom feed ({feed.bozo_exception})" if feed.bozo else "feed has no entries"
        yield IngestFailure(origin, problem)
        return
    outlet = feed.feed.get("title")
    for n, entry in enumerate(feed.entries, start=1):
        link = entry.get("link")
        where = f"{origin}#entry={n}" + (f" ({link})" if link else "")
        content = ""
        if entry.get("content"):
            content = " ".join(c.get("value", "") for c in entry.content)
        summary = entry.get("summary", "")
        published = _parse_date(entry.get("published") or entry.get("updated"))
        try:
            article: Article | None = None
            if link and urlparse(link).scheme in {"http", "https"} and len(content) < 1500:
                try:
                    article = read_url_article(link, settings, client)
                except InputError:
                    if not (content or summary):
                        raise
            if article is None:
                html = content or summary
                article = article_from_html(where, f"<html><body><article>{html}</article></body></html>", settings, link)
            article.title = entry.get("title") or article.title
            article.outlet = article.outlet or outlet
            article.author = article.author or entry.get("author")
            article.published = article.published or published
            article.origin = where
            yield article
        except InputError as exc:
            yield IngestFailure(exc.origin, exc.problem)


def read_url_article(url: str, settings: Settings, client: httpx.Client | None = None) -> Article:
    """Fetch one URL that must be an HTML or text article."""
    got = fetch(url, settings, client)
    if got.media_type in FEED_TYPES:
        raise InputError(url, "is a feed, not an article")
    if got.media_type in HTML_TYPES:
        return article_from_html(url, got.body, settings, url=got.url)
    text = decode_bytes(url, got.body, got.charset)
    return finish_article(url, text, settings, detect_title=True, url=got.url, outlet=_outlet_from_url(got.url))


def read_url(url: str, settings: Settings, client: httpx.Client | None = None) -> Iterator[Item]:
    """Fetch a URL: a feed yields its entries, a page yields one article."""
    try:
        got = fetch(url, settings, client)
        if got.media_type in FEED_TYPES or got.body.lstrip()[:200].lower().startswith((b"<?xml", b"<rss", b"<feed")):
            yield from read_feed(url, got.body, settings, client)
            return
        if got.media_type in HTML_TYPES:
            yield article_from_html(url, got.body, settings, url=got.url)
        else:
            text = decode_bytes(url, got.body, got.charset)
            yield finish_article(url, text, settings, detect_title=True, url=got.url, outlet=_outlet_from_url(got.url))
    except InputError as exc:
        yield IngestFailure(exc.origin, exc.problem)


def read_file(path: Path, settings: Settings, encoding: str | None = None, client: httpx.Client | None = None) -> Iterator[Item]:
    """Read one file according to its suffix."""
    origin = str(path)
    suffix = path.suffix.lower()
    try:
        if suffix not in SUPPORTED:
            raise InputError(origin, f"unsupported file type {suffix or '(none)'}; use {', '.join(sorted(SUPPORTED))}")
        check_size(origin, path.stat().st_size, settings.max_bytes)
        data = path.read_bytes()
        if suffix in FEED_SUFFIXES:
            yield from read_feed(origin, data, settings, client)
        elif suffix in HTML_SUFFIXES:
            html: str | bytes = data
            if encoding:
                html = decode_bytes(origin, data, encoding)
            else:
                _refuse_binary(origin, data)  # undecoded bytes: trafilatura sniffs the charset
            yield article_from_html(origin, html, settings)
        else:
            text = decode_bytes(origin, data, encoding)
            if suffix in {".jsonl", ".ndjson"}:
                yield from read_jsonl(origin, text, settings)
            elif suffix == ".csv":
                yield from read_csv(origin, text, settings)
            else:
                yield finish_article(origin, text, settings, detect_title=True)
    except InputError as exc:
        yield IngestFailure(exc.origin, exc.problem)
    except OSError as exc:
        yield IngestFailure(origin, f"cannot read: {exc.strerror}")


def _refuse_binary(origin: str, data: bytes) -> None:
    """HTML bytes go to trafilatura undecoded (it sniffs the charset) but must not be binary."""
    if b"\x00" in data[:8192]:
        raise InputError(origin, "binary content, not HTML (NUL bytes found)")
    if not data.strip():
        raise InputError(origin, "empty file")


def read_source(source: str, settings: Settings, encoding: str | None = None, client: httpx.Client | None = None) -> Iterator[Item]:
    """Read one source: a URL (page or feed) or a file path."""
    if urlparse(source).scheme in {"http", "https"}:
        yield from read_url(source, settings, client)
        return
    path = Path(source)
    if path.is_dir():
        yield IngestFailure(source, "directory contains no files")
    elif path.exists():
        yield from read_file(path, settings, encoding, client)
    else:
        yield IngestFailure(source, "no such file, directory or URL")


def expand_sources(sources: Iterable[str]) -> list[str]:
    """Expand directories (recursively) into their files, so progress can count items."""
    out: list[str] = []
    for source in sources:
        path = Path(source)
        if urlparse(source).scheme not in {"http", "https"} and path.is_dir():
            files = sorted(str(p) for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            out.extend(files or [source])
        else:
            out.append(source)
    return out


def make_client(settings: Settings) -> httpx.Client:
    """The shared HTTP client: timeouts, redirects and our User-Agent."""
    return httpx.Client(timeout=settings.fetch_timeout, follow_redirects=True, headers={"User-Agent": settings.user_agent})


def iter_sources(sources: Iterable[str], settings: Settings, encoding: str | None = None) -> Iterator[Item]:
    """Yield articles (or failures) from paths, directories (recursive), feeds and URLs."""
    with make_client(settings) as client:
        for source in expand_sources(sources):
            yield from read_source(source, settings, encoding, client)
