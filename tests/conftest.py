"""Shared fixtures: paths to ../shared data, temporary stores, a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from claimwatch.settings import Settings
from claimwatch.store import Store

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
CSMONITOR = SHARED / "articles" / "csmonitor-2014-iran-us-military-cooperation.txt"
FNC_BODIES = SHARED / "fnc1" / "train_bodies.csv"
FNC_STANCES = SHARED / "fnc1" / "train_stances.csv"


def need(path: Path) -> Path:
    """Skip the test cleanly when the shared data is not beside the checkout."""
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


@pytest.fixture
def csmonitor() -> Path:
    return need(CSMONITOR)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Tests serve pages from 127.0.0.1, which the fetch guard refuses unless allowed.
    return Settings(db=str(tmp_path / "test.db"), allow_private_fetch=True)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    with Store(settings) as s:
        yield s


class Site:
    """Pages served by the test HTTP server: path -> (status, content type, body)."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, str, bytes]] = {}
        self.base = ""

    def add(self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8", status: int = 200) -> str:
        self.pages[path] = (status, content_type, body.encode("utf-8") if isinstance(body, str) else body)
        return self.base + path


@pytest.fixture
def site() -> Iterator[Site]:
    """A real HTTP server on an ephemeral 127.0.0.1 port."""
    pages = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            status, ctype, body = pages.pages.get(self.path, (404, "text/plain", b"not found"))
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    pages.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield pages
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database built once by the real demo pipeline (ingest, analyse, claims, match). Copy it before writing."""
    from claimwatch.demo.run import run_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    run_demo(Settings(db=str(path)))
    return path


@pytest.fixture
def demo_copy(demo_db: Path, tmp_path: Path) -> Path:
    """A private copy of the demo database, safe to write to."""
    import sqlite3

    target = tmp_path / "demo.db"
    with sqlite3.connect(demo_db) as src, sqlite3.connect(target) as dst:
        src.backup(dst)  # consistent copy even with the WAL file beside it
    return target


# -- PostgreSQL ------------------------------------------------------------------------------
# `.ci/run` starts Debian's PostgreSQL and sets CW_TEST_POSTGRES_URL (a role allowed to create
# databases). Elsewhere the PostgreSQL variants skip, except in CI where a missing server fails.
POSTGRES_URL = os.environ.get("CW_TEST_POSTGRES_URL", "")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test (dropped afterwards)."""
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("CW_TEST_POSTGRES_URL is not set: .ci/run starts PostgreSQL for these tests")
        pytest.skip("PostgreSQL not configured (set CW_TEST_POSTGRES_URL)")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"cw_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings on a fresh database of each backend: the store, pipeline and API tests run on both."""
    if request.param == "sqlite":
        return Settings(db=str(tmp_path / "test.db"), allow_private_fetch=True)
    # the vector index of a PostgreSQL store lives in a directory: keep it in the test's own folder
    return Settings(db=request.getfixturevalue("postgres_url"), allow_private_fetch=True, vector_index=str(tmp_path / "index"))


TOPICS = ("council budget", "river flood", "rail strike", "school funding", "harbour bridge", "wildfire season", "museum theft")


def synthetic_article(n: int) -> str:
    """A distinct English news-like article per n (no two are near-duplicates), with attributions."""
    topic = TOPICS[n % len(TOPICS)]
    return (
        f"Report {n}: officials in district {n * 7919 % 1000} said on Tuesday that the {topic} plan number {n} would be reviewed. "
        f"The regional minister told reporters that {n * 31} residents had written to the office about the {topic}. "
        f"Critics argued that the cost, put at {n * 1013} thousand dollars, was far higher than first estimated in item {n}. "
        f"A spokesperson for the opposition denied that the review, the {n}th this year, would be published in full."
    )


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """Run `python -m claimwatch ARGS` as a real process, without the caller's CLAIMWATCH_* settings (plus `env`)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMWATCH_")}
    return subprocess.run(
        [sys.executable, "-m", "claimwatch", *args], capture_output=True, text=True, env=clean | (env or {}), cwd=ROOT, timeout=timeout
    )
