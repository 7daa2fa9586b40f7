"""Shared fixtures: paths to ../shared data, temporary stores, a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import threading
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
