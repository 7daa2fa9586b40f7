"""kill -9 during store, analysis and matching: after a restart nothing is lost, nothing is duplicated,
and the database equals one built by an uninterrupted run."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import synthetic_article

ROOT = Path(__file__).resolve().parents[2]
ENV = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMWATCH_")}
CLAIM = "Officials will review the council budget plan"
N = 300


def cw(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "claimwatch", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, cwd=ROOT
    )


def count(db: Path, sql: str) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # not created yet, or locked for a moment
        return -1


STAGES = {
    "store": ("SELECT count(*) FROM articles", lambda n: 0 < n < N),
    "analysis": ("SELECT count(*) FROM articles WHERE analysed_version IS NOT NULL", lambda n: 0 < n < N),
    "match": ("SELECT count(*) FROM stance_results", lambda n: 0 < n < N),
}


def run_until(stage: str, folder: Path, db: Path) -> bool:
    """Start an ingest and kill -9 it once `stage` has committed part of its work; False if it finished first."""
    sql, partway = STAGES[stage]
    proc = cw("ingest", str(folder), "--db", str(db), "--json")
    deadline = time.monotonic() + 240
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if partway(count(db, sql)):
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(30)
                return True
            time.sleep(0.02)
        return False
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def snapshot(db: Path) -> dict[str, object]:
    with sqlite3.connect(db) as conn:
        return {
            "integrity": conn.execute("PRAGMA integrity_check").fetchone()[0],
            "articles": sorted(r[0] for r in conn.execute("SELECT text FROM articles")),
            "versions": conn.execute("SELECT count(*) FROM article_versions").fetchone()[0],
            "attributions": sorted(
                conn.execute(
                    "SELECT a.text, t.source, t.cue, t.content FROM attributions t JOIN articles a ON a.id = t.article_id"
                ).fetchall()
            ),
            "checkworthy": conn.execute("SELECT count(*) FROM checkworthy").fetchone()[0],
            "stances": sorted(
                conn.execute(
                    "SELECT c.text, a.text, s.label FROM stance_results s JOIN articles a ON a.id = s.article_id "
                    "JOIN claims c ON c.id = s.claim_id"
                ).fetchall()
            ),
            "claims": conn.execute("SELECT count(*) FROM claims").fetchone()[0],
            "unanalysed": conn.execute("SELECT count(*) FROM articles WHERE analysed_version IS NULL").fetchone()[0],
            "failed": conn.execute("SELECT count(*) FROM articles WHERE analysis_error IS NOT NULL OR match_error IS NOT NULL").fetchone()[
                0
            ],
        }


@pytest.mark.slow
def test_kill_9_in_every_stage_then_restart_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for n in range(N):
        (folder / f"{n:03d}.txt").write_text(synthetic_article(n), "utf-8")
    reference, crashed = tmp_path / "reference.db", tmp_path / "crashed.db"
    for db in (reference, crashed):
        assert cw("claims", "add", CLAIM, "--db", str(db), "--no-match").wait(120) == 0

    done = cw("ingest", str(folder), "--db", str(reference), "--json")
    _out, err = done.communicate(timeout=600)
    assert done.returncode == 0, err
    expected = snapshot(reference)
    assert len(expected["articles"]) == N and expected["unanalysed"] == 0 and len(expected["stances"]) == N  # type: ignore[arg-type]

    killed = [stage for stage in ("store", "analysis", "match") if run_until(stage, folder, crashed)]
    assert killed == ["store", "analysis", "match"], f"only interrupted during {killed}"
    final = cw("ingest", str(folder), "--db", str(crashed), "--json")
    _out, err = final.communicate(timeout=600)
    assert final.returncode == 0, err
    got = snapshot(crashed)
    assert got["integrity"] == "ok"
    assert got == expected

    # idempotent: ingesting everything again changes nothing
    again = cw("ingest", str(folder), "--db", str(crashed), "--json")
    _out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    assert snapshot(crashed) == expected
