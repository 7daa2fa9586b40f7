"""Local execution of the pipeline's stages on this machine: store, analyse, match, in batches.

Front ends do not call these directly: they go through `claimwatch.engine.pipeline.Pipeline`.
Every stage isolates faults per article: an article whose analysis or matching raises is marked
failed with its reason (retried by later runs up to `settings.analysis_attempts`) and the rest of
the batch goes on. Database errors are not article faults: they stop the run with one StoreError.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Protocol

from claimwatch.errors import StoreError
from claimwatch.records import (
    Analysis,
    AnalysisReport,
    Article,
    ArticleFailure,
    Claim,
    IngestFailure,
    IngestReport,
    MatchReport,
    StanceResult,
)
from claimwatch.settings import Settings
from claimwatch.store import Store

if TYPE_CHECKING:  # the model stack (ONNX Runtime, LightGBM) loads only when matching runs
    from claimwatch.nlp.embed import CachingEncoder
    from claimwatch.stance import StanceModel


class Progress(Protocol):
    """Progress of a long stage, counted in real units (sources, articles)."""

    def start(self, stage: str, total: int) -> None:
        """A stage begins with `total` units to do."""

    def advance(self, n: int) -> None:
        """`n` more units of the current stage are done."""


BATCH = 200
# Sentences this similar to a claim restate it; kept as evidence so the dossier links their sources.
EVIDENCE_SIMILARITY = 0.5


def failure_reason(exc: BaseException) -> str:
    """An unexpected exception as one line: its type and the first line of its message."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{exc.__class__.__name__}: {message[:300]}" if message else exc.__class__.__name__


def read_sources(
    sources: Iterable[str], settings: Settings, encoding: str | None = None, progress: Progress | None = None
) -> Iterator[Article | IngestFailure]:
    """Articles and failures from files, directories, feeds and URLs, through one guarded HTTP client."""
    from claimwatch.ingest import expand_sources, iter_sources

    expanded = expand_sources(sources)  # first, so the progress bar knows how many there are
    if progress:
        progress.start("reading", len(expanded))
    yield from iter_sources(expanded, settings, encoding, on_source=(lambda _source: progress.advance(1)) if progress else None)


def ingest(sources: Iterable[str], store: Store, settings: Settings, encoding: str | None = None) -> IngestReport:
    """Read and store (no analysis, no matching): the storing half of `Pipeline.ingest`."""
    return store_items(read_sources(sources, settings, encoding), store)


def store_items(items: Iterable[Article | IngestFailure], store: Store) -> IngestReport:
    """Store articles in transactions of BATCH; failures are collected, never fatal to the batch."""
    report = IngestReport()
    batch: list[Article] = []
    for item in items:
        if isinstance(item, IngestFailure):
            report.failed.append(item)
        else:
            batch.append(item)
        if len(batch) >= BATCH:
            store.add_articles(batch, report)
            batch = []
    if batch:
        store.add_articles(batch, report)
    return report


def analyze_stored(
    store: Store, article_ids: list[int] | None = None, batch_size: int = 32, progress: Progress | None = None
) -> AnalysisReport:
    """Extract and store attributions for articles whose current version is not analysed yet."""
    from claimwatch.attribution.analyze import analyze_texts

    report = AnalysisReport()
    ids = store.unanalysed_article_ids() if article_ids is None else article_ids
    if progress:
        progress.start("analysing", len(ids))
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        found = store.get_articles(chunk)
        articles = [found[i] for i in chunk if i in found]
        analyses: list[Analysis | None]
        try:
            analyses = list(analyze_texts([a.text for a in articles]))
        except Exception:  # one bad text: find it by analysing the batch one article at a time
            analyses = []
            for article in articles:
                try:
                    analyses.extend(analyze_texts([article.text]))
                except Exception as exc:
                    assert article.id is not None
                    reason = f"analysis failed: {failure_reason(exc)}"
                    store.mark_failed("analysis", article.id, article.version, reason)
                    report.failed.append(ArticleFailure(article.id, "analysis", reason))
                    analyses.append(None)
        for article, analysis in zip(articles, analyses, strict=True):
            if analysis is None:
                continue
            assert article.id is not None
            store.save_attributions(article.id, article.version, analysis.attributions, analysis.claims)
            report.analysed += 1
        if progress:
            progress.advance(len(chunk))
    return report


def match(
    store: Store,
    model: StanceModel,
    settings: Settings,
    progress: Progress | None = None,
    batch_size: int = 256,
    article_ids: list[int] | None = None,
) -> MatchReport:
    """Score every (claim, article) pair not yet scored at the article's current version.

    Incremental: new articles, new claims and re-versioned articles are the only new work, and
    sentence vectors are cached in the store, so a new claim costs one embedding plus a matrix
    product per article. Retrieval first: only pairs whose best claim-sentence similarity reaches
    `settings.retrieval_threshold` go through the stance model. Syndicated copies are scored too
    (cheap, and each outlet's stance stays explicit). Work is planned one chunk of articles at a
    time, so memory does not grow with the number of stored pairs. `article_ids` restricts the work to
    those articles (a partition of a distributed run).
    """
    from claimwatch.nlp.embed import CachingEncoder

    report = MatchReport()
    claims = store.list_claims()
    if not claims:
        return report
    encoder = CachingEncoder(model.embedder, store)
    candidates = store.matchable_articles()
    if article_ids is not None:  # one partition of a distributed run
        wanted = set(article_ids)
        candidates = [(a, v) for a, v in candidates if a in wanted]
    if progress:
        progress.start("matching", len(candidates))
    for start in range(0, len(candidates), batch_size):
        window = candidates[start : start + batch_size]
        done = store.scored_pairs([a for a, _ in window])
        todo_by_article = {
            aid: missing for aid, version in window if (missing := [ci for ci, c in enumerate(claims) if (c.id, aid, version) not in done])
        }
        versions = dict(window)
        if todo_by_article:
            _match_chunk(store, model, settings, encoder, claims, todo_by_article, versions, report)
        if progress:
            progress.advance(len(window))
    return report


def _match_chunk(
    store: Store,
    model: StanceModel,
    settings: Settings,
    encoder: CachingEncoder,
    claims: list[Claim],
    todo_by_article: dict[int, list[int]],
    versions: dict[int, int],
    report: MatchReport,
) -> None:
    """Score one chunk; if the chunk raises, score its articles one by one and mark the failing ones."""
    chunk = list(todo_by_article)
    articles = store.get_articles(chunk)

    def score(ids: list[int]) -> list[StanceResult]:
        todo = [(ci, n) for n, aid in enumerate(ids) for ci in todo_by_article[aid]]
        c_idx = sorted({ci for ci, _ in todo})
        c_pos = {ci: k for k, ci in enumerate(c_idx)}
        results = model.predict_pairs(
            [claims[i].text for i in c_idx],
            [articles[aid].text for aid in ids],
            [(c_pos[ci], n) for ci, n in todo],
            min_similarity=settings.retrieval_threshold,
            encoder=encoder,
            also_above=EVIDENCE_SIMILARITY,
        )
        for (ci, n), r in zip(todo, results, strict=True):
            r.claim_id, r.article_id = claims[ci].id, ids[n]
        return results

    try:
        groups = [(chunk, score(chunk))]
    except StoreError:
        raise
    except Exception:
        groups = []
        for aid in chunk:
            try:
                groups.append(([aid], score([aid])))
            except StoreError:
                raise
            except Exception as exc:
                reason = f"matching failed: {failure_reason(exc)}"
                store.mark_failed("match", aid, versions[aid], reason)
                report.failed.append(ArticleFailure(aid, "match", reason))
    for ids, results in groups:
        store.save_stances(results, versions=versions)
        store.clear_match_failure(ids)
        report.pairs += len(results)
        report.classified += sum(1 for r in results if r.model_version != "retrieval")
        report.related += sum(1 for r in results if r.label != "unrelated")
