"""Local execution of the pipeline: ingest -> (analyse) -> stance, in batches on this machine."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from claimwatch.ingest import expand_sources, read_source
from claimwatch.ingest.sources import make_client
from claimwatch.records import Article, IngestFailure, IngestReport
from claimwatch.settings import Settings
from claimwatch.stance import StanceModel
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


def analyze_stored(store: Store, article_ids: list[int] | None = None, batch_size: int = 32) -> int:
    """Extract and store attributions for articles whose current version is not analysed yet."""
    from claimwatch.attribution.analyze import analyze_texts

    ids = store.unanalysed_article_ids() if article_ids is None else article_ids
    for start in range(0, len(ids), batch_size):
        articles = [store.get_article(i) for i in ids[start : start + batch_size]]
        for article, analysis in zip(articles, analyze_texts([a.text for a in articles]), strict=True):
            assert article.id is not None
            store.save_attributions(article.id, article.version, analysis.attributions)
    return len(ids)


def match(store: Store, model: StanceModel, on_pair: Progress | None = None) -> int:
    """Score every (claim, article) pair not yet scored at the article's current version; returns pairs scored.

    Incremental: new articles, new claims and re-versioned articles are the only new work.
    Syndicated copies are scored too (they are cheap and keep each outlet's stance explicit).
    """
    done = store.scored_pairs()
    claims = store.list_claims()
    articles = [store.get_article(i) for i in store.all_article_ids()]
    todo = [(ci, ai) for ai, a in enumerate(articles) for ci, c in enumerate(claims) if (c.id, a.id, a.version) not in done]
    if not todo:
        return 0
    # Featurise only the claims and articles that take part in new pairs.
    c_idx = sorted({ci for ci, _ in todo})
    a_idx = sorted({ai for _, ai in todo})
    c_pos = {ci: n for n, ci in enumerate(c_idx)}
    a_pos = {ai: n for n, ai in enumerate(a_idx)}
    results = model.predict_pairs(
        [claims[i].text for i in c_idx], [articles[i].text for i in a_idx], [(c_pos[ci], a_pos[ai]) for ci, ai in todo]
    )
    for (ci, ai), r in zip(todo, results, strict=True):
        r.claim_id, r.article_id = claims[ci].id, articles[ai].id
    store.save_stances(results, versions={a.id: a.version for a in articles if a.id is not None})
    if on_pair:
        on_pair(f"{len(todo)} pairs")
    return len(todo)
