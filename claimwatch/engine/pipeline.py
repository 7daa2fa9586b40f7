"""The pipeline service: the one place where ingest -> store -> analyse -> match is put together.

The CLI, the API, the demo (and the watcher) call a `Pipeline` and present its `RunReport`; none of
them assembles stages itself, so every front end stores, analyses and matches the same way.

    pipeline = Pipeline(settings)                 # opens the store; the stance model loads on first use
    report = pipeline.ingest(["feed.xml", "https://example.com/story.html"])
    claim, created, matched = pipeline.add_claim("An earthquake hit Chile")
    pipeline.review(claim.id, by="ana", verdict="false", stances={12: "disagree"})
    pipeline.close()

After matching, every claim whose stances changed is re-evaluated and its status change (if any) is
recorded as an event, so the claims list, the history and alerts agree with the dossiers whichever
front end ran the pipeline. A human review re-evaluates its claim at once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from claimwatch.engine import local
from claimwatch.engine.local import Progress
from claimwatch.records import AnalysisReport, Article, AuditEntry, Claim, Event, IngestFailure, MatchReport, RunReport
from claimwatch.settings import Settings
from claimwatch.store import Store

if TYPE_CHECKING:
    from claimwatch.engine.cluster import DaskEngine
    from claimwatch.stance import StanceModel

Item = Article | IngestFailure


class Pipeline:
    """Ingest, analyse and match against one store; thread-safe for a server (one writer at a time)."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self.store = store if store is not None else Store(settings)
        self._own_store = store is None
        self._model: StanceModel | None = None
        self._cluster: DaskEngine | None = None
        self._model_lock = threading.Lock()
        self.write_lock = threading.Lock()  # in-process writers take turns; other processes wait on the database's lock

    def close(self) -> None:
        """Release the store if this pipeline opened it, and the Dask client if one was started."""
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
        if self._own_store:
            self.store.close()

    def cluster(self) -> DaskEngine:
        """The Dask engine (connected on first use) when `settings.engine` is "dask"."""
        if self._cluster is None:
            from claimwatch.engine.cluster import DaskEngine

            self._cluster = DaskEngine(self.settings)
        return self._cluster

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def model(self) -> StanceModel:
        """The stance model, loaded once on first use."""
        with self._model_lock:
            if self._model is None:
                from claimwatch.stance import StanceModel

                self._model = StanceModel.load(threads=self.settings.model_threads or None)
            return self._model

    # -- reading ----------------------------------------------------------------------------

    def read(self, sources: Iterable[str], encoding: str | None = None, progress: Progress | None = None) -> Iterator[Item]:
        """Articles and failures from files, directories, feeds and URLs (every fetch is guarded)."""
        return local.read_sources(sources, self.settings, encoding, progress)

    # -- running ----------------------------------------------------------------------------

    def ingest(
        self,
        sources: Iterable[str],
        *,
        encoding: str | None = None,
        analyze: bool = True,
        match: bool = True,
        progress: Progress | None = None,
    ) -> RunReport:
        """Read and store every source, then analyse and match what is pending."""
        return self.run(self.read(sources, encoding, progress), analyze=analyze, match=match, progress=progress)

    def run(self, items: Iterable[Item], *, analyze: bool = True, match: bool = True, progress: Progress | None = None) -> RunReport:
        """Store already-read items (articles and failures), then analyse and match what is pending."""
        report = RunReport()
        with self.write_lock:
            report.ingest = local.store_items(items, self.store)
            report.analysis, report.match = self._process(analyze, match, progress)
            if match:
                report.evaluated, report.events = self._evaluate()
        return report

    def process(self, *, analyze: bool = True, match: bool = True, progress: Progress | None = None) -> RunReport:
        """Analyse and match what is pending (new articles, new versions, new claims, earlier failures)."""
        report = RunReport()
        with self.write_lock:
            report.analysis, report.match = self._process(analyze, match, progress)
            if match:
                report.evaluated, report.events = self._evaluate()
        return report

    def _evaluate(self, claim_ids: Iterable[int] = ()) -> tuple[int, list[Event]]:
        """Re-evaluate the claims whose stances changed since their last evaluation (and `claim_ids`, which
        a human just changed), recording an event for each status change; returns (claims, events)."""
        from datetime import UTC, datetime

        from claimwatch.track.history import evaluate

        pending = self.store.claims_to_evaluate()
        now = datetime.now(UTC)
        for claim_id in claim_ids:
            pending[claim_id] = (now, pending.get(claim_id, (now, []))[1])
        return len(pending), evaluate(self.store, pending) if pending else []

    def _process(self, analyze: bool, match: bool, progress: Progress | None) -> tuple[AnalysisReport, MatchReport]:
        if self.settings.engine == "dask":
            analysis = self.cluster().analyse(self.store, progress) if analyze else AnalysisReport()
            matched = self.cluster().match(self.store, progress) if match else MatchReport()
            return analysis, matched
        analysis = local.analyze_stored(self.store, progress=progress) if analyze else AnalysisReport()
        matched = MatchReport()
        if match and self.store.list_claims():
            matched = local.match(self.store, self.model(), self.settings, progress=progress)
        return analysis, matched

    def add_claim(
        self, text: str, origin: str = "manual", match: bool = True, progress: Progress | None = None
    ) -> tuple[Claim, bool, MatchReport]:
        """Track a claim and score the stored articles against it; returns (claim, created, match report)."""
        with self.write_lock:
            claim, created = self.store.put_claim(text, origin)
            matched = self._process(False, match, progress)[1] if match and self.store.count_articles() else MatchReport()
            if match:
                self._evaluate()
        return claim, created, matched

    # -- human review -----------------------------------------------------------------------

    def review(
        self,
        claim_id: int,
        by: str,
        verdict: str | None = None,
        note: str | None = None,
        stances: dict[int, str] | None = None,
        exclude: Iterable[int] = (),
        include: Iterable[int] = (),
    ) -> tuple[list[AuditEntry], list[Event]]:
        """Record a reviewer's verdict, note, stance corrections and exclusions (audited), then re-evaluate
        the claim's machine status with them; returns (audit entries, events)."""
        with self.write_lock:
            entries = self.store.review_claim(claim_id, by, verdict, note, stances, exclude, include)
            return entries, self._evaluate([claim_id])[1]

    def edit_claim(
        self, claim_id: int, text: str, by: str, note: str | None = None, progress: Progress | None = None
    ) -> tuple[Claim, bool, MatchReport]:
        """Change a claim's wording (audited) and score the stored articles against the new wording."""
        with self.write_lock:
            claim, changed = self.store.edit_claim(claim_id, text, by, note)
            matched = MatchReport()
            if changed and self.store.count_articles():
                matched = self._process(False, True, progress)[1]
            if changed:
                self._evaluate([claim_id])
        return claim, changed, matched

    def delete_claim(self, claim_id: int, by: str, note: str | None = None) -> Claim:
        """Hide a claim (audited; its record and reviews are kept, `restore_claim` brings it back)."""
        with self.write_lock:
            return self.store.delete_claim(claim_id, by, note)

    def restore_claim(self, claim_id: int, by: str, note: str | None = None, progress: Progress | None = None) -> Claim:
        """Bring a deleted claim back, scoring articles stored while it was deleted."""
        with self.write_lock:
            claim = self.store.restore_claim(claim_id, by, note)
            if self.store.count_articles():
                self._process(False, True, progress)
            self._evaluate([claim_id])
            return claim

    def add_claims(
        self, texts: Iterable[str], origin: str = "manual", match: bool = True, progress: Progress | None = None
    ) -> tuple[list[Claim], MatchReport]:
        """Track several claims, then match once."""
        with self.write_lock:
            claims = [self.store.put_claim(t, origin)[0] for t in texts]
            matched = self._process(False, match, progress)[1] if match and claims and self.store.count_articles() else MatchReport()
            if match:
                self._evaluate()
        return claims, matched
