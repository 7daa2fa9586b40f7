"""Status history: re-evaluate claims after new articles and record what changed, once.

A claim's last evaluated state (status, denying and confirming sources) is kept in the store. After
a poll, each claim the new articles touch is re-evaluated; an event is recorded only when something
changed: kind "status" when the status moved (with any new denying/confirming sources in the same
event), kind "sources" when the status stayed but a new source denied or confirmed the claim. A
claim starts unverified with no sources, so its first evaluation records an event only when that
differs; a poll that brings nothing new creates no event.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from claimwatch.records import Dossier, Event
from claimwatch.store import Store
from claimwatch.track.dossier import build_dossier


def _names(mentions: Iterable[object]) -> list[str]:
    return list(dict.fromkeys(str(getattr(m, "source", "")) for m in mentions if getattr(m, "source", "")))


def evaluate(store: Store, pending: dict[int, tuple[datetime, list[int]]]) -> list[Event]:
    """Re-evaluate claims (claim id -> (newest change, changed articles), from `Store.claims_to_evaluate`);
    returns the events recorded (their deliveries are queued in the same transaction)."""
    events: list[Event] = []
    for claim_id, (watermark, changed) in pending.items():
        dossier = build_dossier(store, claim_id)
        new = set(changed)
        recorded = store.record_state(
            claim_id,
            dossier.status,
            _names(dossier.denied_by),
            _names(dossier.confirmed_by),
            watermark,
            lambda previous, d=dossier, n=new: change(previous, d, n),  # type: ignore[misc]
        )
        if recorded is not None:
            events.append(recorded)
    return events


def change(previous: tuple[str, list[str], list[str]] | None, dossier: Dossier, new_articles: set[int]) -> Event | None:
    """The event between a claim's previous state and its dossier now, or None when nothing changed."""
    assert dossier.claim.id is not None
    denials, confirmations = _names(dossier.denied_by), _names(dossier.confirmed_by)
    # a claim starts unverified, with no sources
    old_status, old_denials, old_confirmations = previous if previous is not None else ("unverified", [], [])
    new_denials = [d for d in denials if d not in old_denials]
    new_confirmations = [c for c in confirmations if c not in old_confirmations]
    if dossier.status == old_status and not new_denials and not new_confirmations:
        return None
    involved = {m.article_id for m in dossier.denied_by + dossier.confirmed_by if m.source in new_denials + new_confirmations}
    causes = sorted((involved | {e.article_id for e in dossier.entries}) & new_articles) or sorted(involved)
    return Event(
        claim_id=dossier.claim.id,
        kind="status" if dossier.status != old_status else "sources",
        from_=old_status,
        to=dossier.status,
        reasons=list(dossier.reasons),
        articles=causes,
        new_denials=new_denials,
        new_confirmations=new_confirmations,
    )
