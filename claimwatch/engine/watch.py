"""The watcher: poll due sources, run the pipeline on what is new, record status changes, deliver alerts.

One cycle (`Watcher.poll_once`):
1. every due source is fetched in parallel through the guarded client, with a conditional GET
   (ETag / Last-Modified; 304 means nothing to do) and its own total deadline, so a slow, hanging
   or failing source never holds the others beyond that deadline; failures back off exponentially;
2. the entries' articles go through the one pipeline service (store, attributions, match);
3. only the claims whose stances were scored since their last evaluation (this cycle's articles, or
   work a crash left unevaluated) are re-evaluated; changes become events
   (`claimwatch.track.history`), each queued once for every matching alert in the same transaction;
4. due webhook deliveries are POSTed (JSON, HMAC-SHA256 signature when the alert has a secret),
   failures retried with backoff;
5. claim discovery runs on the new articles; proposals are listed (and tracked with auto_add).

A source's validators and next poll time are saved only after its articles are stored, so a
kill -9 mid-cycle refetches on restart; stored articles are de-duplicated by content, so nothing
is lost or duplicated.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

from claimwatch.engine.pipeline import Pipeline
from claimwatch.errors import InputError
from claimwatch.records import Article, CycleReport, IngestFailure, Source

MAX_PARALLEL_SOURCES = 8
MAX_EVERY_S = 365 * 86400


@dataclass
class _Polled:
    source: Source
    items: list[Article | IngestFailure] = field(default_factory=list)
    not_modified: bool = False
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None


def parse_every(text: str) -> int:
    """'15m' -> 900 seconds ('30s', '15m', '2h', '1d', or plain seconds); at least 10 seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    raw = text.strip().lower()
    try:
        seconds = int(float(raw[:-1]) * units[raw[-1]]) if raw and raw[-1] in units else int(raw)
    except (ValueError, KeyError, OverflowError):
        raise InputError("--every", f"{text!r} is not an interval (use e.g. 30s, 15m, 2h or 1d)") from None
    if seconds < 10:
        raise InputError("--every", f"{text!r} is too short (at least 10 seconds)")
    if seconds > MAX_EVERY_S:
        raise InputError("--every", f"{text!r} is too long (at most 365 days)")
    return seconds


class Watcher:
    """Polls the store's sources and keeps claims' histories; `stop` ends `run` after the current cycle."""

    def __init__(self, pipeline: Pipeline, *, auto_add: bool = False, discover: bool = True) -> None:
        self.pipeline = pipeline
        self.store = pipeline.store
        self.settings = pipeline.settings
        self.auto_add = auto_add
        self.discover = discover
        self.stop = threading.Event()

    # -- one source -----------------------------------------------------------------------------

    def _poll(self, source: Source) -> _Polled:
        """Fetch one source (conditional GET) and read its entries; never raises."""
        from claimwatch.ingest.fetch import FEED_TYPES, HTML_TYPES, fetch, make_client
        from claimwatch.ingest.sources import article_from_html, read_feed, read_file

        got = _Polled(source)
        try:
            with make_client(self.settings) as client:
                if urlparse(source.url).scheme not in {"http", "https"}:
                    got.items = list(read_file(Path(source.url), self.settings, None, client))
                    return got
                page = fetch(source.url, self.settings, client, etag=source.etag, last_modified=source.last_modified)
                if page.status == 304:
                    got.not_modified = True
                    return got
                got.etag, got.last_modified = page.etag, page.last_modified
                if page.media_type in FEED_TYPES or page.body.lstrip()[:200].lower().startswith((b"<?xml", b"<rss", b"<feed")):
                    got.items = list(read_feed(source.url, page.body, self.settings, client))
                elif page.media_type in HTML_TYPES:
                    got.items = [article_from_html(source.url, page.body, self.settings, url=page.url)]
                else:
                    raise InputError(source.url, f"not a feed or an HTML page ({page.media_type})")
        except InputError as exc:
            got.error = exc.problem
        except Exception as exc:  # a source must never take the watcher down
            got.error = " ".join(f"unexpected {exc.__class__.__name__}: {exc}".split())[:500]
        if len(got.items) == 1 and isinstance(got.items[0], IngestFailure) and got.items[0].origin == source.url:
            got.error, got.items = got.items[0].reason, []  # the source itself failed (not one of its entries)
        return got

    # -- one cycle ------------------------------------------------------------------------------

    def poll_once(self, now: datetime | None = None) -> CycleReport:
        """Poll every due source once, process what is new, record events and deliver alerts."""
        start = time.perf_counter()
        now = now or datetime.now(UTC)
        report = CycleReport()
        due = self.store.due_sources(now)
        polled: list[_Polled] = []
        if due:
            with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_SOURCES, len(due))) as pool:
                polled = list(pool.map(self._poll, due))
        report.sources_polled = len(polled)
        items: list[Article | IngestFailure] = []
        for p in polled:
            report.not_modified += p.not_modified
            if p.error:
                report.failed.append(IngestFailure(p.source.url, p.error))
            items.extend(p.items)
        run = self.pipeline.run(items)
        report.failed.extend(run.ingest.failed)
        new_ids = sorted(set(run.ingest.ingested + [n for n, _ in run.ingest.near_duplicates] + run.ingest.new_versions))
        report.articles_new = len(new_ids)
        finished = datetime.now(UTC)
        for p in polled:  # only now: a crash before this point refetches the source on restart
            assert p.source.id is not None
            # An entry that failed (its page did not answer, say) must be retried: keep no validators then,
            # or the next poll would get a 304 and never see that entry again.
            complete = not any(isinstance(item, IngestFailure) for item in p.items)
            self.store.source_polled(
                p.source.id,
                finished,
                error=p.error,
                etag=p.etag if complete else None,
                last_modified=p.last_modified if complete else None,
                keep_validators=complete,
            )
        from claimwatch.track.history import evaluate

        # Claims scored since their last evaluation: this cycle's articles, and any a crash left unevaluated.
        # (the pipeline run evaluated what it matched; this catches what a crash left unevaluated)
        pending = self.store.claims_to_evaluate()
        report.claims_reevaluated = run.evaluated + len(pending)
        report.events = run.events + (evaluate(self.store, pending) if pending else [])
        report.deliveries = self.deliver(max(now, datetime.now(UTC)))
        if self.discover and new_ids:
            self._discover(new_ids, report)
        report.seconds = round(time.perf_counter() - start, 2)
        return report

    def _discover(self, new_ids: list[int], report: CycleReport) -> None:
        from claimwatch.track.discover import discover

        proposals = [p for p in discover(self.store, self.settings) if set(p.articles) & set(new_ids)]
        report.proposed_claims = [p.text for p in proposals]
        if self.auto_add and proposals:
            claims, _matched = self.pipeline.add_claims(report.proposed_claims, origin="discovered")
            report.added_claims = [c.id for c in claims if c.id is not None]

    # -- alerts ---------------------------------------------------------------------------------

    def deliver(self, now: datetime) -> dict[str, int]:
        """POST every due delivery once; returns counts by outcome (delivered, retry, failed)."""
        from claimwatch.ingest.fetch import make_client
        from claimwatch.ingest.guard import deadline_scope

        counts = {"delivered": 0, "retry": 0, "failed": 0}
        due = list(self.store.due_deliveries(now))
        if not due:
            return counts
        with make_client(self.settings) as client:
            for delivery_id, webhook, secret, event in due:
                body = json.dumps(event.to_dict(), ensure_ascii=False, sort_keys=True).encode("utf-8")
                headers = {"Content-Type": "application/json", "X-Claimwatch-Event": str(event.id)}
                if secret:
                    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
                    headers["X-Claimwatch-Signature"] = f"sha256={digest}"
                error = None
                try:
                    # the fetch deadline covers the whole POST; the answer's body is never read
                    with (
                        deadline_scope(time.monotonic() + self.settings.fetch_deadline),
                        client.stream("POST", webhook, content=body, headers=headers, follow_redirects=False) as resp,
                    ):
                        if not 200 <= resp.status_code < 300:
                            error = f"HTTP {resp.status_code}"
                except Exception as exc:  # any transport problem is a failed attempt, retried later
                    error = f"cannot deliver: {exc.__class__.__name__}"
                status = self.store.delivery_done(delivery_id, datetime.now(UTC), error)
                counts["delivered" if status == "delivered" else "failed" if status == "failed" else "retry"] += 1
        return counts

    # -- loop -----------------------------------------------------------------------------------

    def run(self, on_cycle: Callable[[CycleReport], None] | None = None, max_wait_s: float = 30.0) -> None:
        """Poll until `stop` is set (SIGINT/SIGTERM set it): the current cycle always finishes.
        Cycles that polled nothing and delivered nothing are not reported."""
        failures = 0
        while not self.stop.is_set():
            try:
                report = self.poll_once()
                failures = 0
            except Exception as exc:  # the database away, say: report it in one line, back off, go on
                failures += 1
                report = CycleReport(failed=[IngestFailure("watch", " ".join(f"{exc.__class__.__name__}: {exc}".split())[:500])])
                if on_cycle:
                    on_cycle(report)
                self.stop.wait(min(max_wait_s * 2 ** min(failures, 6), 3600))
                continue
            if on_cycle and (report.sources_polled or report.events or any(report.deliveries.values())):
                on_cycle(report)
            next_due = self.store.next_due()
            wait = max_wait_s if next_due is None else (next_due - datetime.now(UTC)).total_seconds()
            self.stop.wait(min(max(wait, 0.2), max_wait_s))
