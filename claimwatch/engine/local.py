"""Local execution of the pipeline: ingest -> (analyse) -> stance, in batches on this machine."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from claimwatch.ingest import expand_sources, read_source
from claimwatch.ingest.sources import make_client
from claimwatch.nlp.embed import CachingEncoder
from claimwatch.records import Article, IngestFailure, IngestReport, MatchReport
from claimwatch.settings import Settings
from claimwatch.stance import StanceModel
from claimwatch.store import Store

Progress = Callable[[str], None]
BATCH = 200
# Sentences this similar to a claim restate it; kept as evidence so the dossier links their sources.
EVIDENCE_SIMILARITY = 0.5


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


def analyze_stored(store: Store, article_ids: list[int] | None = None, batch_size: int = 32) -> int:
    """Extract and store attributions for articles whose current version is not analysed yet."""
    from claimwatch.attribution.analyze import analyze_texts

    ids = store.unanalysed_article_ids() if article_ids is None else article_ids
    for start in range(0, len(ids), batch_size):
        articles = [store.get_article(i) for i in ids[start : start + batch_size]]
        for article, analysis in zip(articles, analyze_texts([a.text for a in articles]), strict=True):
            assert article.id is not None
            store.save_attributions(article.id, article.version, analysis.attributions, analysis.claims)
    return len(ids)


def match(store: Store, model: StanceModel, settings: Settings, on_batch: Progress | None = None, batch_size: int = 256) -> MatchReport:
    """Score every (claim, article) pair not yet scored at the article's current version.

    Incremental: new articles, new claims and re-versioned articles are the only new work, and
    sentence vectors are cached in the store, so a new claim costs one embedding plus a matrix
    product per article. Retrieval first: only pairs whose best claim-sentence similarity reaches
    `settings.retrieval_threshold` go through the stance model. Syndicated copies are scored too
    (cheap, and each outlet's stance stays explicit).
    """
    report = MatchReport()
    claims = store.list_claims()
    if not claims:
        return report
    done = store.scored_pairs()
    todo_by_article: dict[int, list[int]] = {}
    versions: dict[int, int] = {}
    for article_id, version in store.article_version_index():
        missing = [ci for ci, c in enumerate(claims) if (c.id, article_id, version) not in done]
        if missing:
            todo_by_article[article_id] = missing
            versions[article_id] = version
    encoder = CachingEncoder(model.embedder, store)
    article_ids = list(todo_by_article)
    for start in range(0, len(article_ids), batch_size):
        chunk = article_ids[start : start + batch_size]
        articles = store.get_articles(chunk)
        todo = [(ci, n) for n, aid in enumerate(chunk) for ci in todo_by_article[aid]]
        c_idx = sorted({ci for ci, _ in todo})
        c_pos = {ci: k for k, ci in enumerate(c_idx)}
        results = model.predict_pairs(
            [claims[i].text for i in c_idx],
            [articles[aid].text for aid in chunk],
            [(c_pos[ci], n) for ci, n in todo],
            min_similarity=settings.retrieval_threshold,
            encoder=encoder,
            also_above=EVIDENCE_SIMILARITY,
        )
        for (ci, n), r in zip(todo, results, strict=True):
            r.claim_id, r.article_id = claims[ci].id, chunk[n]
        store.save_stances(results, versions=versions)
        report.pairs += len(results)
        report.classified += sum(1 for r in results if r.model_version != "retrieval")
        report.related += sum(1 for r in results if r.label != "unrelated")
        if on_batch:
            on_batch(f"{len(chunk)} articles")
    return report
