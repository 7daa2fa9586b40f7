"""Dossiers a reviewer can trust: direction-checked denials and confirmations, uncertain stances, human corrections
and exclusions, pages, first appearance. Real SQLite stores, real attribution extraction, stored stances."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from claimwatch.engine.local import analyze_stored
from claimwatch.records import Article, Evidence, StanceResult
from claimwatch.settings import Settings
from claimwatch.store import Store
from claimwatch.track.dossier import build_dossier, response_direction, states_opposite
from claimwatch.track.status import StatusRules

BALE = "Christian Bale will not play Steve Jobs"
DROPS_OUT = (
    "Christian Bale will not be playing Steve Jobs after all. "
    "The actor exited talks on the biopic on Monday, people close to the production said."
)
CAST = (
    "Christian Bale will slip into a mock turtleneck to play Steve Jobs in the film about the Apple co-founder. "
    "The movie's scriptwriter Aaron Sorkin confirmed that Bale would be playing the prickly tech icon. "
    "Filming starts next year."
)


def _evidence(store: Store, article_id: int, *sentences: str) -> list[Evidence]:
    """Evidence sentences located in the stored (cleaned) text, best first."""
    text = store.get_article(article_id).text
    found = []
    for n, sentence in enumerate(sentences):
        start = text.index(sentence)
        found.append(Evidence(text=sentence, score=round(0.9 - 0.1 * n, 2), start=start, end=start + len(sentence)))
    return found


def _stance(claim_id: int, article_id: int, label: str, p: float, evidence: list[Evidence]) -> StanceResult:
    rest = (1 - p) / 3
    probabilities = {k: (p if k == label else rest) for k in ("agree", "disagree", "discuss", "unrelated")}
    return StanceResult(
        label=label,  # type: ignore[arg-type]
        probabilities=probabilities,
        evidence=evidence,
        claim_id=claim_id,
        article_id=article_id,
        model_version="test",
    )


def _articles(store: Store, *articles: Article) -> list[int]:
    report = store.add_articles(list(articles))
    assert not report.failed and not report.near_duplicates
    analyze_stored(store)  # real attributions (spaCy), as ingest stores them
    return report.ingested


def test_a_discuss_article_stating_the_opposite_counts_against_the_claim(store: Store) -> None:
    claim_text = "The Batmobile was stolen from the film set"
    rumour, debunk, report = _articles(
        store,
        Article(text="Rumours say the Batmobile was stolen from the film set in Detroit.", outlet="Geek Wire", origin="t:b1"),
        Article(text="So the Batmobile was not stolen from the film set; it is safe in Detroit.", outlet="Free Press", origin="t:b2"),
        Article(text="Police were asked whether the Batmobile was stolen from the set.", outlet="City News", origin="t:b3"),
    )
    claim = store.add_claim(claim_text)
    assert claim.id is not None
    store.save_stances(
        [
            _stance(
                claim.id,
                rumour,
                "agree",
                0.9,
                _evidence(store, rumour, "Rumours say the Batmobile was stolen from the film set in Detroit."),
            ),
            # the model's mistake: "discuss", although the article says it was not stolen
            _stance(
                claim.id,
                debunk,
                "discuss",
                0.7,
                _evidence(store, debunk, "So the Batmobile was not stolen from the film set; it is safe in Detroit."),
            ),
            _stance(
                claim.id,
                report,
                "discuss",
                0.8,
                _evidence(store, report, "Police were asked whether the Batmobile was stolen from the set."),
            ),
        ]
    )
    d = build_dossier(store, claim.id)
    by_outlet = {e.outlet: e for e in d.entries}
    assert by_outlet["Free Press"].opposite and by_outlet["Free Press"].counted_as == "disagree"
    assert not by_outlet["City News"].opposite and by_outlet["City News"].counted_as == "discuss"
    assert d.status == "denied"
    assert "1 labelled discuss by the model, but stating the claim's opposite" in d.reasons[0]


def test_a_confirmation_of_the_opposite_counts_against_the_claim(store: Store) -> None:
    drops, cast = _articles(
        store,
        Article(text=DROPS_OUT, title="Bale exits Jobs film", outlet="Trade Daily", published=datetime(2014, 11, 24), origin="t:1"),
        Article(text=CAST, title="Bale to play Jobs", outlet="Film Wire", published=datetime(2014, 11, 1), origin="t:2"),
    )
    claim = store.add_claim(BALE)
    assert claim.id is not None
    store.save_stances(
        [
            _stance(claim.id, drops, "agree", 0.9, _evidence(store, drops, "Christian Bale will not be playing Steve Jobs after all.")),
            # the model's mistake: "agree", although the article says he will play
            _stance(
                claim.id,
                cast,
                "agree",
                0.8,
                _evidence(
                    store,
                    cast,
                    "Christian Bale will slip into a mock turtleneck to play Steve Jobs in the film about the Apple co-founder.",
                    "The movie's scriptwriter Aaron Sorkin confirmed that Bale would be playing the prickly tech icon.",
                ),
            ),
        ]
    )
    d = build_dossier(store, claim.id)
    assert d.status != "confirmed"
    sorkin = next(m for m in d.denied_by if "Sorkin" in m.source)
    assert sorkin.confirmation and sorkin.cue == "confirmed"  # a confirmation, of the opposite: counted against
    assert not any("Sorkin" in m.source for m in d.confirmed_by)
    assert any("Sorkin" in s for s in d.inputs.reversed)
    by_outlet = {e.outlet: e for e in d.entries}
    assert by_outlet["Film Wire"].opposite and by_outlet["Film Wire"].counted_as == "disagree"
    assert not by_outlet["Trade Daily"].opposite and by_outlet["Trade Daily"].counted_as == "agree"
    assert d.status == "denied"
    assert d.reasons[0].startswith("denied (")
    assert "1 labelled agree by the model, but stating the claim's opposite" in d.reasons[0]
    assert 'Film Wire: "Christian Bale will slip into a mock turtleneck to play Steve Jobs' in d.reasons[0]
    assert 'Trade Daily: "Christian Bale will not be playing Steve Jobs after all."' in d.reasons[0]
    assert any("Sorkin" in r and "confirming the claim's opposite" in r for r in d.reasons)
    assert not any(r.startswith("confirmed") for r in d.reasons)


def test_direction_rules_on_text() -> None:
    from claimwatch.records import Attribution

    assert states_opposite(BALE, "Bale would be playing the prickly tech icon, saying he didn't even need to audition") is True
    assert states_opposite(BALE, "Christian Bale will not be playing Steve Jobs after all.") is False
    assert states_opposite(BALE, "We needed the best actor and that's Christian Bale") is False  # "not" is elsewhere in the claim
    assert states_opposite(BALE, "Sony's biopic has a new director") is None  # does not restate the claim
    spider = "Tropical spider burrows under man's skin, lives there for three days"
    assert states_opposite(spider, "No, A Spider Did Not Burrow Under A Man's Skin and Live There for Days.") is True
    assert states_opposite("Banksy was arrested", "A hoax story about Banksy being arrested has duped internet users.") is True
    # a negation in another clause does not reverse the claim
    woods = "Tiger Woods is selling his island in Lake Malaren, Sweden"
    assert states_opposite(woods, "This island was owned by Tiger Woods, but he doesn't need an island in Sweden any more.") is False

    def said(cue: str, content: str, denial: bool = False, confirmation: bool = False) -> Attribution:
        return Attribution(source="X", cue=cue, content=content, denial=denial, confirmation=confirmation)

    assert response_direction(said("confirmed", "that Bale would play Steve Jobs", confirmation=True), BALE) == "against"
    assert response_direction(said("denied", "that Bale would play Steve Jobs", denial=True), BALE) == "for"
    assert response_direction(said("denied", "that Bale will not play Steve Jobs", denial=True), BALE) == "against"
    assert response_direction(said("denied", "that report", denial=True), BALE) == "against"
    # a denial flagged from the content's own words carries its negation in the content
    assert response_direction(said("said", "the report that Bale will not play Steve Jobs is false", denial=True), BALE) == "against"


def test_low_confidence_stances_are_uncertain_and_decide_nothing(store: Store) -> None:
    text = (
        "Nicaraguan officials say a meteorite left a crater near the capital, Managua. "
        "Scientists said the crater could also have another cause. Further tests are planned."
    )
    [article] = _articles(store, Article(text=text, title="Crater in Managua", outlet="Science Wire", origin="t:1"))
    claim = store.add_claim("Nicaragua meteorite was a hoax")
    assert claim.id is not None
    evidence = _evidence(store, article, "Nicaraguan officials say a meteorite left a crater near the capital, Managua.")
    store.save_stances([_stance(claim.id, article, "disagree", 0.52, evidence)])
    d = build_dossier(store, claim.id)
    [entry] = d.entries
    assert entry.uncertain and entry.counted_as == "uncertain" and entry.stance == "disagree"
    assert d.status == "unverified" and d.inputs.uncertain == 1 and d.inputs.disagree == 0
    assert any("under 60% confidence, counted on no side" in r and "Science Wire" in r for r in d.reasons)
    # the same stance above the threshold is a firm disagreement
    assert build_dossier(store, claim.id, StatusRules(min_confidence=0.5)).status == "denied"


def _claim_with(store: Store, n: int, label: str = "agree", dated: bool = True) -> tuple[int, list[int]]:
    texts = [
        f"Report {i}: the city council of Brackley voted to close the old harbour bridge on Monday, officials said. "
        f"Traffic on road {i} will be diverted, the council said in statement {i}."
        for i in range(n)
    ]
    articles = [
        Article(
            text=t,
            title=f"Bridge closes ({i})",
            outlet=f"Outlet {i % 3}",
            published=datetime(2015, 3, 1 + i % 28, tzinfo=UTC) if dated else None,
            origin=f"t:{i}",
        )
        for i, t in enumerate(texts)
    ]
    report = store.add_articles(articles)
    claim = store.add_claim("Brackley council voted to close the harbour bridge")
    assert claim.id is not None
    store.save_stances(
        [
            _stance(
                claim.id, a, label, 0.9, _evidence(store, a, store.get_article(a).text.split(" officials said.")[0] + " officials said.")
            )
            for a in report.ingested
        ]
    )
    return claim.id, report.ingested


def test_corrections_and_exclusions_feed_the_status(store: Store) -> None:
    claim_id, ids = _claim_with(store, 5)
    unrelated = store.add_articles([Article(text="The harbour festival sold 4,000 tickets this year, organisers said.", origin="u")])
    [scored_unrelated] = unrelated.ingested
    store.save_stances([_stance(claim_id, scored_unrelated, "unrelated", 0.9, [])])
    never = store.add_articles([Article(text="A bridge in Brackley will close, according to a council notice seen today.", origin="n")])
    [never_scored] = never.ingested
    assert build_dossier(store, claim_id).status == "confirmed"

    store.review_claim(
        claim_id,
        "Ana",
        verdict="false",
        note="the council voted to repair it",
        stances={ids[0]: "disagree", scored_unrelated: "disagree", never_scored: "discuss", ids[1]: "unrelated"},
        exclude=[ids[2]],
    )
    d = build_dossier(store, claim_id)
    by_id = {e.article_id: e for e in d.entries}
    assert set(by_id) == {ids[0], ids[3], ids[4], scored_unrelated, never_scored}  # ids[1] made unrelated, ids[2] excluded
    assert d.excluded == [ids[2]]
    corrected = by_id[ids[0]]
    assert (corrected.stance, corrected.machine_stance, corrected.corrected_by, corrected.confidence) == ("disagree", "agree", "Ana", 1.0)
    assert not corrected.uncertain and corrected.counted_as == "disagree"
    assert by_id[scored_unrelated].machine_stance == "unrelated" and by_id[scored_unrelated].stance == "disagree"
    assert by_id[never_scored].machine_stance is None and by_id[never_scored].corrected_by == "Ana"
    assert by_id[ids[3]].machine_stance is None and by_id[ids[3]].corrected_by is None
    assert (d.inputs.agree, d.inputs.disagree, d.inputs.discuss) == (2, 2, 1)
    assert d.status == "denied"  # two reviewer disagreements against two agreeing articles
    assert d.review is not None and d.review.verdict == "false" and d.review.by == "Ana"
    assert {a.action for a in d.audit} == {"review", "stance", "exclude"} and d.audit[0].by == "Ana"
    assert d.stance_counts == {"agree": 2, "disagree": 2, "discuss": 1}


def test_pages_keep_status_counts_and_first_appearance_over_all_entries(store: Store) -> None:
    claim_id, ids = _claim_with(store, 12)
    full = build_dossier(store, claim_id)
    page = build_dossier(store, claim_id, offset=5, limit=4)
    assert page.entries_total == full.entries_total == 12
    assert [e.article_id for e in page.entries] == [e.article_id for e in full.entries[5:9]]
    assert page.status == full.status and page.reasons == full.reasons and page.stance_counts == full.stance_counts
    assert page.first_appearance is not None and page.first_appearance.article_id == full.entries[0].article_id
    assert page.timeline == full.timeline and len(page.reported_by) == len(full.reported_by)
    assert build_dossier(store, claim_id, offset=20, limit=5).entries == []


def test_first_appearance_is_the_earliest_dated_and_says_when_it_is_not_sure(store: Store) -> None:
    base = "the city council of Brackley voted to close the old harbour bridge on Monday, officials said."
    late, early, undated = store.add_articles(
        [
            Article(text=f"Late report: {base} More follows.", outlet="Late", published=datetime(2015, 3, 9, tzinfo=UTC), origin="a"),
            Article(text=f"Early report: {base} Roads shut.", outlet="Early", published=datetime(2015, 3, 2, tzinfo=UTC), origin="b"),
            Article(text=f"Undated report: {base} Buses run.", outlet="Nodate", origin="c"),
        ]
    ).ingested
    claim = store.add_claim("Brackley council voted to close the harbour bridge")
    assert claim.id is not None
    store.save_stances([_stance(claim.id, a, "discuss", 0.9, []) for a in (late, early, undated)])
    d = build_dossier(store, claim.id)
    assert d.first_appearance is not None and d.first_appearance.outlet == "Early"
    assert not d.first_appearance_certain and "an undated article may be older" in d.first_appearance_note
    store.review_claim(claim.id, "Ana", exclude=[undated])
    d = build_dossier(store, claim.id)
    assert d.first_appearance is not None and d.first_appearance.outlet == "Early" and d.first_appearance_certain


def test_first_appearance_without_dates(store: Store) -> None:
    claim_id, ids = _claim_with(store, 3, dated=False)
    d = build_dossier(store, claim_id)
    assert d.first_appearance is not None and d.first_appearance.article_id == min(ids)
    assert not d.first_appearance_certain and d.first_appearance_note.startswith("no article is dated")


def test_bale_demo_claim_is_not_confirmed_by_a_quote_saying_the_opposite(demo_db: Path) -> None:
    with Store(Settings(db=str(demo_db))) as store:
        claim = next(c for c in store.list_claims() if c.text == BALE)
        assert claim.id is not None
        d = build_dossier(store, claim.id)
    assert d.status != "confirmed"
    assert not any("Sorkin" in m.source for m in d.confirmed_by)
    assert not any(r.startswith("confirmed") for r in d.reasons)
    # the articles saying he will play are not counted as agreeing
    for e in d.entries:
        if any("to play Steve Jobs" in ev.text and "not" not in ev.text for ev in e.evidence[:1]):
            assert e.counted_as != "agree"
    for status_word in ("confirmed", "denied", "disputed", "unverified"):
        if d.status != status_word:
            assert not d.reasons[0].startswith(status_word)


@pytest.mark.parametrize("n", [5, 200])
def test_dossier_reads_a_fixed_number_of_statements(store: Store, n: int) -> None:
    from sqlalchemy import event

    claim_id, ids = _claim_with(store, n)
    store.review_claim(claim_id, "Ana", verdict="mixed", stances={ids[0]: "disagree"}, exclude=[ids[1]])
    statements: list[str] = []

    def listener(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", listener)
    try:
        d = build_dossier(store, claim_id, offset=0, limit=20)
    finally:
        event.remove(store.engine, "before_cursor_execute", listener)
    assert d.entries_total == n - 1 and len(d.entries) == min(20, n - 1)
    # claim, stances, corrections, exclusions, articles, attributions, reviews, history, audit (+ a BEGIN each)
    assert len(statements) == EXPECTED_STATEMENTS, statements


EXPECTED_STATEMENTS = 18


def test_a_source_named_twice_is_listed_once() -> None:
    from claimwatch.track.dossier import distinct_sources

    names = ["Sorkin", "Hollywood Reporter", "the movie's scriptwriter Aaron Sorkin", "Maxwell", "Dylan Thomas", "Thomas", "Maxwell"]
    # each person once, under the longest name, where the person first appears
    assert distinct_sources(names) == ["the movie's scriptwriter Aaron Sorkin", "Hollywood Reporter", "Maxwell", "Dylan Thomas"]
    assert distinct_sources(["Thomas Edison", "Edison Thomas"]) == ["Thomas Edison", "Edison Thomas"]  # not the same ending


def test_one_name_per_source_in_the_reasons() -> None:
    from claimwatch.records import SourceMention
    from claimwatch.track.dossier import status_inputs
    from claimwatch.track.status import decide_status

    short = SourceMention(source="Sorkin", cue="confirmed", content="Bale would be playing the icon", article_id=1, confirmation=True)
    full = SourceMention(
        source="the movie's scriptwriter Aaron Sorkin", cue="said", content="Bale will play him", article_id=2, confirmation=True
    )
    inputs = status_inputs([], [], [short, full], [], BALE)
    assert inputs.denials == ["the movie's scriptwriter Aaron Sorkin"] and inputs.reversed == ["the movie's scriptwriter Aaron Sorkin"]
    reasons = " ".join(decide_status(dataclasses.replace(inputs, discuss=2))[1])
    assert (
        "the movie's scriptwriter Aaron Sorkin (confirmed \"Bale would be playing the icon\") (confirming the claim's opposite)" in reasons
    )
    assert "also Sorkin" not in reasons
