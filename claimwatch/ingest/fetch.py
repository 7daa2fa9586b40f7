"""Fetching URLs with httpx: timeouts, a size limit and a content-type check."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from claimwatch.errors import FetchError
from claimwatch.settings import Settings

HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "application/rdf+xml")
TEXT_TYPES = ("text/plain",)


@dataclass
class Fetched:
    """A fetched document: final URL, media type, charset and body bytes."""

    url: str
    media_type: str
    charset: str | None
    body: bytes


def fetch(url: str, settings: Settings, client: httpx.Client | None = None) -> Fetched:
    """GET a URL, refusing non-text content types and bodies over the size limit."""
    own = client is None
    if client is None:
        client = httpx.Client(timeout=settings.fetch_timeout, follow_redirects=True, headers={"User-Agent": settings.user_agent})
    try:
        with client.stream("GET", url) as resp:
            if resp.status_code >= 400:
                raise FetchError(url, f"HTTP {resp.status_code} {resp.reason_phrase}")
            ctype = resp.headers.get("content-type", "")
            media_type = ctype.split(";")[0].strip().lower()
            if media_type not in HTML_TYPES + FEED_TYPES + TEXT_TYPES:
                raise FetchError(url, f"unsupported content type {media_type or '(none)'}; expected HTML, text or a feed")
            declared = resp.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > settings.max_bytes:
                raise FetchError(url, f"too large: {int(declared) / 1e6:.1f} MB exceeds the limit")
            chunks: list[bytes] = []
            total = 0
            for chunk in resp.iter_bytes():
                total += len(chunk)
                if total > settings.max_bytes:
                    raise FetchError(url, f"too large: more than {settings.max_bytes / 1e6:.0f} MB")
                chunks.append(chunk)
            return Fetched(url=str(resp.url), media_type=media_type, charset=resp.charset_encoding, body=b"".join(chunks))
    except httpx.TimeoutException:
        raise FetchError(url, f"timed out after {settings.fetch_timeout:.0f} s") from None
    except httpx.HTTPError as exc:
        raise FetchError(url, f"cannot fetch: {exc}") from None
    finally:
        if own:
            client.close()
