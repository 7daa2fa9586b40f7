"""Parsing untrusted RSS/Atom bytes with feedparser, safely.

feedparser alone is not enough for untrusted input:

* given bytes, `feedparser.parse` first tries them as a *file name* (a feed whose body is
  "/home/me/private.xml" would be read from disk), so the bytes are always wrapped in BytesIO;
* it keeps "safe" internal entities (no nested references) and expands them, so one long entity
  referenced many times (quadratic blow-up) still costs minutes and gigabytes.

So any entity declaration is refused before parsing, with a reason naming the attack shape:
external entities (XXE), nested entities (billion laughs) or plain ones. Real feeds do not
declare entities; a DOCTYPE without them (Netscape RSS 0.91) is fine.
"""

from __future__ import annotations

import contextlib
import io
import re
from typing import Any

import feedparser
from feedparser.encodings import convert_to_utf8

from claimwatch.errors import InputError

_ENTITY_DECL = re.compile(rb"<!ENTITY(?P<decl>[^>]{0,4096})", re.IGNORECASE)
_EXTERNAL = re.compile(rb"\b(?:SYSTEM|PUBLIC)\b", re.IGNORECASE)


def refuse_entities(origin: str, data: bytes) -> None:
    """Raise InputError when the feed declares XML entities, in any encoding feedparser would decode it with."""
    views = [data]
    with contextlib.suppress(Exception):  # feedparser's sniffing of hostile bytes; the raw view is still checked
        views.append(convert_to_utf8({}, data, {}))
    decls = [m.group("decl") for view in views for m in _ENTITY_DECL.finditer(view)]
    if any(_EXTERNAL.search(d) for d in decls):
        raise InputError(origin, "refused: the feed declares an external XML entity (XXE); entities are never expanded")
    if any(b"&" in d or b"%" in d for d in decls):
        raise InputError(origin, "refused: the feed declares nested XML entities (entity expansion, as in billion laughs)")
    if decls:
        raise InputError(origin, "refused: the feed declares XML entities (<!ENTITY>), which are never expanded")


def parse_feed(origin: str, data: bytes) -> Any:
    """feedparser's result for feed bytes, after refusing entity declarations."""
    refuse_entities(origin, data)
    return feedparser.parse(io.BytesIO(data))


def feed_problem(feed: Any) -> str:
    """Why a parsed feed gave no usable entries, in one line."""
    if not feed.bozo:
        return "feed has no entries"
    exc = feed.get("bozo_exception")
    get_message = getattr(exc, "getMessage", None)
    if callable(get_message):
        line, column = exc.getLineNumber(), exc.getColumnNumber()
        return f"not a readable RSS/Atom feed: malformed XML, {get_message()} (line {line}, column {column})"
    return f"not a readable RSS/Atom feed ({exc})"
