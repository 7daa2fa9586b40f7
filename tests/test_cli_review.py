"""Human review through the real CLI: verdicts, stance corrections and exclusions shown beside the machine
status, surviving a re-match and an edit; delete and restore; the claims list (filters, sort, search,
pages); the outlet record; `articles show` per claim; ClaimReview export; one-line errors."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from claimwatch.records import Article, Evidence, StanceResult
from claimwatch.settings import Settings
from claimwatch.store import Store
from tests.conftest import run_cli as cw
from tests.conftest import synthetic_article
from tests.track.test_export import claimreview_problems

ORG_ENV = {"CLAIMWATCH_ORG_NAME": "Fact Desk", "CLAIMWATCH_BASE_URL": "https://cw.example.org"}


def ok(*args: str, env: dict[str, str] | None = None) -> Any:
    """Run a command with --json and return its JSON (failing the test with its stderr otherwise)."""
    proc = cw(*args, "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def one_line_error(proc: Any, *fragments: str) -> None:
    assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in proc.stderr, (fragment, proc.stderr)


# -- a small database filled through the store (no model): fast, and on both backends ----------


def _stance(claim_id: int, article_id: int, label: str, p: float = 0.9) -> StanceResult:
    return StanceResult(
        label=label,  # type: ignore[arg-type]
        probabilities={label: p},
        evidence=[Evidence(text=f"evidence of article {article_id}", score=0.8)],
        claim_id=claim_id,
        article_id=article_id,
        model_version="test",
    )


Filled = tuple[str, list[int], list[int]]


def _fill(settings: Settings) -> Filled:
    """3 claims, 4 articles from 3 outlets (one undated), stances stored as if matched, statuses evaluated."""
    from claimwatch.track.history import evaluate

    with Store(settings) as store:
        outlets = [
            ("Daily Planet", datetime(2014, 9, 2, tzinfo=UTC)),
            ("Gazette", datetime(2014, 9, 1, tzinfo=UTC)),
            ("Daily Planet", None),
            ("Courier", datetime(2014, 9, 3, tzinfo=UTC)),
        ]
        articles = [
            Article(text=synthetic_article(n), origin="t", outlet=o, published=p, url=f"https://news.example/{n}", title=f"Story {n}")
            for n, (o, p) in enumerate(outlets)
        ]
        a = store.add_articles(articles).ingested
        c = [
            store.add_claim(t).id
            for t in ("The harbour bridge will close for repairs", "A wildfire destroyed the museum", "The rail strike ended on Friday")
        ]
        assert None not in c and len(a) == 4
        claims = [int(x) for x in c if x is not None]
        store.save_stances(
            [
                _stance(claims[0], a[0], "agree"),
                _stance(claims[0], a[1], "disagree"),
                _stance(claims[0], a[2], "unrelated"),
                _stance(claims[0], a[3], "agree", 0.45),
                _stance(claims[1], a[3], "agree"),
                _stance(claims[2], a[2], "discuss"),
            ]
        )
        evaluate(store, store.claims_to_evaluate())
    return settings.db, a, claims


@pytest.fixture
def filled(backend_settings: Settings) -> Filled:
    """The small database on SQLite and on PostgreSQL."""
    return _fill(backend_settings)


@pytest.fixture
def filled_sqlite(settings: Settings) -> Filled:
    """The small database on SQLite only (the command's behaviour; the queries run on both backends above)."""
    return _fill(settings)


def test_review_list_outlets_and_export_on_both_backends(filled: Filled) -> None:
    db, (a0, a1, a2, a3), (c1, c2, c3) = filled
    done = ok(
        "claims",
        "review",
        str(c1),
        "--verdict",
        "false",
        "--note",
        "Port says no closure",
        "--by",
        "ana",
        "--stance",
        f"{a0}=disagree",
        "--exclude",
        str(a1),
        "--db",
        db,
    )
    assert [e["action"] for e in done["recorded"]] == ["review", "stance", "exclude"]
    assert done["recorded"][1] | {"before": "agree", "after": "disagree", "article_id": a0} == done["recorded"][1]

    d = ok("claims", "show", str(c1), "--db", db)
    assert d["review"]["verdict"] == "false" and d["review"]["by"] == "ana" and d["review"]["note"] == "Port says no closure"
    assert d["status"] in {"unverified", "disputed", "confirmed", "denied"}  # the machine status stays beside it
    entries = {e["article_id"]: e for e in d["entries"]}
    assert (entries[a0]["stance"], entries[a0]["machine_stance"], entries[a0]["corrected_by"]) == ("disagree", "agree", "ana")
    assert a1 not in entries and d["excluded"] == [a1]
    assert [e["action"] for e in d["audit"]] == ["exclude", "stance", "review"]  # newest first

    listed = ok("claims", "list", "--db", db, "--sort", "oldest")
    assert listed["total"] == 3 and [r["id"] for r in listed["claims"]] == [c1, c2, c3]
    assert [r["verdict"] for r in listed["claims"]] == ["false", None, None]
    assert {r["id"]: r["articles"] for r in listed["claims"]} == {c1: 2, c2: 1, c3: 1}  # after the exclusion
    page = ok("claims", "list", "--db", db, "--verdict", "none", "--search", "museum", "--sort", "newest", "--limit", "1")
    assert page["total"] == 1 and [r["id"] for r in page["claims"]] == [c2]

    records = {r["outlet"]: r for r in ok("outlets", "--db", db)}
    assert set(records) == {"Daily Planet", "Courier"}  # the Gazette's only article was excluded
    planet = records["Daily Planet"]
    assert [i["claim_id"] for i in planet["first"]] == [c1, c3]
    assert planet["disagreed"] == [
        {"claim_id": c1, "claim": "The harbour bridge will close for repairs", "outcome": "false", "reviewed": True}
    ]
    assert [(i["claim_id"], i["reviewed"]) for i in records["Courier"]["agreed"]] == [(c1, True), (c2, False)]

    reviews = ok("export", "--format", "claimreview", "--db", db, env=ORG_ENV)
    assert [r["url"] for r in reviews] == [f"https://cw.example.org/claims/{c1}"]
    assert claimreview_problems(reviews[0]) == []
    assert reviews[0]["reviewRating"]["alternateName"] == "False" and reviews[0]["reviewRating"]["ratingValue"] == 1
    assert [a["url"] for a in reviews[0]["itemReviewed"]["appearance"]] == ["https://news.example/3"]  # agreeing articles only


def test_list_show_and_outlets_for_people(filled_sqlite: Filled) -> None:
    db, (a0, _a1, _a2, _a3), (c1, c2, _c3) = filled_sqlite
    statuses = {r["id"]: r["status"] for r in ok("claims", "list", "--db", db)["claims"]}
    status = statuses[c1]
    got = ok("claims", "list", "--db", db, "--status", status, "--sort", "articles")
    assert got["claims"][0]["id"] == c1 and {r["id"] for r in got["claims"]} == {i for i, s in statuses.items() if s == status}
    ok("claims", "review", str(c2), "--verdict", "unproven", "--by", "bo", "--db", db)
    human = cw("claims", "list", "--db", db, "--limit", "2")  # last change first: c2 was just reviewed
    assert human.returncode == 0 and "1–2 of 3 claims (--offset 2 for more)" in human.stdout, human.stderr
    assert human.stdout.index("Unproven") < human.stdout.index("not reviewed")
    one_line_error(cw("claims", "list", "--db", db, "--status", "true"), "--status: 'true' is not a status")

    ok("claims", "review", str(c1), "--verdict", "mostly-false", "--by", "ana", "--stance", f"{a0}=disagree", "--db", db)
    shown = cw("claims", "show", str(c1), "--db", db)
    assert shown.returncode == 0, shown.stderr
    out = " ".join(shown.stdout.split())
    assert "(machine) verdict: MOSTLY FALSE by ana" in out
    assert f"#{a0}: agree → disagree by ana" in out and "Audit trail" in out
    assert f"article #{a0}: stance agree → disagree" in out and "verdict none → mostly-false" in out
    paged = ok("claims", "show", str(c1), "--db", db, "--limit", "1", "--offset", "1")
    assert len(paged["entries"]) == 1 and paged["entries_total"] == 3

    shown = " ".join(cw("outlets", "Courier", "--db", db).stdout.split())
    assert "Courier" in shown and "agreed with:" in shown and f"#{c1}" in shown and "verdict Mostly false" in shown
    one_line_error(cw("outlets", "Nobody", "--db", db), "no outlet named 'Nobody'")


# -- the demo database (real model): corrections survive a re-match and an edit ----------------


@pytest.mark.slow  # loads the models in several processes (ingest, match, edit, restore)
def test_corrections_survive_a_rematch_and_an_edit(demo_copy: Path) -> None:
    db = str(demo_copy)
    spider = 3  # the demo claim "Tropical spider burrows under man's skin…": articles 11–15
    before = ok("claims", "show", str(spider), "--db", db)
    machine = {e["article_id"]: e["stance"] for e in before["entries"]}
    assert machine[12] == "agree" and 15 in machine and before["review"] is None
    ok(
        "claims",
        "review",
        str(spider),
        "--verdict",
        "mostly-false",
        "--note",
        "No spider was found",
        "--by",
        "ana",
        "--stance",
        "12=disagree",
        "--exclude",
        "15",
        "--db",
        db,
    )
    reviewed = ok("claims", "show", str(spider), "--db", db)
    assert reviewed["review"]["verdict"] == "mostly-false" and reviewed["excluded"] == [15]
    trail = reviewed["audit"]
    assert [e["action"] for e in trail] == ["exclude", "stance", "review"]

    # a re-match: article 12 comes again from its URL with changed text, so it is analysed and scored again
    with sqlite3.connect(demo_copy) as con:
        con.execute("UPDATE articles SET url = 'https://news.example/spider' WHERE id = 12")
        [text] = con.execute("SELECT text FROM articles WHERE id = 12").fetchone()
    update = demo_copy.parent / "update.jsonl"
    changed = text + "\n\nUpdate: the hospital said on Tuesday that the man had recovered and gone home."
    update.write_text(json.dumps({"url": "https://news.example/spider", "text": changed}) + "\n", "utf-8")
    run = ok("ingest", str(update), "--db", db)
    assert run["new_versions"] == [12] and run["match"]["pairs"] >= 1
    after = ok("claims", "show", str(spider), "--db", db)
    entry = next(e for e in after["entries"] if e["article_id"] == 12)
    assert (entry["stance"], entry["machine_stance"], entry["corrected_by"]) == ("disagree", "agree", "ana")
    assert 15 not in {e["article_id"] for e in after["entries"]} and after["excluded"] == [15]
    assert after["review"] == reviewed["review"] and after["audit"] == trail  # nothing rewritten

    # an edit re-matches against the new wording; the review and the corrections stay
    edited = ok(
        "claims",
        "edit",
        str(spider),
        "A tropical spider lived under a man's skin for three days",
        "--by",
        "bo",
        "--note",
        "clearer wording",
        "--db",
        db,
    )
    assert edited["changed"] is True and edited["match"]["pairs"] >= 20 and edited["match"]["related"] >= 1
    d = ok("claims", "show", str(spider), "--db", db)
    assert d["claim"]["text"].startswith("A tropical spider") and d["review"]["verdict"] == "mostly-false"
    assert next(e for e in d["entries"] if e["article_id"] == 12)["stance"] == "disagree"
    assert d["audit"][0]["action"] == "edit" and d["audit"][0]["by"] == "bo" and d["audit"][1:] == trail
    assert "edited “Tropical spider" in cw("claims", "show", str(spider), "--db", db).stdout

    # the article page shows the claim with the correction, the model's label and the evidence
    article = ok("articles", "show", "12", "--db", db)
    [row] = [c for c in article["claims"] if c["claim_id"] == spider]
    assert (row["stance"], row["machine_stance"], row["corrected_by"]) == ("disagree", "agree", "ana") and row["evidence"]
    assert "reviewer ana; model: agree" in " ".join(cw("articles", "show", "12", "--db", db).stdout.split())

    # "machine" drops the correction; the trail records that too
    ok("claims", "review", str(spider), "--by", "ana", "--stance", "12=machine", "--db", db)
    d = ok("claims", "show", str(spider), "--db", db)
    assert all(e["corrected_by"] is None for e in d["entries"])
    assert d["audit"][0]["action"] == "stance" and d["audit"][0]["before"] == "disagree" and d["audit"][0]["after"] != "disagree"

    # delete hides the claim, restore brings it back, both audited
    gone = ok("claims", "delete", "4", "--by", "ana", "--note", "duplicate", "--db", db)
    assert gone["deleted"] is True
    assert 4 not in [r["id"] for r in ok("claims", "list", "--db", db)["claims"]]
    assert [c["id"] for c in ok("claims", "list", "--deleted", "--db", db)["claims"]] == [4]
    one_line_error(cw("claims", "show", "4", "--db", db), "claim 4 was deleted")
    ok("claims", "restore", "4", "--by", "bo", "--db", db)
    assert 4 in [r["id"] for r in ok("claims", "list", "--db", db)["claims"]]
    assert [e["action"] for e in ok("claims", "show", "4", "--db", db)["audit"]] == ["restore", "delete"]

    # the export: only the reviewed claim, a valid ClaimReview; --include-unreviewed adds the rest, automated
    [review] = ok("export", "--format", "claimreview", "--db", db, env=ORG_ENV)
    assert claimreview_problems(review) == [] and review["reviewRating"]["alternateName"] == "Mostly false"
    everything = ok(
        "export", "--format", "claimreview", "--include-unreviewed", "--base-url", "https://other.example", "--db", db, env=ORG_ENV
    )
    assert len(everything) == 5 and all(claimreview_problems(r) == [] for r in everything)
    assert sum(r["reviewRating"]["alternateName"].endswith("(automated)") for r in everything) == 4
    assert all(r["url"].startswith("https://other.example/claims/") for r in everything)


# -- one-line errors ----------------------------------------------------------------------------


def test_review_errors_are_one_line(tmp_path: Path) -> None:
    db = str(tmp_path / "e.db")
    one_line_error(
        cw("claims", "review", "1", "--by", "ana", "--stance", "12:agree", "--db", db), "--stance: '12:agree'", "ARTICLE_ID=LABEL"
    )
    one_line_error(cw("claims", "review", "1", "--by", "ana", "--stance", "x=agree", "--db", db), "--stance: 'x=agree'")
    one_line_error(cw("claims", "review", "1", "--verdict", "true", "--db", db), "Missing option '--by'")
    one_line_error(cw("claims", "review", "1", "--by", "ana", "--verdict", "true", "--db", db), "no claim with id 1")
    one_line_error(cw("claims", "edit", "1", "new text", "--by", "ana", "--db", db), "no claim with id 1")
    one_line_error(cw("claims", "delete", "1", "--db", db), "Missing option '--by'")
    one_line_error(cw("export", "--db", db), "set CLAIMWATCH_ORG_NAME")
    one_line_error(cw("export", "--db", db, env={"CLAIMWATCH_ORG_NAME": "Desk"}), "set CLAIMWATCH_BASE_URL")
    one_line_error(cw("export", "--db", db, "--base-url", "ftp://x", env={"CLAIMWATCH_ORG_NAME": "Desk"}), "CLAIMWATCH_BASE_URL='ftp://x'")
    assert ok("export", "--db", db, env=ORG_ENV) == []  # nothing reviewed yet
