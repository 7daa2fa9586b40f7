"""Store methods for watching: sources and their polling state, claim states and events, alerts and deliveries."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from claimwatch.errors import InputError, NotFoundError
from claimwatch.records import Alert, Event, Source
from claimwatch.store.schema import AlertRow, ClaimRow, ClaimStateRow, DeliveryRow, EventRow, SourceRow, StanceRow, utcnow

if TYPE_CHECKING:
    from claimwatch.settings import Settings

MAX_BACKOFF_S = 6 * 3600  # a failing source is polled at least every 6 hours
DELIVERY_ATTEMPTS = 8  # webhook deliveries are retried this many times (backoff 30 s, 1 min, 2 min … 1 h)


def source_from_row(r: SourceRow) -> Source:
    return Source(
        id=r.id,
        url=r.url,
        name=r.name,
        every_s=r.every_s,
        etag=r.etag,
        last_modified=r.last_modified,
        last_success=r.last_success,
        last_error=r.last_error,
        failures=r.failures,
        next_poll=r.next_poll,
    )


def event_from_row(r: EventRow) -> Event:
    return Event(
        id=r.id,
        claim_id=r.claim_id,
        at=r.at,
        kind=r.kind,  # type: ignore[arg-type]
        from_=r.from_status,
        to=r.to_status,
        reasons=list(r.reasons),
        articles=list(r.articles),
        new_denials=list(r.new_denials),
        new_confirmations=list(r.new_confirmations),
    )


class WatchingStore:
    """Mixed into `Store`: everything the watcher keeps between polls."""

    settings: Settings

    if TYPE_CHECKING:  # provided by Store

        def session(self) -> Session: ...

        def writing(self, what: str, serialise: bool = False) -> AbstractContextManager[Session]: ...

    # -- sources ------------------------------------------------------------------------------

    def add_source(self, url: str, every_s: int, name: str | None = None) -> tuple[Source, bool]:
        """Watch a feed, page or file; returns (source, created). Adding it again updates its interval and name."""
        if len(url) > 2048:
            raise InputError(url[:80] + "…", "a source URL or path longer than 2,048 characters")
        name = name[:512] if name else name
        try:
            with self.writing("source") as session:
                row = session.scalar(select(SourceRow).where(SourceRow.url == url))
                created = row is None
                if row is None:
                    row = SourceRow(url=url, every_s=every_s, name=name, next_poll=utcnow())
                    session.add(row)
                else:
                    row.every_s, row.name = every_s, name or row.name
                session.flush()
                return source_from_row(row), created
        except IntegrityError:  # added by another process a moment ago
            return self.add_source(url, every_s, name)

    def list_sources(self) -> list[Source]:
        with self.session() as session:
            return [source_from_row(r) for r in session.scalars(select(SourceRow).order_by(SourceRow.id))]

    def remove_source(self, source_id: int) -> Source:
        with self.writing("source") as session:
            row = session.get(SourceRow, source_id)
            if row is None:
                raise NotFoundError(f"no source with id {source_id}")
            gone = source_from_row(row)
            session.delete(row)
            return gone

    def due_sources(self, now: datetime) -> list[Source]:
        """Sources whose next poll time has come, oldest due first."""
        with self.session() as session:
            rows = session.scalars(select(SourceRow).where(SourceRow.next_poll <= now).order_by(SourceRow.next_poll, SourceRow.id))
            return [source_from_row(r) for r in rows]

    def next_due(self) -> datetime | None:
        with self.session() as session:
            return session.scalar(select(SourceRow.next_poll).order_by(SourceRow.next_poll).limit(1))

    def source_polled(
        self,
        source_id: int,
        now: datetime,
        *,
        error: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        keep_validators: bool = True,
    ) -> None:
        """Record a poll: success (validators kept, failures reset) or failure (exponential backoff, capped).
        `keep_validators=False` forgets the ETag / Last-Modified, so the next poll fetches the source in full."""
        with self.writing("source state") as session:
            row = session.get(SourceRow, source_id)
            if row is None:
                return  # removed meanwhile
            if error is None:
                row.failures, row.last_error, row.last_success = 0, None, now
                if keep_validators:  # bounded: an ETag or date longer than its column is not worth keeping
                    row.etag = (etag or row.etag or "")[:512] or None
                    row.last_modified = (last_modified or row.last_modified or "")[:128] or None
                else:
                    row.etag = row.last_modified = None
                row.next_poll = now + timedelta(seconds=row.every_s)
            else:
                row.failures += 1
                row.last_error = error[:2000]
                backoff = min(row.every_s * 2 ** min(row.failures - 1, 20), max(MAX_BACKOFF_S, row.every_s))
                row.next_poll = now + timedelta(seconds=backoff)

    # -- claim states and events --------------------------------------------------------------

    def record_state(
        self,
        claim_id: int,
        status: str,
        denials: list[str],
        confirmations: list[str],
        watermark: datetime,
        make_event: Callable[[tuple[str, list[str], list[str]] | None], Event | None],
    ) -> Event | None:
        """Save a claim's evaluated state, and in the same transaction its event and the deliveries it owes.

        The event is computed here, from the state stored at this moment (under the write lock), so two
        watchers evaluating the same change record it once. `watermark` is the newest stance change the
        evaluation saw (read before the dossier was built): a change committed meanwhile is newer and is
        evaluated by the next cycle."""
        with self.writing("claim state") as session:
            row = session.get(ClaimStateRow, claim_id, with_for_update=True)
            if row is not None and row.updated >= watermark:
                return None  # another watcher already recorded this change (or a newer one)
            previous = None if row is None else (row.status, list(row.denials), list(row.confirmations))
            event = make_event(previous)
            if row is None:
                row = ClaimStateRow(claim_id=claim_id, status=status, denials=denials, confirmations=confirmations)
                session.add(row)
            row.status, row.denials, row.confirmations, row.updated = status, denials, confirmations, watermark
            if event is None:
                return None
            erow = EventRow(
                claim_id=claim_id,
                kind=event.kind,
                from_status=event.from_,
                to_status=event.to,
                reasons=event.reasons,
                articles=event.articles,
                new_denials=event.new_denials,
                new_confirmations=event.new_confirmations,
            )
            session.add(erow)
            session.flush()
            alerts = session.scalars(select(AlertRow.id).where((AlertRow.claim_id == claim_id) | AlertRow.claim_id.is_(None)))
            for alert_id in alerts:
                session.add(DeliveryRow(alert_id=alert_id, event_id=erow.id, status="pending", next_try=utcnow()))
            return event_from_row(erow)

    def events(self, claim_id: int | None = None, limit: int = 200) -> list[Event]:
        """Events, newest first (of one claim, or of all)."""
        with self.session() as session:
            query = select(EventRow).order_by(EventRow.at.desc(), EventRow.id.desc()).limit(limit)
            if claim_id is not None:
                query = query.where(EventRow.claim_id == claim_id)
            return [event_from_row(r) for r in session.scalars(query)]

    def claims_to_evaluate(self) -> dict[int, tuple[datetime, list[int]]]:
        """Claims whose stances changed after their last evaluation (or never evaluated), with the newest
        change (the watermark to record) and the articles that changed. Durable: after a crash between
        matching and evaluation, the next cycle still finds them."""
        found: dict[int, tuple[datetime, list[int]]] = {}
        with self.session() as session:
            rows = session.execute(
                select(StanceRow.claim_id, StanceRow.article_id, StanceRow.changed)
                .outerjoin(ClaimStateRow, ClaimStateRow.claim_id == StanceRow.claim_id)
                .where(StanceRow.changed.is_not(None), (ClaimStateRow.claim_id.is_(None)) | (StanceRow.changed > ClaimStateRow.updated))
                .order_by(StanceRow.claim_id, StanceRow.article_id)
            )
            for claim_id, article_id, changed in rows:
                assert changed is not None  # filtered in the query
                mark, ids = found.get(claim_id, (changed, []))
                ids.append(article_id)
                found[claim_id] = (max(mark, changed), ids)
        return found

    # -- alerts ---------------------------------------------------------------------------------

    def add_alert(self, webhook: str, claim_id: int | None, secret: str | None) -> Alert:
        if not webhook.startswith(("http://", "https://")) or len(webhook) > 2048:
            raise InputError("--webhook", f"{webhook[:100]!r} is not an http(s) URL of at most 2,048 characters")
        if secret and len(secret) > 512:
            raise InputError("--secret", "at most 512 characters")
        with self.writing("alert") as session:
            if claim_id is not None and session.get(ClaimRow, claim_id) is None:
                raise NotFoundError(f"no claim with id {claim_id}")
            row = AlertRow(webhook=webhook, claim_id=claim_id, secret=secret or None)
            session.add(row)
            session.flush()
            return Alert(id=row.id, webhook=row.webhook, claim_id=row.claim_id, signed=bool(row.secret))

    def list_alerts(self) -> list[Alert]:
        with self.session() as session:
            rows = session.scalars(select(AlertRow).order_by(AlertRow.id))
            return [Alert(id=r.id, webhook=r.webhook, claim_id=r.claim_id, signed=bool(r.secret)) for r in rows]

    def remove_alert(self, alert_id: int) -> None:
        with self.writing("alert") as session:
            if session.get(AlertRow, alert_id) is None:
                raise NotFoundError(f"no alert with id {alert_id}")
            session.execute(delete(DeliveryRow).where(DeliveryRow.alert_id == alert_id))
            session.execute(delete(AlertRow).where(AlertRow.id == alert_id))

    def due_deliveries(self, now: datetime) -> Iterator[tuple[int, str, str | None, Event]]:
        """(delivery id, webhook, secret, event) of pending deliveries whose time has come."""
        with self.session() as session:
            rows = session.execute(
                select(DeliveryRow.id, AlertRow.webhook, AlertRow.secret, EventRow)
                .join(AlertRow, AlertRow.id == DeliveryRow.alert_id)
                .join(EventRow, EventRow.id == DeliveryRow.event_id)
                .where(DeliveryRow.status == "pending", DeliveryRow.next_try <= now)
                .order_by(DeliveryRow.id)
            ).all()
            items = [(d, w, s, event_from_row(e)) for d, w, s, e in rows]
        yield from items

    def delivery_done(self, delivery_id: int, now: datetime, error: str | None) -> str:
        """Record an attempt; returns the delivery's new status (delivered, pending or failed)."""
        with self.writing("delivery") as session:
            row = session.get(DeliveryRow, delivery_id)
            if row is None:
                return "gone"
            row.attempts += 1
            if error is None:
                row.status, row.delivered_at, row.last_error = "delivered", now, None
            else:
                row.last_error = error[:2000]
                row.status = "failed" if row.attempts >= DELIVERY_ATTEMPTS else "pending"
                row.next_try = now + timedelta(seconds=min(30 * 2 ** (row.attempts - 1), 3600))
            return row.status

    def delivery_log(self, limit: int = 100) -> list[dict[str, object]]:
        """Deliveries, newest first: alert, event, claim, status, attempts, last error, times."""
        with self.session() as session:
            rows = session.execute(
                select(DeliveryRow, AlertRow.webhook, EventRow.claim_id)
                .join(AlertRow, AlertRow.id == DeliveryRow.alert_id)
                .join(EventRow, EventRow.id == DeliveryRow.event_id)
                .order_by(DeliveryRow.id.desc())
                .limit(limit)
            ).all()
            return [
                {
                    "id": d.id,
                    "alert": d.alert_id,
                    "webhook": w,
                    "event": d.event_id,
                    "claim": c,
                    "status": d.status,
                    "attempts": d.attempts,
                    "last_error": d.last_error,
                    "next_try": d.next_try.isoformat() if d.status == "pending" else None,
                    "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
                }
                for d, w, c in rows
            ]
