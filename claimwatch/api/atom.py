"""Atom feeds of claim events (RFC 4287), so anyone can follow a claim in a feed reader."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from claimwatch.records import Claim, Event

ATOM = "application/atom+xml; charset=utf-8"
NS = "http://www.w3.org/2005/Atom"


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 cannot carry


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{NS}}}{tag}", {k: _NOT_XML.sub("", v) for k, v in attrs.items()})
    if text is not None:
        el.text = _NOT_XML.sub("", text)
    return el


def event_title(event: Event, claim: Claim | None) -> str:
    what = f"{event.from_} → {event.to}" if event.kind == "status" else f"new sources, still {event.to}"
    return f"Claim #{event.claim_id} {what}" + (f": {claim.text}" if claim else "")


def atom_feed(base: str, title: str, path: str, events: list[Event], claims: dict[int | None, Claim]) -> bytes:
    """The feed document: one entry per event, newest first; text is escaped by the XML writer."""
    base = base.rstrip("/")
    ET.register_namespace("", NS)
    feed = ET.Element(f"{{{NS}}}feed")
    _sub(feed, "id", f"{base}{path}")
    _sub(feed, "title", title)
    _sub(feed, "link", rel="self", href=f"{base}{path}")
    updated = max((e.at for e in events if e.at), default=datetime(2000, 1, 1, tzinfo=UTC))
    _sub(feed, "updated", updated.isoformat())
    _sub(_sub(feed, "author"), "name", "claimwatch")
    for e in events:
        claim = claims.get(e.claim_id)
        entry = _sub(feed, "entry")
        _sub(entry, "id", f"{base}/claims/{e.claim_id}#event-{e.id}")
        _sub(entry, "title", event_title(e, claim))
        _sub(entry, "link", href=f"{base}/claims/{e.claim_id}")
        _sub(entry, "updated", (e.at or updated).isoformat())
        lines = list(e.reasons)
        if e.new_denials:
            lines.append("denied by " + ", ".join(e.new_denials))
        if e.new_confirmations:
            lines.append("confirmed by " + ", ".join(e.new_confirmations))
        if e.articles:
            lines.append("after articles " + ", ".join(f"#{a}" for a in e.articles))
        _sub(entry, "summary", "\n".join(lines), type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
