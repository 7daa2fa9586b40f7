"""Analysis and matching on a dask.distributed cluster, over partitions of articles.

The client (the process running `Pipeline`) stores the articles, then lists the pending work and
splits it into partitions of `settings.partition_size` article ids. Each task runs the same local
stage functions (`claimwatch.engine.local`) on its partition in a worker process, against the
shared database (PostgreSQL for a real cluster; a SQLite file works for workers on one machine),
so results are identical to the local engine. Workers keep one store and one stance model per
process. Analysis finishes before matching starts, as in the local engine.

Matching is planned by the client as in the local engine (`local.plan_match`): new article versions
are scored against every claim on the workers; then the client retrieves the candidates of new claims
through its sentence vector index (the claims are embedded by a worker, so the client loads no model)
and the workers score those candidates; the client records the coverage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from claimwatch.errors import ConfigError
from claimwatch.records import AnalysisReport, MatchReport
from claimwatch.settings import Settings

if TYPE_CHECKING:
    import numpy as np

    from claimwatch.engine.local import Progress
    from claimwatch.engine.pipeline import Pipeline
    from claimwatch.store import Store

_WORKERS: dict[str, Pipeline] = {}  # this worker process's pipeline (store, lazily loaded model), by settings


def _worker(settings: Settings) -> Pipeline:
    """This worker process's pipeline for these settings. Its models run on one thread each by default:
    sibling processes use the other cores (one sentence per run gains only ~14 % from a second thread,
    a second process nearly doubles the throughput)."""
    from claimwatch.engine.pipeline import Pipeline

    key = settings.model_dump_json()
    if key not in _WORKERS:
        for old in _WORKERS.values():
            old.close()
        _WORKERS.clear()
        _WORKERS[key] = Pipeline(settings.with_(model_threads=settings.model_threads or 1))
    return _WORKERS[key]


def analyse_partition(settings: Settings, article_ids: list[int]) -> AnalysisReport:
    """Task: extract and store the attributions of one partition."""
    from claimwatch.engine import local

    return local.analyze_stored(_worker(settings).store, article_ids)


def match_partition(settings: Settings, claim_ids: list[int], work: list[tuple[int, list[int] | None]]) -> MatchReport:
    """Task: score one partition of articles, each against the listed claims (None: all the run's claims)."""
    from claimwatch.engine import local
    from claimwatch.nlp.embed import CachingEncoder

    pipeline = _worker(settings)
    model = pipeline.model()
    wanted = set(claim_ids)
    claims = [c for c in pipeline.store.list_claims() if c.id in wanted]
    encoder = CachingEncoder(model.embedder, pipeline.store)
    return local.score(pipeline.store, model, pipeline.settings, claims, [(a, set(c) if c is not None else None) for a, c in work], encoder)


def encode_texts(settings: Settings, texts: list[str]) -> np.ndarray:
    """Task: embed texts through the store's vector cache (the client needs claim vectors but no model)."""
    from claimwatch.nlp.embed import CachingEncoder

    pipeline = _worker(settings)
    return CachingEncoder(pipeline.model().embedder, pipeline.store).encode(texts)


class DaskEngine:
    """Runs the analysis and matching stages on a dask.distributed cluster."""

    def __init__(self, settings: Settings) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ConfigError("engine dask needs dask.distributed: pip install -e '.[dask]'") from None
        if settings.scheduler and settings.db_url.startswith("sqlite"):
            raise ConfigError(
                f"engine dask with scheduler {settings.scheduler} needs a shared database (postgresql+psycopg://…): "
                f"workers on other machines cannot open the SQLite file {settings.db}"
            )
        # workers resolve a relative SQLite path in their own directory: give them the absolute URL
        self.settings = settings.with_(db=settings.db_url) if settings.db_url.startswith("sqlite") else settings
        self._cluster = None
        try:
            if settings.scheduler:
                self.client = Client(settings.scheduler, timeout="15s")
            else:
                self._cluster = LocalCluster(n_workers=settings.workers, threads_per_worker=1, processes=True, dashboard_address=None)
                self.client = Client(self._cluster)
        except (OSError, TimeoutError) as exc:
            raise ConfigError(f"cannot reach the Dask scheduler {settings.scheduler or '(local cluster)'}: {exc}") from None

    def close(self) -> None:
        """Disconnect (and stop the local cluster if this engine started one)."""
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def _partitions(self, items: list[Any]) -> list[list[Any]]:
        n = self.settings.partition_size
        return [items[i : i + n] for i in range(0, len(items), n)]

    def _run(self, fn: Any, items: list[Any], stage: str, progress: Progress | None, *args: Any) -> list[Any]:
        """Run `fn(settings, *args, partition)` over partitions of `items`; results as they complete."""
        from distributed import as_completed

        parts = self._partitions(items)
        if progress:
            progress.start(stage, len(items))
        futures = {self.client.submit(fn, self.settings, *args, part, pure=False): len(part) for part in parts}
        results = []
        for future in as_completed(futures):
            results.append(future.result())
            if progress:
                progress.advance(futures[future])
        return results

    def analyse(self, store: Store, progress: Progress | None = None) -> AnalysisReport:
        """Analyse every pending article, one partition per task."""
        report = AnalysisReport()
        for part in self._run(analyse_partition, store.unanalysed_article_ids(), "analysing", progress):
            report.analysed += part.analysed
            report.failed += part.failed
        report.failed.sort(key=lambda f: f.article_id)
        return report

    def match(self, store: Store, progress: Progress | None = None) -> MatchReport:
        """Match new article versions against every claim, and new claims against the stored articles
        (retrieved through the client's vector index), one partition of articles per task."""
        from claimwatch.engine import local
        from claimwatch.nlp.embed import EMBEDDER_VERSION

        plan = local.plan_match(store)
        if plan is None:
            return MatchReport()
        claim_ids = [c.id for c in plan.claims if c.id is not None]
        parts = self._run(match_partition, [(a, None) for a in plan.scan], "matching", progress, claim_ids)
        work, considered = local.retrieve(store, self.settings, plan, self._encode, EMBEDDER_VERSION)
        found = self._run(match_partition, [(a, sorted(c)) for a, c in work], "matching new claims", progress, claim_ids)
        local.finish(store, self.settings, plan, EMBEDDER_VERSION)
        report = local.combine(parts, found, considered)
        report.failed.sort(key=lambda f: f.article_id)  # partitions complete in any order
        return report

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Claim vectors, computed (and cached in the store) by a worker."""
        return self.client.submit(encode_texts, self.settings, texts, pure=False).result()
