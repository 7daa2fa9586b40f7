"""Readers turning files, directories, feeds and URLs into cleaned `Article` records.

Each reader yields either an `Article` or an `IngestFailure`, so one bad item (a file, a JSONL line,
a CSV row, a feed entry) never stops the batch.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlparse

import httpx
import lxml.html
import trafilatura
from dateutil import parser as dateparser
from lxml import etree
from trafilatura.settings import Document

from claimwatch.errors import InputError
from claimwatch.ingest.clean import clean_text
from claimwatch.ingest.decode import check_english, check_length, check_size, decode_bytes, refuse_binary, text_encoding
from claimwatch.ingest.feeds import feed_problem, parse_feed
from claimwatch.ingest.fetch import FEED_TYPES, HTML_TYPES, fetch, make_client
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
FULL_CONTENT_CHARS = 1500  # feed entry content at least this long is the article; shorter, the linked page is


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
    """Clean the text, check it is real English content and build the record.

    The length limit is checked on the raw text first, so absurd inputs (a million lines, one
    12 MB line) are refused in microseconds instead of going through the cleaner.
    """
    check_length(origin, len(text), settings.max_article_chars)
    cleaned = clean_text(text, detect_title=detect_title and not title)
    body = cleaned.text.strip()
    if title:  # a record whose text opens with its own headline: the headline is stored once, as the title
        first, _sep, rest = body.partition("\n")
        if rest.strip() and _same_heading(first, title):
            body = rest.strip()
    if len(body) < settings.min_article_chars:
        raise InputError(origin, f"no article text ({len(body)} characters after cleaning)")
    check_length(origin, len(body), settings.max_article_chars)
    check_english(origin, body)
    return Article(text=body, title=title or cleaned.title, origin=origin, language="en", **meta)  # type: ignore[arg-type]


# The precision-first extraction is incomplete when, cleaned, it is shorter than this share of the cleaned
# default extraction. On the extraction dev pages, what the default adds beyond that is mostly real content
# (paragraphs, subheads, list items); small differences are mostly headline, dek and related-link lines.
PRECISION_SHARE = 0.95


def _lines(text: str | None) -> list[str]:
    """Non-empty lines of trafilatura's text output (one paragraph, heading or list item a line)."""
    return [s for s in (ln.strip() for ln in (text or "").split("\n")) if s]


def _same_heading(a: str, b: str) -> bool:
    """Whether two headings say the same thing, ignoring case, spacing and surrounding punctuation."""

    def norm(s: str) -> str:
        return " ".join(s.casefold().split()).strip(" .:!?\"'“”‘’-–—|")

    return bool(norm(a)) and norm(a) == norm(b)


def _body_lines(text: str | None, title: str | None) -> list[str]:
    """The extracted lines, less a first line that only repeats the title (it is stored as the title)."""
    lines = _lines(text)
    if lines and title and _same_heading(lines[0], title):
        lines = lines[1:]
    return lines


def _kept_chars(lines: list[str]) -> int:
    """Characters of the text that survive cleaning (so a text that is only a notice or residue counts as empty)."""
    return len(clean_text("\n\n".join(lines), detect_title=False).text)


class Extraction(NamedTuple):
    """Main text of a page as paragraph lines, trafilatura's document (metadata) and which extraction gave the text."""

    lines: list[str]
    doc: Document | None
    source: str  # "precision" or "default"


def extract_html(origin: str, html: str | bytes, settings: Settings, url: str | None = None) -> Extraction:
    """Extract the main text of an HTML page with trafilatura, or raise InputError.

    The precision-first extraction is used unless it is incomplete: empty, only boilerplate (a reprint
    or copyright notice, paywall lines) or much shorter than trafilatura's default extraction of the same
    page once both are cleaned; then the default extraction is used. A first line repeating the title is
    dropped (the title is stored as such).
    """
    if len(html) > settings.max_article_chars:  # only a page this big can hold more text than an article may have
        chars = page_text_chars(html)
        if chars > settings.max_article_chars:  # trafilatura would take minutes on such a page
            raise InputError(
                origin,
                f"article too long: the page holds {chars:,} characters of text "
                f"(limit {settings.max_article_chars:,}; set CLAIMWATCH_MAX_ARTICLE_CHARS)",
            )
    try:  # tables are main text (plain trafilatura keeps them too)
        precise_doc = trafilatura.bare_extraction(
            html, url=url, include_comments=False, include_tables=True, with_metadata=True, favor_precision=True
        )
        default_doc = trafilatura.bare_extraction(
            html, url=url, include_comments=False, include_tables=True, with_metadata=not isinstance(precise_doc, Document)
        )
    except Exception as exc:  # trafilatura/lxml raise many types on broken markup
        raise InputError(origin, f"malformed HTML: {exc}") from None
    precise_doc = precise_doc if isinstance(precise_doc, Document) else None
    default_doc = default_doc if isinstance(default_doc, Document) else None
    doc = precise_doc or default_doc
    title = doc.title if doc else None
    precise = _body_lines(precise_doc.text if precise_doc else None, title)
    default = _body_lines(default_doc.text if default_doc else None, title)
    if default and default != precise and _kept_chars(precise) < PRECISION_SHARE * _kept_chars(default):
        return Extraction(default, doc, "default")
    if not precise:
        raise InputError(origin, "no article text found in the HTML page")
    return Extraction(precise, doc, "precision")


def article_from_extraction(origin: str, extraction: Extraction, settings: Settings, url: str | None = None) -> Article:
    """Clean the extracted text and build the record with the page's metadata."""
    doc = extraction.doc
    page_url = url or (doc.url if doc else None)
    return finish_article(
        origin,
        "\n\n".join(extraction.lines),  # one paragraph a line: the cleaner must not join them
        settings,
        title=doc.title if doc else None,
        outlet=(doc.sitename if doc else None) or _outlet_from_url(page_url),
        author=doc.author if doc else None,
        published=_parse_date(doc.date if doc else None),
        url=page_url,
    )


def article_from_html(origin: str, html: str | bytes, settings: Settings, url: str | None = None) -> Article:
    """Extract main text and metadata from an HTML page with trafilatura, then clean it."""
    return article_from_extraction(origin, extract_html(origin, html, settings, url), settings, url)


def page_text_chars(html: str | bytes) -> int:
    """Characters of visible text in a page (scripts and styles left out, whitespace runs as one), by a fast lxml parse."""
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return 0  # nothing lxml can read: trafilatura will say so
    etree.strip_elements(root, "script", "style", "noscript", "template", etree.Comment, with_tail=False)
    return sum(len(" ".join(piece.split())) for piece in root.itertext())


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
    """Articles from an RSS/Atom feed: entry content when substantial, else the fetched linked page.

    An entry whose linked page cannot be read is a failure naming the entry and why; its summary is
    not stored in the page's place (a teaser is not the article).
    """
    try:
        feed = parse_feed(origin, data)
    except InputError as exc:
        yield IngestFailure(exc.origin, exc.problem)
        return
    if not any(e.get("link") or e.get("content") or e.get("summary") for e in feed.entries):
        yield IngestFailure(origin, feed_problem(feed))
        return
    outlet = feed.feed.get("title")
    for n, entry in enumerate(feed.entries, start=1):
        link = entry.get("link")
        where = f"{origin}#entry={n}" + (f" ({link})" if link else "")
        content = ""
        if entry.get("content"):
            content = " ".join(c.get("value", "") for c in entry.content)
        summary = entry.get("summary", "")
        if len(summary) >= FULL_CONTENT_CHARS and len(content) < FULL_CONTENT_CHARS:
            content = summary  # a description this long is the full text, not a teaser
        published = _parse_date(entry.get("published") or entry.get("updated"))
        try:
            if link and urlparse(link).scheme in {"http", "https"} and len(content) < FULL_CONTENT_CHARS:
                try:
                    article = read_url_article(link, settings, client)
                except InputError as exc:
                    raise InputError(where, f"linked page not ingested: {exc.problem}" + _not_stored(content or summary)) from None
            elif content or summary:
                html = content or summary
                article = article_from_html(where, f"<html><body><article>{html}</article></body></html>", settings, link)
            else:
                raise InputError(where, "feed entry has no content and no http(s) link")
            article.title = entry.get("title") or article.title
            article.outlet = article.outlet or outlet
            article.author = article.author or entry.get("author")
            article.published = article.published or published
            article.origin = where
            yield article
        except InputError as exc:
            yield IngestFailure(exc.origin, exc.problem)


def _not_stored(teaser: str) -> str:
    return f" (the entry's {len(teaser):,}-character summary is not stored in its place)" if teaser.strip() else ""


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
            if encoding or text_encoding(data):  # explicit, BOM or UTF-16: decode here
                html = decode_bytes(origin, data, encoding, what="HTML")
            elif not data.strip():
                raise InputError(origin, "empty file")
            else:
                refuse_binary(origin, data, "HTML")  # undecoded bytes: trafilatura sniffs the charset
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


def _path_problem(path: Path) -> str | None:
    """Why a local path cannot be read as a source (missing, broken or looping symlink), or None."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop (the link resolves back to itself)"
        if path.is_symlink():
            return f"broken symbolic link (points to missing {os.readlink(path)})"
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return "no such file, directory or URL"
        return f"cannot read: {exc.strerror}"
    return None


def read_source(source: str, settings: Settings, encoding: str | None = None, client: httpx.Client | None = None) -> Iterator[Item]:
    """Read one source: a URL (page or feed) or a file path."""
    if urlparse(source).scheme in {"http", "https"}:
        yield from read_url(source, settings, client)
        return
    path = Path(source)
    problem = _path_problem(path)
    if problem:
        yield IngestFailure(source, problem)
    elif path.is_dir():
        yield IngestFailure(source, "directory contains no files")
    else:
        yield from read_file(path, settings, encoding, client)


def expand_sources(sources: Iterable[str]) -> list[str]:
    """Expand directories (recursively) into their files, so progress can count items.

    Symbolic links that are broken or loop are kept, so they are reported rather than skipped;
    links to directories are not followed (no cycles).
    """
    out: list[str] = []
    for source in sources:
        path = Path(source)
        if urlparse(source).scheme not in {"http", "https"} and path.is_dir():
            files = sorted(str(p) for p in path.rglob("*") if not p.name.startswith(".") and (p.is_file() or _dangling(p)))
            out.extend(files or [source])
        else:
            out.append(source)
    return out


def _dangling(path: Path) -> bool:
    """A symbolic link that resolves to nothing (broken, or a loop)."""
    return path.is_symlink() and not path.exists()


def iter_sources(
    sources: Iterable[str], settings: Settings, encoding: str | None = None, on_source: Callable[[str], None] | None = None
) -> Iterator[Item]:
    """Yield articles (or failures) from paths, directories (recursive), feeds and URLs, through one guarded
    client; `on_source` is called after each source (file or URL) has been read."""
    with make_client(settings) as client:
        for source in expand_sources(sources):
            yield from read_source(source, settings, encoding, client)
            if on_source:
                on_source(source)
