"""Dossiers on real stores: the CSMonitor case, syndicated copies, first appearance, timeline."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

from claimwatch.engine.local import analyze_stored, ingest, match
from claimwatch.records import Article
from claimwatch.settings import Settings
from claimwatch.stance import StanceModel
from claimwatch.store import Store
from claimwatch.track.dossier import build_dossier

IRAN = "Iran's supreme leader approved military cooperation with the US"


def test_csmonitor_dossier_lists_report_denial_and_sources(csmonitor: Path, store: Store, settings: Settings) -> None:
    ingest([str(csmonitor)], store, settings)
    analyze_stored(store)
    claim = store.add_claim(IRAN)
    match(store, StanceModel.load(), settings)
    d = build_dossier(store, claim.id or 0)
    assert d.status in {"disputed", "unverified"}
    [entry] = d.entries
    assert entry.stance != "unrelated" and entry.hedged  # "said to approve"
    reporters = {m.source for m in d.reported_by}
    assert "The BBC" in reporters and "BBC Persian" in reporters
    denial = next(m for m in d.denied_by if m.source == "A source close to Mr. Khamenei")
    assert denial.channel == "The New York Times' Tehran correspondent"
    assert any(m.source == "government officials" and m.cue == "echoed the denial" for m in d.denied_by)
    assert d.status == "disputed"
    assert d.reasons[0].startswith('disputed (a source quoted against the claim): A source close to Mr. Khamenei (denied "that report")')
    assert "also government officials" in d.reasons[0]
    assert any(r.startswith("context: sources quoted on it: The BBC") for r in d.reasons)
    assert any(e.text.startswith("A source close to Mr. Khamenei quickly denied") for e in entry.evidence)
    assert d.first_appearance is not None and d.first_appearance.article_id == entry.article_id


REPORT = (
    "Apple is building an electric car and hopes to start production by 2020, according to people familiar with the project. "
    "The company has hired hundreds of engineers for the effort, code-named Titan, the people said. "
    "An Apple spokeswoman declined to comment on the report."
)
DEBUNK = (
    "Apple has no plans to build an electric car, the company said on Friday, denying reports that it would start production by 2020. "
    "A spokesman dismissed the reports as false and said the engineers were working on software for other carmakers."
)


def test_copies_collapse_first_appearance_and_timeline(store: Store, settings: Settings) -> None:
    articles = [
        Article(text=REPORT, title="Apple is building an electric car", outlet="Wire", published=datetime(2015, 2, 13), origin="t:1"),
        Article(
            text=REPORT + " Shares rose 1 percent.", title="Apple car?", outlet="Daily Copy", published=datetime(2015, 2, 14), origin="t:2"
        ),
        Article(text=DEBUNK, title="Apple denies car plans", outlet="Tech Post", published=datetime(2015, 2, 16), origin="t:3"),
    ]
    report = store.add_articles(articles)
    assert len(report.near_duplicates) == 1  # the syndicated copy
    analyze_stored(store)
    claim = store.add_claim("Apple will start producing an electric car by 2020")
    match(store, StanceModel.load(), settings)
    d = build_dossier(store, claim.id or 0)
    by_outlet = {e.outlet: e for e in d.entries}
    assert set(by_outlet) == {"Wire", "Tech Post"}  # the copy is collapsed into the wire story
    assert by_outlet["Wire"].copies == [articles[1].id] and by_outlet["Wire"].copy_outlets == ["Daily Copy"]
    assert d.first_appearance is not None and d.first_appearance.outlet == "Wire"
    assert [t["date"] for t in d.timeline] == ["2015-02-13", "2015-02-16"]
    # the debunk is caught either by the stance model or by the denials quoted in it
    assert by_outlet["Tech Post"].stance in {"disagree", "discuss"}
    assert {m.source for m in d.denied_by} & {"A spokesman", "the company"}
    assert d.status in {"denied", "disputed"}


def _dossier_queries(store: Store, n_articles: int) -> int:
    """Store n related articles (with attributions) for a new claim and count the queries of its dossier."""
    from sqlalchemy import event

    from claimwatch.records import Attribution, Evidence, StanceResult
    from tests.conftest import synthetic_article

    base = store.count_articles() + 1000 * n_articles
    report = store.add_articles([Article(text=synthetic_article(base + i), origin="t") for i in range(n_articles)])
    claim = store.add_claim(f"Officials will review plan {n_articles}")
    for article_id in report.ingested:
        store.save_attributions(
            article_id,
            1,
            [
                Attribution(
                    source="The minister",
                    cue="said",
                    content="it would be reviewed",
                    kind="indirect",
                    source_start=0,
                    source_end=12,
                    cue_start=13,
                    cue_end=17,
                    content_start=18,
                    content_end=40,
                )
            ],
        )
    store.save_stances(
        [
            StanceResult(
                label="agree",
                probabilities={"agree": 0.8},
                evidence=[Evidence(text="x", score=0.7, start=0, end=60)],
                claim_id=claim.id,
                article_id=a,
                model_version="t",
            )
            for a in report.ingested
        ]
    )
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731 (conn, cursor, statement, ...)
    event.listen(store.engine, "before_cursor_execute", listener)
    try:
        assert claim.id is not None
        d = build_dossier(store, claim.id)
    finally:
        event.remove(store.engine, "before_cursor_execute", listener)
    assert len(d.entries) == n_articles and all(e.attributions for e in d.entries)
    return len(statements)


def test_dossier_is_built_with_a_fixed_number_of_queries(store: Store) -> None:
    # claim, stances, corrections, exclusions, articles (without text), attributions, reviews, history, audit;
    # each read also sends its BEGIN (tests/track/test_dossier_review.py counts them with reviews and pages too)
    assert _dossier_queries(store, 5) == _dossier_queries(store, 60) == 18


def test_a_denial_counts_only_when_it_is_about_the_claim() -> None:
    from claimwatch.records import Attribution
    from claimwatch.track.dossier import _stems, about_claim

    claim = _stems("Iran's supreme leader approved military cooperation with the US")

    def denial(content: str) -> Attribution:
        return Attribution(source="X", cue="denied", content=content, kind="indirect", denial=True)

    assert about_claim(denial("that report"), claim)  # refers back to the report
    assert about_claim(denial("the supreme leader had approved any military cooperation"), claim)
    assert not about_claim(denial("direct contacts with the US"), claim)  # context, not a denial of the claim


def test_an_agentless_hedge_on_a_detail_does_not_hedge_the_report() -> None:
    from claimwatch.attribution.analyze import analyze_texts
    from claimwatch.records import Evidence, StanceResult
    from claimwatch.track.dossier import make_entry

    lead = "Police are hunting a man who slaps shoppers when they sneeze."
    detail = "The same man is thought to have slapped a woman in the market."
    text = f"{lead} {detail}"
    evidence = [
        Evidence(text=lead, score=0.9, start=0, end=len(lead)),
        Evidence(text=detail, score=0.6, start=len(lead) + 1, end=len(text)),
    ]
    [analysis] = analyze_texts([text])
    assert [(a.source, a.cue, a.hedged) for a in analysis.attributions] == [("", "is thought", True)]
    claim = "A man slaps people who sneeze in public"
    stance = StanceResult(label="agree", probabilities={"agree": 0.9}, evidence=evidence)
    assert not make_entry(Article(text=text, id=1), stance, analysis.attributions, claim).hedged
    # the same hedge in the sentence that states the claim best makes it a hedged report
    stance = StanceResult(label="agree", probabilities={"agree": 0.9}, evidence=[dataclasses.replace(evidence[1], score=0.95), evidence[0]])
    assert make_entry(Article(text=text, id=1), stance, analysis.attributions, claim).hedged
