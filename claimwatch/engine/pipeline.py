"""The pipeline service: the one place where ingest -> store -> analyse -> match is put together.

The CLI, the API, the demo (and the watcher) call a `Pipeline` and present its `RunReport`; none of
them assembles stages itself, so every front end stores, analyses and matches the same way.

    pipeline = Pipeline(settings)                 # opens the store; the stance model loads on first use
    report = pipeline.ingest(["feed.xml", "https://example.com/story.html"])
    claim, created, matched = pipeline.add_claim("An earthquake hit Chile")
    pipeline.close()
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from claimwatch.engine import local
from claimwatch.engine.local import Progress
from claimwatch.records import AnalysisReport, Article, Claim, IngestFailure, MatchReport, RunReport
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
        return report

    def process(self, *, analyze: bool = True, match: bool = True, progress: Progress | None = None) -> RunReport:
        """Analyse and match what is pending (new articles, new versions, new claims, earlier failures)."""
        report = RunReport()
        with self.write_lock:
            report.analysis, report.match = self._process(analyze, match, progress)
        return report

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
        return claim, created, matched

    def add_claims(
        self, texts: Iterable[str], origin: str = "manual", match: bool = True, progress: Progress | None = None
    ) -> tuple[list[Claim], MatchReport]:
        """Track several claims, then match once."""
        with self.write_lock:
            claims = [self.store.put_claim(t, origin)[0] for t in texts]
            matched = self._process(False, match, progress)[1] if match and claims and self.store.count_articles() else MatchReport()
        return claims, matched
