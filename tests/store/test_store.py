"""The store against real SQLite files: idempotency, syndicated copies, versions, rollback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from claimwatch.errors import NotFoundError, StoreError
from claimwatch.records import Article, Attribution, Evidence, StanceResult
from claimwatch.settings import Settings
from claimwatch.store import Store

TEXT = (
    "Scientists at the university announced on Monday that they had found a new species of frog in the rainforest. "
    "The frog, which is smaller than a fingernail, was discovered during a survey of the region's wildlife last year. "
    "Researchers said the species may already be endangered because of logging in the area and climate change."
)


def art(text: str = TEXT, **kw: object) -> Article:
    return Article(text=text, origin="test", **kw)  # type: ignore[arg-type]


def test_wal_mode_and_file_created(settings: Settings, store: Store) -> None:
    store.add_articles([art()])
    with sqlite3.connect(settings.db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 1


def test_same_article_twice_is_stored_once(store: Store) -> None:
    first = store.add_articles([art()])
    again = store.add_articles([art(TEXT.replace("  ", " ") + "\n")])  # whitespace-only difference
    assert len(first.ingested) == 1 and again.duplicates == first.ingested
    assert store.count_articles() == 1


def test_syndicated_copy_is_linked_not_lost(store: Store) -> None:
    [original] = store.add_articles([art(url="https://a.example/frog")]).ingested
    copy_text = TEXT + " The findings were published in a scientific journal this week, AFP reported."
    report = store.add_articles([art(copy_text, url="https://b.example/frog", outlet="B")])
    [(copy_id, linked)] = report.near_duplicates
    assert linked == original
    stored = store.get_article(copy_id)
    assert stored.duplicate_of == original and stored.text == copy_text and stored.outlet == "B"


def test_near_duplicate_index_survives_reopen(settings: Settings) -> None:
    with Store(settings) as s1:
        [original] = s1.add_articles([art()]).ingested
    with Store(settings) as s2:
        report = s2.add_articles([art(TEXT + " Added line at the end of the copy.")])
        assert report.near_duplicates[0][1] == original


def test_refetched_url_with_changed_text_is_a_new_version(store: Store) -> None:
    [aid] = store.add_articles([art(url="https://a.example/frog", title="Frog")]).ingested
    updated = TEXT.replace("may already be endangered", "is critically endangered, officials confirmed")
    report = store.add_articles([art(updated, url="https://a.example/frog", title="Frog (updated)")])
    assert report.new_versions == [aid]
    current = store.get_article(aid)
    assert current.version == 2 and "critically endangered" in current.text and current.title == "Frog (updated)"
    assert [v["version"] for v in store.article_versions(aid)] == [1, 2]
    # the old text is still stored, and re-ingesting it is recognised
    assert store.add_articles([art(url="https://a.example/frog")]).duplicates == [aid]


def test_failed_batch_is_rolled_back_and_keeps_earlier_data(settings: Settings, store: Store) -> None:
    store.add_articles([art()])
    bad = art(TEXT.replace("frog", "toad"))
    bad.title = object()  # type: ignore[assignment]  # not storable: forces a DB error mid-batch
    with pytest.raises(StoreError, match="rolled back"):
        store.add_articles([art(TEXT.replace("frog", "newt")), bad])
    assert store.count_articles() == 1
    assert store.add_articles([art(TEXT.replace("frog", "newt"))]).ingested  # index still consistent


def test_claims_attributions_and_stances_round_trip(store: Store) -> None:
    [aid] = store.add_articles([art()]).ingested
    claim = store.add_claim("  A new   frog species was found ")
    assert claim.text == "A new frog species was found"
    assert store.add_claim("A new frog species was found").id == claim.id
    attribution = Attribution(
        source="Researchers", cue="said", content="the species may already be endangered", hedged=True, source_start=5
    )
    named = Attribution(source="Jane Roe", cue="said", content="it is rare", source_role="the lead author", resolved_from="she")
    store.save_attributions(aid, 1, [attribution, named])
    got, roe = store.attributions(aid)
    assert got.source == "Researchers" and got.hedged and got.source_start == 5
    assert got.source_role is None and got.resolved_from is None
    assert roe.source_role == "the lead author" and roe.resolved_from == "she"  # both survive the store
    result = StanceResult(
        label="agree",
        probabilities={"agree": 0.9, "disagree": 0.0, "discuss": 0.1, "unrelated": 0.0},
        evidence=[Evidence(text="Scientists ... announced", score=0.8)],
        claim_id=claim.id,
        article_id=aid,
        model_version="t",
    )
    store.save_stances([result])
    store.save_stances([result])  # upsert, not duplicate
    [s] = store.stances(claim_id=claim.id)
    assert s.label == "agree" and s.evidence[0].score == 0.8
    with pytest.raises(NotFoundError):
        store.get_article(999)


def test_unwritable_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open database"):
        Store(Settings(db=str(tmp_path / "missing-dir" / "x.db")))
