"""The Dask engine on a real LocalCluster of 2 worker processes gives the same database as the local engine."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from claimwatch.engine.pipeline import Pipeline
from claimwatch.settings import Settings
from tests.conftest import synthetic_article

pytest.importorskip("distributed")

CLAIMS = ["Officials will review the council budget plan", "Iran's supreme leader approved military cooperation with the US"]
LATER = "The river flood plan will be reviewed, officials said"  # added after ingest: retrieved through the vector index


def _corpus(folder: Path, csmonitor: Path) -> Path:
    folder.mkdir()
    for n in range(24):
        (folder / f"{n:02d}.txt").write_text(synthetic_article(n), "utf-8")
    shutil.copy(csmonitor, folder / "csmonitor.txt")
    return folder


def _state(settings: Settings) -> tuple[object, ...]:
    with Pipeline(settings) as p:
        store = p.store
        articles = {a.id: a.text for a in store.get_articles(store.all_article_ids()).values()}
        attributions = sorted(
            (articles[i], a.source, a.cue, a.content, a.denial) for i, v in store.attributions_of(articles).items() for a in v
        )
        stances = sorted(
            (s.claim_id, articles[s.article_id], s.label, tuple(sorted(s.probabilities.items())), tuple(e.text for e in s.evidence))
            for s in store.stances()
            if s.article_id is not None
        )
        return sorted(articles.values()), attributions, stances


@pytest.mark.slow
def test_dask_engine_gives_the_same_results_as_the_local_engine(tmp_path: Path, csmonitor: Path) -> None:
    corpus = _corpus(tmp_path / "in", csmonitor)
    results = {}
    for engine in ("local", "dask"):
        settings = Settings(db=str(tmp_path / f"{engine}.db"), engine=engine, workers=2, partition_size=7)  # type: ignore[arg-type]
        with Pipeline(settings) as p:
            p.add_claims(CLAIMS, match=False)
            run = p.ingest([str(corpus)])
            assert run.ok, run.to_dict()
            assert run.analysis.analysed == 25 and run.match.pairs == 50
            _claim, _created, later = p.add_claim(LATER)
            assert later.pairs == 25 and later.related >= 1 and not later.failed
        results[engine] = _state(settings)
    assert results["dask"] == results["local"]
    _articles, attributions, stances = results["dask"]
    assert any(a[4] for a in attributions)  # the CSMonitor denial is there
    assert any(s[2] != "unrelated" for s in stances)


@pytest.mark.slow
def test_cli_on_an_external_scheduler_with_postgresql_matches_local_sqlite(tmp_path: Path, csmonitor: Path, postgres_url: str) -> None:
    """`claimwatch ingest --engine dask --scheduler tcp://…` with PostgreSQL as the shared store."""
    import json
    import os
    import subprocess
    import sys

    from distributed import LocalCluster

    corpus = _corpus(tmp_path / "in", csmonitor)
    local = Settings(db=str(tmp_path / "local.db"))
    with Pipeline(local) as p:
        p.add_claims(CLAIMS, match=False)
        assert p.ingest([str(corpus)]).ok
        p.add_claim(LATER)
    with Pipeline(Settings(db=postgres_url)) as p:
        p.add_claims(CLAIMS, match=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMWATCH_")} | {
        "CLAIMWATCH_PARTITION_SIZE": "5",
        "CLAIMWATCH_VECTOR_INDEX": str(tmp_path / "index"),
    }
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        dask = ["--db", postgres_url, "--engine", "dask", "--scheduler", cluster.scheduler_address, "--json"]
        proc = subprocess.run(
            [sys.executable, "-m", "claimwatch", "ingest", str(corpus), *dask], capture_output=True, text=True, env=env, timeout=600
        )
        assert proc.returncode == 0, proc.stderr
        report = json.loads(proc.stdout)
        assert report["analysis"]["analysed"] == 25 and report["match"]["pairs"] == 50
        # a claim added afterwards: its candidates come from the client's vector index, the workers score them
        env |= {"CLAIMWATCH_ENGINE": "dask", "CLAIMWATCH_SCHEDULER": cluster.scheduler_address}
        proc = subprocess.run(
            [sys.executable, "-m", "claimwatch", "claims", "add", LATER, "--db", postgres_url, "--json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["match"]["pairs"] == 25
    assert list((tmp_path / "index").rglob("seg-*.faiss"))
    assert _state(Settings(db=postgres_url)) == _state(local)
