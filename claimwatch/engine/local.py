"""Local execution of the pipeline's stages on this machine: store, analyse, match, in batches.

Front ends do not call these directly: they go through `claimwatch.engine.pipeline.Pipeline`.
Every stage isolates faults per article: an article whose analysis or matching raises is marked
failed with its reason (retried by later runs up to `settings.analysis_attempts`) and the rest of
the batch goes on. Database errors are not article faults: they stop the run with one StoreError.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
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
    import numpy as np

    from claimwatch.nlp.embed import Encoder
    from claimwatch.stance import StanceModel

log = logging.getLogger(__name__)


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


@dataclass
class MatchPlan:
    """What a matching run covers, read from the store before it starts.

    Every live claim ends the run matched against every article version with id <= `target`. Article
    versions above `reached` (the highest any claim's matching reached before) are new: they are scanned
    against every claim, with the failed articles. Claims whose coverage is below `reached` (new claims,
    edited or restored ones) are retrieved against the older versions through the sentence vector index.
    """

    claims: list[Claim]
    hashes: dict[int, str]  # claim id -> text hash (coverage is recorded for this text)
    coverage: dict[int, int]  # claim id -> highest article version id already considered against it
    reached: int
    target: int
    scan: list[int]  # article ids: new versions and failed matches, scored against every claim

    def retrieving(self) -> list[Claim]:
        """The claims not yet matched against every version up to `reached`."""
        return [c for c in self.claims if self.coverage[c.id or 0] < self.reached]


def plan_match(store: Store) -> MatchPlan | None:
    """The work of a matching run (None: no claim is tracked)."""
    claims = store.list_claims()
    if not claims:
        return None
    target = store.version_watermark()  # read first: versions stored from now on wait for the next run
    hashes, coverage, reached = store.claim_coverage()
    claims = [c for c in claims if c.id in hashes]  # a claim added between the two reads waits for the next run
    reached = min(reached, target)
    scan = sorted({a for a, _v in store.current_versions(reached, target)} | set(store.failed_matches()))
    return MatchPlan(
        claims, {c.id: hashes[c.id] for c in claims if c.id}, {c.id: coverage[c.id] for c in claims if c.id}, reached, target, scan
    )


def match(
    store: Store,
    model: StanceModel,
    settings: Settings,
    progress: Progress | None = None,
    batch_size: int = 256,
    exhaustive: bool = False,
) -> MatchReport:
    """Score every (claim, article) pair not yet considered at the article's current version.

    Incremental: new articles, new claims and re-versioned articles are the only new work, and sentence
    vectors are cached in the store. Retrieval first: only pairs whose best claim-sentence similarity
    reaches `settings.retrieval_threshold` go through the stance model; the others are unrelated and
    leave no stance row (a row that an earlier version of the article left is overwritten), and each
    claim's coverage records that they were considered. New articles are scored against every claim
    (a matrix product per article); a new claim is retrieved through the sentence vector index (one
    exact search over all stored sentences) and only its candidates are scored, with the same results
    as scoring every article (`exhaustive=True` does that, for tests and benchmarks). Syndicated copies
    are scored too (cheap, and each outlet's stance stays explicit). Work goes one chunk of articles at
    a time, so memory does not grow with the number of stored pairs.
    """
    from claimwatch.nlp.embed import CachingEncoder

    plan = plan_match(store)
    if plan is None:
        return MatchReport()
    encoder = CachingEncoder(model.embedder, store)
    scanned = score(store, model, settings, plan.claims, [(a, None) for a in plan.scan], encoder, progress, batch_size)
    work, considered = retrieve(store, settings, plan, encoder.encode, encoder.version, exhaustive)
    found = score(store, model, settings, plan.claims, work, encoder, progress, batch_size, stage="matching new claims")
    finish(store, settings, plan, encoder.version)
    return combine([scanned], [found], considered)


def combine(scanned: list[MatchReport], found: list[MatchReport], considered: int) -> MatchReport:
    """One run's report from the reports of scoring new versions (`scanned`) and new claims' candidates (`found`):
    a new claim's pairs are all it was considered against (`considered`, from `retrieve`), not only its
    candidates; the rest adds up."""
    report = MatchReport(pairs=considered + sum(part.pairs for part in scanned))
    for part in [*scanned, *found]:
        report.classified += part.classified
        report.related += part.related
        report.failed += part.failed
    return report


def retrieve(
    store: Store,
    settings: Settings,
    plan: MatchPlan,
    encode: Callable[[list[str]], np.ndarray],
    model: str,
    exhaustive: bool = False,
) -> tuple[list[tuple[int, set[int]]], int]:
    """Candidates of the claims not yet matched against every version up to `plan.reached`: (article id,
    claim ids) to score, and how many (claim, article) pairs this covers.

    The sentence vector index returns every version with a sentence within `MARGIN` of the threshold
    (an exhaustive search: none is lost); versions whose vectors it lacks, and articles whose stance row
    for the claim is from an older version, are candidates too. The stance model applies the threshold
    itself, so the others would have been retrieval misses. `exhaustive` makes every version a candidate.
    """
    from claimwatch.store.vectors import MARGIN, index_of

    wanted = plan.retrieving()
    if not wanted:
        return [], 0
    work: dict[int, set[int]] = {}
    considered = 0
    for claim in wanted:
        assert claim.id is not None
        lo = plan.coverage[claim.id]
        considered += store.uncovered_pairs(claim.id, lo, plan.reached)
        for aid in store.stale_stances(claim.id, lo, plan.reached):
            work.setdefault(aid, set()).add(claim.id)
    if not exhaustive:
        try:
            index = index_of(store, settings, model)
            index.sync(store, plan.target)
            hits = index.search(encode([c.text for c in wanted]), settings.retrieval_threshold - MARGIN)
        except (OSError, RuntimeError, ValueError, ImportError) as exc:  # derived data: without it, score every article
            log.warning(
                "sentence vector index unavailable (%s); scoring every article for %d new claim(s)", failure_reason(exc), len(wanted)
            )
            exhaustive = True
    if exhaustive:
        for claim in wanted:
            assert claim.id is not None
            for aid, _vid in store.current_versions(plan.coverage[claim.id], plan.reached):
                work.setdefault(aid, set()).add(claim.id)
    else:
        live = store.live_versions(sorted(set().union(*hits) | index.absent))
        for claim, found in zip(wanted, hits, strict=True):
            assert claim.id is not None
            lo = plan.coverage[claim.id]
            for vid in [*found, *index.absent]:
                if lo < vid <= plan.reached and vid in live:
                    work.setdefault(live[vid], set()).add(claim.id)
    return sorted(work.items()), considered


def finish(store: Store, settings: Settings, plan: MatchPlan, model: str) -> None:
    """End of a matching run: bring the vector index up to the run's articles (their vectors are cached now),
    so the next new claim searches at once, and record the claims' coverage."""
    from claimwatch.store.vectors import index_of

    try:
        index_of(store, settings, model).sync(store, plan.target)
    except (OSError, RuntimeError, ValueError, ImportError) as exc:  # derived data: rebuilt when next needed
        log.warning("could not update the sentence vector index: %s", failure_reason(exc))
    store.cover_claims(plan.hashes, plan.target)


def score(
    store: Store,
    model: StanceModel,
    settings: Settings,
    claims: list[Claim],
    work: Sequence[tuple[int, Collection[int] | None]],
    encoder: Encoder,
    progress: Progress | None = None,
    batch_size: int = 256,
    stage: str = "matching",
) -> MatchReport:
    """Score (claim, article) pairs: each article of `work` against the claims listed with it (None: every
    claim), leaving out pairs already scored at the article's current version and articles matching may
    not work on (failed too often). Also a task of a distributed run."""
    report = MatchReport()
    if not work or not claims:
        return report
    if progress:
        progress.start(stage, len(work))
    for start in range(0, len(work), batch_size):
        window = work[start : start + batch_size]
        versions = store.article_states([a for a, _ in window])
        rows = store.scored_pairs(list(versions))
        done = {(c, a) for c, a, v in rows if versions.get(a) == v}
        todo_by_article = {
            aid: missing
            for aid, only in window
            if aid in versions
            and (missing := [ci for ci, c in enumerate(claims) if (only is None or c.id in only) and (c.id, aid) not in done])
        }
        if todo_by_article:
            existing = {(c, a) for c, a, _v in rows}
            _match_chunk(store, model, settings, encoder, claims, todo_by_article, versions, existing, report)
        if progress:
            progress.advance(len(window))
    return report


def _match_chunk(
    store: Store,
    model: StanceModel,
    settings: Settings,
    encoder: Encoder,
    claims: list[Claim],
    todo_by_article: dict[int, list[int]],
    versions: dict[int, int],
    existing: set[tuple[int, int]],
    report: MatchReport,
) -> None:
    """Score one chunk; if the chunk raises, score its articles one by one and mark the failing ones.
    A retrieval miss is stored only where it replaces an earlier result of the pair (`existing`)."""
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
        kept = [r for r in results if r.model_version != "retrieval" or (r.claim_id, r.article_id) in existing]
        store.save_stances(kept, versions=versions)
        store.clear_match_failure(ids)
        report.pairs += len(results)
        report.classified += sum(1 for r in results if r.model_version != "retrieval")
        report.related += sum(1 for r in results if r.label != "unrelated")
