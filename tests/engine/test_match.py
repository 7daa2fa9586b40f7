"""Matching: retrieval first, stance model on candidates, incremental, vectors cached in the store."""

from __future__ import annotations

from sqlalchemy import func, select

from claimwatch.engine.local import ingest, match
from claimwatch.records import Article
from claimwatch.settings import Settings
from claimwatch.stance import StanceModel
from claimwatch.store import Store
from claimwatch.store.schema import EmbeddingRow

BALE = "Christian Bale will not play Steve Jobs in the biopic, the Hollywood Reporter said on Monday, after talks with Sony broke down."
QUAKE = (
    "A strong earthquake struck off the coast of Chile on Tuesday, officials said, and a tsunami warning was issued for the Pacific coast."
)
WHEAT = "Wheat prices rose for a third day in Chicago as traders weighed dry weather in Kansas against weak export demand from Asia."


def _articles(*texts: str) -> list[Article]:
    return [Article(text=t, origin=f"test:{i}") for i, t in enumerate(texts)]


def test_retrieval_skips_unrelated_pairs_and_work_is_incremental(store: Store, settings: Settings) -> None:
    model = StanceModel.load()
    store.add_articles(_articles(BALE, QUAKE))
    bale = store.add_claim("Christian Bale will not play Steve Jobs")
    first = match(store, model, settings)
    assert (first.pairs, first.classified) == (2, 1)  # the earthquake article never reached the classifier
    # a retrieval miss leaves no stance row: the claim's coverage records that the pair was considered
    [related] = store.stances(claim_id=bale.id)
    assert related.label != "unrelated" and related.evidence[0].text.startswith("Christian Bale will not play")
    assert related.model_version != "retrieval" and related.similarity is not None and related.similarity >= settings.retrieval_threshold

    assert match(store, model, settings).pairs == 0  # nothing new (the miss is not scored again)
    store.add_articles(_articles(WHEAT))
    assert match(store, model, settings).pairs == 1  # one new article x one claim
    store.add_claim("An earthquake hit Chile")
    again = match(store, model, settings)
    assert again.pairs == 3 and again.related >= 1  # one new claim x three articles
    assert match(store, model, settings).pairs == 0


def test_sentence_vectors_are_cached_so_new_claims_reuse_them(store: Store, settings: Settings) -> None:
    model = StanceModel.load()
    store.add_articles(_articles(BALE, QUAKE))
    store.add_claim("Christian Bale will not play Steve Jobs")
    match(store, model, settings)
    with store.session() as session:
        cached = session.scalar(select(func.count(EmbeddingRow.id)))
    assert cached is not None and cached >= 3  # two article sentences + the claim
    store.add_claim("Chile was hit by an earthquake")
    match(store, model, settings)
    with store.session() as session:
        assert session.scalar(select(func.count(EmbeddingRow.id))) == cached + 1  # only the new claim was embedded


def test_a_new_version_of_an_article_is_scored_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(db=str(tmp_path / "v.db"))
    page1, page2 = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    page1.write_text('{"url": "https://example.org/x", "text": "' + QUAKE + '"}\n', "utf-8")
    page2.write_text(
        '{"url": "https://example.org/x", "text": "' + QUAKE.replace("Tuesday", "Wednesday") + ' Three people died."}\n', "utf-8"
    )
    model = StanceModel.load()
    with Store(settings) as store:
        ingest([str(page1)], store, settings)
        store.add_claim("An earthquake hit Chile")
        assert match(store, model, settings).pairs == 1
        report = ingest([str(page2)], store, settings)
        assert report.new_versions
        assert match(store, model, settings).pairs == 1
