"""Concurrent writers on one database (SQLite and PostgreSQL): nothing lost, nothing duplicated."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from claimwatch.settings import Settings
from claimwatch.store import Store
from claimwatch.store.migrate import head_revision
from claimwatch.store.schema import ArticleRow
from tests.conftest import synthetic_article as body

ROOT = Path(__file__).resolve().parents[2]


def _ingest(folder: Path, db: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMWATCH_")}
    return subprocess.Popen(
        [sys.executable, "-m", "claimwatch", "ingest", str(folder), "--db", db, "--json", "--no-analyze", "--no-match"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


@pytest.mark.slow
def test_two_ingest_processes_on_a_new_database_lose_nothing(backend_settings: Settings, tmp_path: Path) -> None:
    """Both start on a database that does not exist yet, with overlapping content and a syndicated copy
    of an article only the other process has: nothing fails, every text is stored once, the copy is linked."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    for n in range(0, 260):
        (a / f"{n:03d}.txt").write_text(body(n), "utf-8")
    for n in range(130, 390):
        (b / f"{n:03d}.txt").write_text(body(n), "utf-8")
    copy_of_first = body(0).replace("would be published in full.", "would be published in full, he added.")
    assert copy_of_first != body(0)
    (b / "zz-copy.txt").write_text(copy_of_first, "utf-8")
    procs = [_ingest(a, backend_settings.db), _ingest(b, backend_settings.db)]
    outputs = [p.communicate(timeout=300) for p in procs]
    for p, (stdout, stderr) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, stderr
        assert not json.loads(stdout)["failed"]
    with Store(backend_settings) as store, store.session() as session:
        texts = list(session.scalars(select(ArticleRow.text)))
        assert len(texts) == len(set(texts)) == 390 + 1
        copy = session.scalar(select(ArticleRow).where(ArticleRow.text == copy_of_first))
        first = session.scalar(select(ArticleRow).where(ArticleRow.text == body(0)))
        assert copy is not None and first is not None
        # whichever process stored them first, the copy is linked to the original (or the other way round)
        assert copy.duplicate_of == first.id or first.duplicate_of == copy.id


def test_many_processes_create_the_schema_at_once(tmp_path: Path) -> None:
    db = tmp_path / "race.db"
    code = (
        "import sys; from claimwatch.settings import Settings; from claimwatch.store import Store; Store(Settings(db=sys.argv[1])).close()"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, str(db)], stderr=subprocess.PIPE, text=True, cwd=ROOT) for _ in range(4)]
    for p in procs:
        _out, stderr = p.communicate(timeout=120)
        assert p.returncode == 0, stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(head_revision(),)]
