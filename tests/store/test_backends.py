"""The store on both backends (a SQLite file and a real PostgreSQL database): round trip, timestamps,
search, id bounds, migrations from release 0.1 (concurrent writers: tests/reliability/test_concurrency.py)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from claimwatch.errors import InputError, NotFoundError
from claimwatch.records import Article, Evidence, StanceResult
from claimwatch.settings import Settings
from claimwatch.store import Store
from claimwatch.store.migrate import head_revision
from tests.conftest import synthetic_article

ROOT = Path(__file__).resolve().parents[2]


def body(n: int) -> str:
    return synthetic_article(n)


def art(text: str, **kw: object) -> Article:
    return Article(text=text, origin="test", **kw)  # type: ignore[arg-type]


def test_round_trip_and_timezone_aware_timestamps(backend_settings: Settings) -> None:
    with Store(backend_settings) as store:
        published = datetime(2014, 9, 18, 9, 30, tzinfo=timezone(timedelta(hours=-4)))
        report = store.add_articles([art(body(1), url="https://example.org/1", published=published), art(body(2))])
        assert len(report.ingested) == 2
        assert store.add_articles([art(body(1))]).duplicates == [report.ingested[0]]
        first = store.get_article(report.ingested[0])
        assert first.published == published and first.published.tzinfo is not None
        assert first.published.utcoffset() == timedelta(0)  # stored and read back in UTC
        claim, created = store.put_claim("Officials will review the council budget plan")
        again, created_again = store.put_claim("  Officials will review the   council budget plan ")
        assert created and not created_again and again.id == claim.id
        assert claim.created is not None and claim.created.tzinfo is not None
        assert abs((datetime.now(UTC) - claim.created).total_seconds()) < 60
        versions = store.article_versions(report.ingested[0])
        assert versions[0]["fetched_at"].endswith("+00:00")
        store.save_stances(
            [
                StanceResult(
                    label="agree",
                    probabilities={"agree": 0.9},
                    evidence=[Evidence(text="x", score=0.8)],
                    claim_id=claim.id,
                    article_id=report.ingested[0],
                    model_version="t",
                )
            ]
        )
        assert store.scored_pairs([report.ingested[0]]) == {(claim.id, report.ingested[0], 1)}


def test_search_escapes_like_wildcards(backend_settings: Settings) -> None:
    with Store(backend_settings) as store:
        store.add_articles([art(body(3)), art(body(4).replace("Report 4:", "Report 4 with 100% and snake_case:"))])
        assert store.search_articles("%%") == []  # used to match everything
        assert store.search_articles("__") == []
        [hit] = store.search_articles("100%")
        assert "100%" in hit.text
        assert len(store.search_articles("snake_case")) == 1


def test_ids_and_offsets_beyond_64_bits_are_not_found(backend_settings: Settings) -> None:
    with Store(backend_settings) as store:
        for bad in (2**63, 2**64 + 5, 0, -1):
            with pytest.raises(NotFoundError):
                store.get_article(bad)
            with pytest.raises(NotFoundError):
                store.get_claim(bad)
        assert store.list_articles(offset=2**63) == []
        with pytest.raises(InputError, match="needs some text"):
            store.put_claim("   ")


def test_database_of_release_0_1_is_upgraded_keeping_its_data(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:
        conn.executescript((ROOT / "tests" / "data" / "release-0.1-schema.sql").read_text("utf-8"))
        conn.execute(
            "INSERT INTO articles (id, origin, text, content_hash, version, ingested_at, published) "
            "VALUES (1, 'old.txt', 'An old article text.', 'h1', 1, '2015-01-02 03:04:05.000000', '2014-09-18 13:30:00.000000')"
        )
        conn.execute("INSERT INTO article_versions VALUES (1, 1, 1, 'An old article text.', 'h1', NULL, '2015-01-02 03:04:05.000000')")
        conn.execute("INSERT INTO claims VALUES (1, 'An old claim', 'c1', 'manual', '2015-01-02 03:04:05.000000')")
    with Store(Settings(db=str(db))) as store:
        old = store.get_article(1)
        assert old.text == "An old article text." and old.published == datetime(2014, 9, 18, 13, 30, tzinfo=UTC)
        assert store.get_claim(1).text == "An old claim"
        assert store.failures(1) == {}
        assert store.unanalysed_article_ids() == [1]
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
            columns = {c["name"] for c in inspect(conn).get_columns("articles")}
        assert {"analysis_error", "analysis_attempts", "match_error", "match_attempts"} <= columns
        assert store.add_articles([art(body(5))]).ingested == [2]
    Store(Settings(db=str(db))).close()  # opening again is a no-op
