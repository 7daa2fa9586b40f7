"""Local execution of the pipeline: ingest -> (analyse) -> stance, in batches on this machine."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from claimwatch.ingest import expand_sources, read_source
from claimwatch.ingest.sources import make_client
from claimwatch.records import Article, IngestFailure, IngestReport
from claimwatch.settings import Settings
from claimwatch.store import Store

Progress = Callable[[str], None]
BATCH = 200


def ingest(
    sources: Iterable[str],
    store: Store,
    settings: Settings,
    *,
    encoding: str | None = None,
    on_source: Progress | None = None,
) -> IngestReport:
    """Read every source and store the articles, one transaction per batch of articles."""
    report = IngestReport()
    batch: list[Article] = []
    with make_client(settings) as client:
        for source in expand_sources(sources):
            for item in read_source(source, settings, encoding, client):
                if isinstance(item, IngestFailure):
                    report.failed.append(item)
                else:
                    batch.append(item)
                if len(batch) >= BATCH:
                    store.add_articles(batch, report)
                    batch = []
            if on_source:
                on_source(source)
    if batch:
        store.add_articles(batch, report)
    return report
