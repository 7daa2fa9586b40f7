"""Human review in the store, on both backends: verdicts, stance corrections, exclusions, edits and soft
deletes with an append-only audit trail; the claims list (filter, sort, full-text search, pagination);
full-text article search; the outlet record."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from claimwatch.errors import InputError, NotFoundError
from claimwatch.records import Article, Evidence, StanceResult
from claimwatch.settings import Settings
from claimwatch.store import Store
from tests.conftest import synthetic_article


def stance(claim_id: int, article_id: int, label: str) -> StanceResult:
    return StanceResult(
        label=label,  # type: ignore[arg-type]
        probabilities={label: 0.9},
        evidence=[Evidence(text="e", score=0.8)],
        claim_id=claim_id,
        article_id=article_id,
        model_version="test",
    )


@pytest.fixture
def filled(backend_settings: Settings) -> tuple[Store, list[int], list[int]]:
    store = Store(backend_settings)
    articles = [
        Article(text=synthetic_article(n), origin="t", outlet=outlet, published=published)
        for n, (outlet, published) in enumerate(
            [
                ("Daily Planet", datetime(2014, 9, 2, tzinfo=UTC)),
                ("Gazette", datetime(2014, 9, 1, tzinfo=UTC)),
                ("Daily Planet", None),
                ("Courier", datetime(2014, 9, 3, tzinfo=UTC)),
            ]
        )
    ]
    ids = store.add_articles(articles).ingested
    claims = [store.add_claim("The harbour bridge will close for repairs").id, store.add_claim("A wildfire destroyed the museum").id]
    assert None not in claims
    c1, c2 = claims[0], claims[1]
    assert c1 is not None and c2 is not None
    store.save_stances(
        [stance(c1, ids[0], "agree"), stance(c1, ids[1], "disagree"), stance(c1, ids[2], "unrelated"), stance(c2, ids[3], "agree")]
    )
    return store, ids, [c1, c2]


def test_review_corrections_exclusions_and_audit(filled: tuple[Store, list[int], list[int]]) -> None:
    store, ids, (c1, _) = filled
    with store:
        entries = store.review_claim(
            c1, by="ana", verdict="false", note="Port authority says no closure", stances={ids[2]: "agree"}, exclude=[ids[1]]
        )
        assert [e.action for e in entries] == ["review", "stance", "exclude"]
        assert entries[1].before == "unrelated" and entries[1].after == "agree"
        assert store.stance_corrections(c1)[ids[2]].label == "agree"
        assert store.exclusions(c1) == {ids[1]}
        store.review_claim(c1, by="ben", verdict="mostly-false")
        assert [r.verdict for r in store.reviews(c1)] == ["mostly-false", "false"]  # newest first, nothing overwritten
        assert store.latest_reviews()[c1].by == "ben"
        store.review_claim(c1, by="ben", stances={ids[2]: "machine"}, include=[ids[1]])
        assert store.stance_corrections(c1) == {} and store.exclusions(c1) == set()
        trail = store.audit(c1)
        assert [e.action for e in trail][:2] in (["stance", "include"], ["include", "stance"])
        assert len(trail) == 6 and trail[-1].action == "review" and trail[-1].by == "ana"
        assert all(e.at is not None and e.at.tzinfo is not None for e in trail)


def test_review_refuses_bad_input(filled: tuple[Store, list[int], list[int]]) -> None:
    store, ids, (c1, _) = filled
    with store:
        with pytest.raises(InputError, match="not a verdict"):
            store.review_claim(c1, by="ana", verdict="pants-on-fire")
        with pytest.raises(InputError, match="who is reviewing"):
            store.review_claim(c1, by=" ", verdict="true")
        with pytest.raises(InputError, match="nothing to record"):
            store.review_claim(c1, by="ana")
        with pytest.raises(InputError, match="choose one of agree"):
            store.review_claim(c1, by="ana", stances={ids[0]: "maybe"})
        with pytest.raises(NotFoundError, match="no article with id 999"):
            store.review_claim(c1, by="ana", verdict="true", exclude=[999])
        with pytest.raises(NotFoundError, match="no claim with id 999"):
            store.review_claim(999, by="ana", verdict="true")
        assert store.reviews(c1) == [] and store.audit(c1) == []  # a refused review leaves nothing behind


def test_edit_and_soft_delete(filled: tuple[Store, list[int], list[int]]) -> None:
    store, ids, (c1, c2) = filled
    with store:
        store.review_claim(c1, by="ana", verdict="false", stances={ids[0]: "disagree"})
        claim, changed = store.edit_claim(c1, "The harbour bridge will close for a year of repairs", by="ana", note="wording")
        assert changed and claim.updated is not None
        assert store.stances(claim_id=c1) == []  # scored against the old wording: matching scores them again
        assert store.stance_corrections(c1)[ids[0]].label == "disagree"  # human work stays
        assert store.edit_claim(c1, claim.text, by="ana") == (claim, False)
        with pytest.raises(InputError, match=f"claim {c2} already has this text"):
            store.edit_claim(c1, "A wildfire destroyed the museum", by="ana")
        store.delete_claim(c2, by="ana", note="duplicate")
        assert [c.id for c in store.list_claims()] == [c1]
        with pytest.raises(NotFoundError, match="was deleted"):
            store.get_claim(c2)
        assert [c.id for c in store.deleted_claims()] == [c2]
        store.restore_claim(c2, by="ben")
        assert store.get_claim(c2).id == c2
        assert [e.action for e in store.audit(c2)] == ["restore", "delete"]
        edit = store.audit(c1)[0]
        assert edit.action == "edit" and edit.before == "The harbour bridge will close for repairs"


def test_claims_list_filter_sort_search_and_pages(filled: tuple[Store, list[int], list[int]]) -> None:
    store, ids, (c1, c2) = filled
    with store:
        rows, total = store.claim_summaries()
        assert total == 2 and {r.claim.id: r.articles for r in rows} == {c1: 2, c2: 1}
        assert all(r.status == "unverified" and r.verdict is None for r in rows)
        rows, _ = store.claim_summaries(sort="articles")
        assert [r.claim.id for r in rows] == [c1, c2]
        store.review_claim(c2, by="ana", verdict="true")
        rows, _ = store.claim_summaries(sort="last-change")
        assert rows[0].claim.id == c2 and rows[0].verdict == "true"
        assert [r.claim.id for r in store.claim_summaries(verdict="none")[0]] == [c1]
        # full text: stemmed words, any order; search syntax is just words
        assert [r.claim.id for r in store.claim_summaries(q="bridges closing")[0]] == [c1]
        assert store.claim_summaries(q='museum" OR "bridge')[1] == 0  # every word must match, "or" included
        assert store.claim_summaries(q="***")[1] == 0
        page, total = store.claim_summaries(sort="oldest", limit=1, offset=1)
        assert total == 2 and [r.claim.id for r in page] == [c2]
        with pytest.raises(InputError, match="not a status"):
            store.claim_summaries(status="true")
        store.review_claim(c1, by="ana", exclude=[ids[0]])
        assert {r.claim.id: r.articles for r in store.claim_summaries()[0]}[c1] == 1


def test_full_text_article_search(filled: tuple[Store, list[int], list[int]]) -> None:
    store, ids, _ = filled
    with store:
        hits = store.search_articles("residents wrote about the river floods")  # stems: wrote != written, so no hit
        assert hits == []
        hits = store.search_articles("residents flood")
        assert [a.id for a in hits] == [ids[1]]  # synthetic article 1 is about the river flood
        assert len(store.search_articles("officials reviewed")) == 4
        assert store.search_articles('"; DROP TABLE articles; --') == []


def test_outlet_record(filled: tuple[Store, list[int], list[int]]) -> None:
    store, ids, (c1, c2) = filled
    with store:
        store.review_claim(c1, by="ana", verdict="false")
        records = {r.outlet: r for r in store.outlet_records()}
        assert set(records) == {"Daily Planet", "Gazette", "Courier"}
        assert [i["claim_id"] for i in records["Gazette"].first] == [c1]  # dated 1 Sep, before the Planet's 2 Sep
        assert records["Gazette"].disagreed[0]["outcome"] == "false" and records["Gazette"].disagreed[0]["reviewed"]
        assert [i["claim_id"] for i in records["Daily Planet"].agreed] == [c1]
        assert records["Courier"].first[0]["outcome"] == "unverified"
        with pytest.raises(NotFoundError):
            store.outlet_records("Nobody")
