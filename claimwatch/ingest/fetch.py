"""Fetching URLs through one guarded httpx client: public addresses only, a total deadline, a size cap.

`make_client(settings)` builds the client every fetch uses (article URLs, feed URLs, feed entry links,
every redirect hop): its transport vets each address it connects to (see `guard.py`), ignores proxy
environment variables, and cuts any fetch at `settings.fetch_deadline`. `fetch` follows redirects
itself, up to `settings.max_redirects`, checking each hop's scheme and address.

Errors are one line for the user and never tell apart "connection refused", "reset" or "server
disconnected", so fetch errors cannot be used to scan which internal ports are open.
"""

from __future__ import annotations

import functools
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from claimwatch.errors import FetchError
from claimwatch.ingest.decode import format_size, too_large
from claimwatch.ingest.guard import AddressRefused, GuardedBackend, GuardedTransport, HostNotFound, deadline_scope, literal_address
from claimwatch.settings import Settings

HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "application/rdf+xml")
TEXT_TYPES = ("text/plain",)
SCHEMES = ("http", "https")
CONNECTION_FAILED = "cannot fetch: connection failed"

_GUARDS: weakref.WeakKeyDictionary[httpx.Client, GuardedBackend] = weakref.WeakKeyDictionary()


@dataclass
class Fetched:
    """A fetched document: final URL, media type, charset, body bytes, and its validators for conditional GET.

    `status` 304 means "not modified" (sent only when the caller passed validators): no body."""

    url: str
    media_type: str
    charset: str | None
    body: bytes
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None


def make_client(settings: Settings, *, trusted: Iterable[tuple[str, int]] = ()) -> httpx.Client:
    """The one HTTP client of claimwatch: guarded addresses, per-read timeout, redirect limit, our User-Agent.

    `trusted` (exact ip, port peers exempt from the address check) exists for tests only.
    """
    backend = GuardedBackend(settings.allow_private_fetch, trusted)
    client = httpx.Client(
        transport=GuardedTransport(backend),
        timeout=httpx.Timeout(settings.fetch_timeout),
        follow_redirects=True,  # for direct use of the client; `fetch` follows redirects itself
        max_redirects=settings.max_redirects,
        headers={"User-Agent": settings.user_agent},
        trust_env=False,  # proxy variables must not route around the guard
        event_hooks={"response": [functools.partial(_vet_redirect, backend=backend)]},
    )
    _GUARDS[client] = backend
    return client


class HopRefused(httpx.TransportError):
    """A URL (the one asked for or a redirect target) that is not fetched: bad scheme, or a non-public IP literal."""

    def __init__(self, hop: str, problem: str, refused: bool = False) -> None:
        self.hop = hop
        self.problem = problem
        self.refused = refused
        super().__init__(problem)


def check_hop(url: str, backend: GuardedBackend) -> None:
    """Refuse a non-http(s) URL, and a host that is an IP literal in any form (even ones httpx cannot parse) and not public."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise HopRefused(url, f"invalid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise HopRefused(url, f"only http and https URLs are fetched, not {scheme + ':' if scheme else 'relative'} URLs")
    host = parts.hostname or ""
    if not host:
        raise HopRefused(url, "invalid URL (no host)")
    address = literal_address(host)
    if address is not None:
        try:
            backend.vet(address, host, port or (443 if scheme == "https" else 80))
        except AddressRefused as exc:
            raise HopRefused(url, exc.problem, refused=True) from None


def _vet_redirect(response: httpx.Response, backend: GuardedBackend) -> None:
    """Response hook: check a redirect target before httpx parses it (it cannot parse some IP forms)."""
    location = response.headers.get("location")
    if response.is_redirect and location:
        check_hop(urljoin(str(response.url), location.strip()), backend)


def fetch(
    url: str, settings: Settings, client: httpx.Client | None = None, *, etag: str | None = None, last_modified: str | None = None
) -> Fetched:
    """GET a URL through the guarded client, refusing non-text content types and bodies over the size limit.

    With `etag` / `last_modified` (from an earlier fetch) the GET is conditional: a 304 answer comes
    back as `Fetched(status=304)` with no body."""
    conditional = {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", last_modified)) if v}
    own = client is None
    if client is None:
        client = make_client(settings)
    backend = _GUARDS.get(client)
    if backend is None:
        raise ValueError("fetch() needs a client made by claimwatch.ingest.fetch.make_client")
    deadline = time.monotonic() + settings.fetch_deadline
    hop = url
    try:
        with deadline_scope(deadline):
            for _ in range(settings.max_redirects + 1):
                check_hop(hop, backend)
                with client.stream("GET", hop, follow_redirects=False, headers=conditional) as resp:
                    if resp.status_code == 304 and conditional:
                        return Fetched(
                            url=str(resp.url), media_type="", charset=None, body=b"", status=304, etag=etag, last_modified=last_modified
                        )
                    location = resp.headers.get("location")
                    if resp.is_redirect and location:
                        hop = urljoin(str(resp.url), location.strip())
                        continue
                    return _read(url, resp, settings, deadline)
            raise FetchError(url, f"too many redirects (more than {settings.max_redirects}; CLAIMWATCH_MAX_REDIRECTS)")
    except HopRefused as exc:
        raise FetchError(url, ("refused: " if exc.refused else "") + _via(url, exc.hop) + exc.problem) from None
    except AddressRefused as exc:
        raise FetchError(url, "refused: " + _via(url, hop) + exc.problem) from None
    except HostNotFound as exc:
        raise FetchError(url, _via(url, hop) + f"cannot fetch: host {exc.host} not found") from None
    except httpx.TimeoutException as exc:
        if time.monotonic() >= deadline - 0.05:
            raise FetchError(url, f"timed out: no complete response within the {settings.fetch_deadline:g} s fetch deadline") from None
        if isinstance(exc, httpx.ReadTimeout):
            raise FetchError(url, f"timed out: no data for {settings.fetch_timeout:g} s") from None
        raise FetchError(url, CONNECTION_FAILED) from None
    except httpx.InvalidURL as exc:
        raise FetchError(url, _via(url, hop) + f"invalid URL ({exc})") from None
    except httpx.DecodingError:
        raise FetchError(url, "cannot fetch: the response body could not be decoded") from None
    except httpx.HTTPError:
        raise FetchError(url, CONNECTION_FAILED) from None
    finally:
        if own:
            client.close()


def _via(url: str, hop: str) -> str:
    """'redirect to <hop>: ' when the problem is at a redirect target, else nothing."""
    return "" if hop == url else f"redirect to {hop}: "


def _read(url: str, resp: httpx.Response, settings: Settings, deadline: float) -> Fetched:
    """Check status, type and declared size, then stream the body within the size cap and the deadline."""
    if resp.status_code >= 300:  # redirects with a Location were followed by the caller
        raise FetchError(url, f"HTTP {resp.status_code} {resp.reason_phrase}".rstrip())
    media_type = resp.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in HTML_TYPES + FEED_TYPES + TEXT_TYPES:
        raise FetchError(url, f"unsupported content type {media_type or '(none)'}; expected HTML, text or a feed")
    declared = resp.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > settings.max_bytes:
        raise FetchError(url, too_large(int(declared), settings.max_bytes))
    chunks: list[bytes] = []
    total = 0
    for chunk in resp.iter_bytes():
        total += len(chunk)
        if total > settings.max_bytes:
            raise FetchError(url, f"too large: more than the {format_size(settings.max_bytes)} limit (CLAIMWATCH_MAX_BYTES)")
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("fetch deadline exceeded")
        chunks.append(chunk)
    return Fetched(
        url=str(resp.url),
        media_type=media_type,
        charset=resp.charset_encoding,
        body=b"".join(chunks),
        etag=resp.headers.get("etag"),
        last_modified=resp.headers.get("last-modified"),
    )
