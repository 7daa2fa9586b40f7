"""OPML (what feed readers export): the feeds it lists, with their titles."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlparse

from claimwatch.errors import InputError
from claimwatch.ingest.feeds import refuse_entities


def read_opml(path: Path) -> list[tuple[str, str | None]]:
    """(feed URL, title) of every outline with an http(s) xmlUrl, in document order, without repeats."""
    origin = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(origin, f"cannot read: {exc.strerror}") from None
    refuse_entities(origin, data)  # no entity expansion (XXE, billion laughs), as for feeds
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise InputError(origin, f"not a readable OPML file ({exc})") from None
    if root.tag.lower() != "opml":
        raise InputError(origin, f"not an OPML file (root element <{root.tag}>)")
    found: dict[str, str | None] = {}
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if url and urlparse(url).scheme in {"http", "https"} and url not in found:
            found[url] = outline.get("title") or outline.get("text")
    if not found:
        raise InputError(origin, "the OPML file lists no http(s) feed (outline xmlUrl)")
    return list(found.items())
