"""The watcher against real HTTP servers on 127.0.0.1: a feed that changes between polls, a webhook
receiver checking signatures, a failing and a hanging source, the Atom feeds, and kill -9."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from claimwatch.engine.pipeline import Pipeline
from claimwatch.engine.watch import Watcher, parse_every
from claimwatch.errors import InputError
from claimwatch.settings import Settings
from tests.conftest import run_cli, synthetic_article

ROOT = Path(__file__).resolve().parents[2]
CLAIM = "Iran's supreme leader approved military cooperation with the US"
SECRET = "s3cret"
REPORT = (
    "Iran's supreme leader has approved military cooperation with the US against Islamic State\n\n"
    "Ayatollah Ali Khamenei has approved military cooperation with the United States against Islamic State "
    "militants in Iraq, according to a report on Tuesday that cited sources in Tehran.\n\n"
    "The report said Khamenei gave his commander in Iraq the authority to coordinate with US forces. "
    "The sources said the approval was given last week after a meeting of the Supreme National Security Council.\n\n"
    "The decision marks a shift for the Islamic Republic, which has long rejected any cooperation with Washington."
)


class FeedSite:
    """A feed whose entries change between polls (ETag / 304), article pages, a webhook receiver, a failing feed."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str]] = []  # (title, path)
        self.pages: dict[str, tuple[str, bytes]] = {}
        self.hooks: list[tuple[dict[str, str], bytes]] = []
        self.fail_once: set[str] = set()  # pages that answer 503 the first time
        self.feed_requests = 0
        self.base = ""

    def etag(self) -> str:
        return '"' + hashlib.sha1(repr(self.entries).encode()).hexdigest()[:16] + '"'

    def rss(self) -> bytes:
        items = "".join(
            f"<item><title>{escape(t)}</title><link>{self.base}{p}</link><guid>{self.base}{p}</guid>"
            f"<pubDate>{format_datetime(datetime(2014, 9, 16, 9, tzinfo=UTC) + timedelta(hours=n))}</pubDate></item>"
            for n, (t, p) in enumerate(self.entries)
        )
        return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Test Wire</title>{items}</channel></rss>'.encode()


@pytest.fixture
def feed_site() -> Iterator[FeedSite]:
    site = FeedSite()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/feed.xml":
                site.feed_requests += 1
                if self.headers.get("If-None-Match") == site.etag():
                    self.send_response(304)
                    self.end_headers()
                    return
                self._send(200, "application/rss+xml", site.rss(), {"ETag": site.etag()})
            elif self.path == "/broken.xml":
                self._send(500, "text/plain", b"boom")
            elif self.path in site.fail_once:
                site.fail_once.discard(self.path)
                self._send(503, "text/plain", b"try later")
            elif self.path in site.pages:
                ctype, body = site.pages[self.path]
                self._send(200, ctype, body)
            else:
                self._send(404, "text/plain", b"not found")

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path != "/hook":
                self._send(404, "text/plain", b"no such hook")
                return
            site.hooks.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self._send(204, "text/plain", b"")

        def _send(self, status: int, ctype: str, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield site
    server.shutdown()
    server.server_close()


@pytest.fixture
def hanging_url() -> Iterator[str]:
    """A server that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                continue

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/hang.xml"
    stop.set()
    for c in held:
        c.close()
    sock.close()


def test_feed_changes_flip_the_status_once_with_one_signed_webhook_and_an_atom_entry(
    backend_settings: Settings, feed_site: FeedSite, hanging_url: str, csmonitor: Path
) -> None:
    settings = backend_settings.with_(fetch_deadline=3, fetch_timeout=2)  # on SQLite and on PostgreSQL
    feed_site.pages["/report.txt"] = ("text/plain; charset=utf-8", REPORT.encode())
    feed_site.pages["/csmonitor.txt"] = ("text/plain; charset=utf-8", csmonitor.read_bytes())
    feed_site.entries = [("Iran's leader said to approve military cooperation with US", "/report.txt")]
    with Pipeline(settings) as pipeline:
        claim, _created, _m = pipeline.add_claim(CLAIM)
        store = pipeline.store
        for url in (feed_site.base + "/feed.xml", feed_site.base + "/broken.xml", hanging_url):
            store.add_source(url, parse_every("10m"))
        store.add_alert(feed_site.base + "/hook", None, SECRET)
        watcher = Watcher(pipeline, discover=False)
        assert claim.id is not None

        # poll 1: a report only -> unverified, no event; the broken and hanging sources fail within their deadline
        start = time.monotonic()
        first = watcher.poll_once()
        assert time.monotonic() - start < settings.fetch_deadline + 60  # the analysis of one article included
        assert first.sources_polled == 3 and first.articles_new == 1 and not first.events
        failed = {f.origin: f.reason for f in first.failed}
        assert "HTTP 500" in failed[feed_site.base + "/broken.xml"]
        assert "timed out" in failed[hanging_url]
        from claimwatch.track.dossier import build_dossier

        assert build_dossier(store, claim.id).status == "unverified"
        states = {s.url: s for s in store.list_sources()}
        assert states[feed_site.base + "/broken.xml"].failures == 1 and states[feed_site.base + "/broken.xml"].last_error
        assert states[feed_site.base + "/feed.xml"].etag == feed_site.etag() and states[feed_site.base + "/feed.xml"].failures == 0
        # a failing source backs off: its next poll is later than a good source's
        assert states[feed_site.base + "/broken.xml"].next_poll >= states[feed_site.base + "/feed.xml"].next_poll  # type: ignore[operator]

        # poll 2: the CSMonitor article (reported, then denied) -> disputed, exactly one event, one signed POST
        feed_site.entries.append(("Iran's supreme leader said to approve military cooperation with US", "/csmonitor.txt"))
        later = datetime.now(UTC) + timedelta(minutes=11)
        second = watcher.poll_once(later)
        assert second.articles_new == 1 and second.claims_reevaluated == 1
        [event] = second.events
        assert (event.kind, event.from_, event.to) == ("status", "unverified", "disputed")
        assert event.articles and event.new_denials and event.reasons
        assert store.events(claim.id) == [event]
        assert len(feed_site.hooks) == 1, (second.deliveries, store.delivery_log())
        headers, body = feed_site.hooks[0]
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["x-claimwatch-signature"], expected)
        payload = json.loads(body)
        assert (payload["from"], payload["to"], payload["claim_id"]) == ("unverified", "disputed", claim.id)
        assert store.delivery_log()[0]["status"] == "delivered"

        # the Atom feeds and the dossier list the change
        from fastapi.testclient import TestClient

        from claimwatch.api.app import create_app

        with TestClient(create_app(settings)) as client:
            for path in ("/feeds/changes.atom", f"/claims/{claim.id}/changes.atom"):
                atom = client.get(path)
                assert atom.status_code == 200 and atom.headers["content-type"].startswith("application/atom+xml")
                assert atom.text.count("<entry>") == 1 and "unverified → disputed" in atom.text
            dossier = client.get(f"/api/claims/{claim.id}/dossier").json()
            assert [(h["from"], h["to"]) for h in dossier["history"]] == [("unverified", "disputed")]
            page = client.get(f"/claims/{claim.id}")
            assert 'id="history"' in page.text and "disputed" in page.text

        # poll 3: nothing new, the feed answers 304 -> nothing created, nothing delivered
        requests_before = feed_site.feed_requests
        third = watcher.poll_once(later + timedelta(minutes=11))
        assert feed_site.feed_requests == requests_before + 1
        assert third.not_modified == 1 and third.articles_new == 0 and not third.events
        assert len(store.events(claim.id)) == 1 and len(feed_site.hooks) == 1

    history = run_cli("claims", "history", str(claim.id), "--db", settings.db, "--json")
    [h] = json.loads(history.stdout)
    assert {"from", "to", "at", "reasons", "articles"} <= set(h) and (h["from"], h["to"]) == ("unverified", "disputed")


def test_intervals_and_bad_sources() -> None:
    assert [parse_every(x) for x in ("30s", "15m", "2h", "1d", "90")] == [30, 900, 7200, 86400, 90]
    for bad in ("soon", "5s", "", "m", "1e7d", "infd", "400d"):
        with pytest.raises(InputError):
            parse_every(bad)


def _watch_db(db: Path, url: str, n: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMWATCH_")} | {"CLAIMWATCH_ALLOW_PRIVATE_FETCH": "true"}
    return subprocess.Popen(
        [sys.executable, "-m", "claimwatch", "watch", "--once", "--db", str(db), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def _counts(db: Path) -> tuple[int, ...]:
    with sqlite3.connect(db) as conn:
        return tuple(
            conn.execute(sql).fetchone()[0]
            for sql in (
                "SELECT count(*) FROM articles",
                "SELECT count(DISTINCT content_hash) FROM articles",
                "SELECT count(*) FROM article_versions",
                "SELECT count(*) FROM stance_results",
                "SELECT count(*) FROM events",
                "SELECT count(*) FROM articles WHERE analysed_version IS NULL",
            )
        )


@pytest.mark.slow
def test_kill_9_mid_batch_then_restart_loses_and_duplicates_nothing(tmp_path: Path, feed_site: FeedSite) -> None:
    n = 40
    for i in range(n):
        feed_site.pages[f"/a{i}.txt"] = ("text/plain; charset=utf-8", synthetic_article(i).encode())
    feed_site.entries = [(f"Report {i}", f"/a{i}.txt") for i in range(n)]
    url = feed_site.base + "/feed.xml"
    dbs = {name: tmp_path / f"{name}.db" for name in ("reference", "crashed")}
    for db in dbs.values():
        with Pipeline(Settings(db=str(db))) as p:
            p.add_claim("Officials will review the council budget plan", match=False)
            p.store.add_source(url, 600)
    ref = _watch_db(dbs["reference"], url, n)
    out, err = ref.communicate(timeout=600)
    assert ref.returncode == 0, err
    expected = _counts(dbs["reference"])
    assert expected[0] == n and expected[5] == 0, out

    crashed = _watch_db(dbs["crashed"], url, n)
    deadline = time.monotonic() + 300
    killed = False
    while crashed.poll() is None and time.monotonic() < deadline:
        try:
            with sqlite3.connect(f"file:{dbs['crashed']}?mode=ro", uri=True, timeout=5) as conn:
                analysed = conn.execute("SELECT count(*) FROM articles WHERE analysed_version IS NOT NULL").fetchone()[0]
        except sqlite3.OperationalError:
            analysed = 0
        if 0 < analysed < n:
            os.kill(crashed.pid, signal.SIGKILL)
            killed = True
            break
        time.sleep(0.02)
    crashed.communicate(timeout=60)
    assert killed, "the watcher finished before it could be interrupted"
    with sqlite3.connect(dbs["crashed"]) as conn:  # the source was not marked polled: the restart refetches it
        assert conn.execute("SELECT etag FROM sources").fetchone()[0] is None
    again = _watch_db(dbs["crashed"], url, n)
    _out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    assert _counts(dbs["crashed"]) == expected


def _cw(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env={"CLAIMWATCH_ALLOW_PRIVATE_FETCH": "true"})


def test_sources_and_alerts_commands_with_json(tmp_path: Path, feed_site: FeedSite) -> None:
    db = str(tmp_path / "s.db")
    opml = tmp_path / "feeds.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>mine</title></head><body>'
        f'<outline text="Wire" title="Test Wire" type="rss" xmlUrl="{feed_site.base}/feed.xml"/>'
        '<outline text="folder"><outline text="Other" xmlUrl="https://example.org/rss"/></outline>'
        '<outline text="not a feed" xmlUrl="javascript:alert(1)"/></body></opml>',
        "utf-8",
    )
    imported = json.loads(_cw("sources", "import", str(opml), "--db", db, "--json", "--every", "1h").stdout)
    assert [(s["url"], s["name"], s["every"]) for s in imported] == [
        (f"{feed_site.base}/feed.xml", "Test Wire", 3600),
        ("https://example.org/rss", "Other", 3600),
    ]
    again = json.loads(_cw("sources", "add", f"{feed_site.base}/feed.xml", "--every", "15m", "--db", db, "--json").stdout)
    assert again["created"] is False and again["every"] == 900
    bad = _cw("sources", "add", "ftp://example.org/x", "--db", db)
    assert bad.returncode == 1 and "not an http(s) URL or an existing file" in bad.stderr
    listed = json.loads(_cw("sources", "list", "--db", db, "--json").stdout)
    assert len(listed) == 2 and {"last_success", "last_error", "failures", "next_poll", "etag"} <= set(listed[0])
    assert json.loads(_cw("sources", "remove", str(listed[1]["id"]), "--db", db, "--json").stdout)["removed"] is True
    missing = _cw("alerts", "add", "--webhook", f"{feed_site.base}/hook", "--db", db)
    assert missing.returncode == 1 and "exactly one of --claim ID or --all" in missing.stderr
    alert = json.loads(_cw("alerts", "add", "--all", "--webhook", f"{feed_site.base}/hook", "--secret", "x", "--db", db, "--json").stdout)
    assert alert["signed"] is True and alert["claim_id"] is None
    assert [a["id"] for a in json.loads(_cw("alerts", "list", "--db", db, "--json").stdout)] == [alert["id"]]
    assert json.loads(_cw("alerts", "log", "--db", db, "--json").stdout) == []


def test_failed_deliveries_are_retried_with_backoff_and_logged(tmp_path: Path, feed_site: FeedSite) -> None:
    settings = Settings(db=str(tmp_path / "d.db"), allow_private_fetch=True)
    with Pipeline(settings) as pipeline:
        claim, _c, _m = pipeline.add_claim("Officials will review the council budget plan", match=False)
        assert claim.id is not None
        pipeline.store.add_alert(feed_site.base + "/missing-hook-404", claim.id, None)
        from claimwatch.records import Event

        event = Event(claim_id=claim.id, kind="status", from_="unverified", to="denied")
        pipeline.store.record_state(claim.id, "denied", ["The minister"], [], datetime.now(UTC), lambda _previous: event)
        watcher = Watcher(pipeline, discover=False)
        now = datetime.now(UTC) + timedelta(seconds=1)
        assert watcher.deliver(now) == {"delivered": 0, "retry": 1, "failed": 0}
        [entry] = pipeline.store.delivery_log()
        assert entry["status"] == "pending" and entry["attempts"] == 1 and "HTTP" in str(entry["last_error"])
        assert watcher.deliver(now) == {"delivered": 0, "retry": 0, "failed": 0}  # not due again yet: backoff
        assert datetime.fromisoformat(str(entry["next_try"])) > now + timedelta(seconds=20)


def test_watch_loop_exits_0_on_sigterm_and_prints_one_json_object_per_cycle(tmp_path: Path, feed_site: FeedSite) -> None:
    feed_site.pages["/a.txt"] = ("text/plain; charset=utf-8", synthetic_article(1).encode())
    feed_site.entries = [("Report 1", "/a.txt")]
    db = str(tmp_path / "loop.db")
    assert _cw("sources", "add", f"{feed_site.base}/feed.xml", "--db", db).returncode == 0
    base = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMWATCH_")} | {"CLAIMWATCH_ALLOW_PRIVATE_FETCH": "true"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "claimwatch", "watch", "--db", db, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=base,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        first = json.loads(proc.stdout.readline())  # blocks until the first cycle is reported
        assert first["sources_polled"] == 1 and first["articles_new"] == 1
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_watch_proposes_new_claims_and_adds_them_only_with_auto_add(tmp_path: Path, feed_site: FeedSite) -> None:
    story = "The city of Springfield will close its main bridge for repairs for six months starting in March, officials said."
    for i, outlet in enumerate(("Herald", "Courier", "Gazette")):
        text = (
            f"{story} The {outlet} reported that drivers will face long detours. Engineers found cracks in {i + 2} support beams last year."
        )
        feed_site.pages[f"/b{i}.txt"] = ("text/plain; charset=utf-8", text.encode())
    feed_site.entries = [
        (f"Springfield to close main bridge for six months ({o})", f"/b{i}.txt") for i, o in enumerate(("Herald", "Courier", "Gazette"))
    ]
    db = str(tmp_path / "p.db")
    assert _cw("sources", "add", f"{feed_site.base}/feed.xml", "--db", db).returncode == 0
    report = json.loads(_cw("watch", "--once", "--db", db, "--json").stdout)
    assert report["proposed_claims"] and report["added_claims"] == []
    assert json.loads(_cw("claims", "list", "--db", db, "--json").stdout)["total"] == 0
    db2 = str(tmp_path / "p2.db")
    assert _cw("sources", "add", f"{feed_site.base}/feed.xml", "--db", db2).returncode == 0
    added = json.loads(_cw("watch", "--once", "--auto-add", "--db", db2, "--json").stdout)
    listed = json.loads(_cw("claims", "list", "--db", db2, "--json").stdout)
    assert added["added_claims"] and sorted(c["id"] for c in listed["claims"]) == sorted(added["added_claims"])


def test_serve_with_watch_runs_the_watcher_in_the_server_process(tmp_path: Path, feed_site: FeedSite) -> None:
    from fastapi.testclient import TestClient

    from claimwatch.api.app import create_app

    feed_site.pages["/a.txt"] = ("text/plain; charset=utf-8", synthetic_article(7).encode())
    feed_site.entries = [("Report 7", "/a.txt")]
    settings = Settings(db=str(tmp_path / "sw.db"), allow_private_fetch=True)
    with Pipeline(settings) as p:
        p.store.add_source(feed_site.base + "/feed.xml", 600)
    with TestClient(create_app(settings, watch=True)) as client:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not client.get("/api/articles").json():
            time.sleep(0.5)
        [article] = client.get("/api/articles").json()
        assert article["title"] == "Report 7"
    with Pipeline(settings) as p:
        [source] = p.store.list_sources()
        assert source.last_success is not None and source.etag


def test_a_related_article_turning_unrelated_and_a_concurrent_change_are_not_lost(tmp_path: Path) -> None:
    """The watermark is the newest change the evaluation saw: a stance dropping to unrelated, or one saved
    while a dossier was being built, is evaluated by the next cycle; a second evaluation records nothing."""
    from claimwatch.records import Article, Evidence, StanceResult
    from claimwatch.track.history import evaluate

    settings = Settings(db=str(tmp_path / "h.db"))
    with Pipeline(settings) as p:
        store = p.store
        [aid] = store.add_articles([Article(text=synthetic_article(3), origin="t")]).ingested
        claim = store.add_claim("Officials will review the council budget plan")
        assert claim.id is not None

        def score(label: str) -> None:
            probs = {label: 0.9} if label != "unrelated" else {}
            store.save_stances(
                [
                    StanceResult(
                        label=label,
                        probabilities=probs,
                        evidence=[Evidence(text="x", score=0.9)],
                        claim_id=claim.id,
                        article_id=aid,
                        model_version="t",
                    )
                ]
            )  # type: ignore[arg-type]

        score("disagree")
        pending = store.claims_to_evaluate()
        [event] = evaluate(store, pending)
        assert (event.from_, event.to) == ("unverified", "denied")
        assert evaluate(store, pending) == []  # the same change evaluated twice (two watchers): recorded once
        assert store.claims_to_evaluate() == {}
        score("unrelated")  # the article was edited and no longer disagrees
        pending = store.claims_to_evaluate()
        assert list(pending) == [claim.id]
        [back] = evaluate(store, pending)
        assert (back.from_, back.to) == ("denied", "unverified")
        score("unrelated")  # re-scored unrelated again: nothing changed, nothing to evaluate
        assert store.claims_to_evaluate() == {}


def test_an_entry_whose_page_failed_is_fetched_again_next_poll(tmp_path: Path, feed_site: FeedSite) -> None:
    feed_site.pages["/a.txt"] = ("text/plain; charset=utf-8", synthetic_article(11).encode())
    feed_site.pages["/b.txt"] = ("text/plain; charset=utf-8", synthetic_article(12).encode())
    feed_site.fail_once.add("/b.txt")
    feed_site.entries = [("A", "/a.txt"), ("B", "/b.txt")]
    settings = Settings(db=str(tmp_path / "f.db"), allow_private_fetch=True)
    with Pipeline(settings) as p:
        p.store.add_source(feed_site.base + "/feed.xml", 600)
        watcher = Watcher(p, discover=False)
        first = watcher.poll_once()
        assert first.articles_new == 1 and "HTTP 503" in first.failed[0].reason
        assert p.store.list_sources()[0].etag is None  # not kept: the feed must not answer 304 next time
        second = watcher.poll_once(datetime.now(UTC) + timedelta(minutes=11))
        assert second.not_modified == 0 and second.articles_new == 1 and not second.failed
        assert p.store.list_sources()[0].etag == feed_site.etag()
        assert p.store.count_articles() == 2


def test_a_webhook_that_drips_is_cut_at_the_fetch_deadline(tmp_path: Path) -> None:
    """A slow or hostile receiver cannot hold the watcher: the whole POST is bounded by the fetch deadline."""
    from claimwatch.records import Event

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    stop = threading.Event()

    def drip() -> None:
        conn, _ = sock.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        while not stop.is_set():
            try:
                conn.sendall(b"x")
            except OSError:
                break
            time.sleep(0.5)
        conn.close()

    threading.Thread(target=drip, daemon=True).start()
    settings = Settings(db=str(tmp_path / "w.db"), allow_private_fetch=True, fetch_deadline=2, fetch_timeout=2)
    with Pipeline(settings) as p:
        claim = p.store.add_claim("Officials will review the council budget plan")
        assert claim.id is not None
        p.store.add_alert(f"http://127.0.0.1:{sock.getsockname()[1]}/hook", None, None)
        event = Event(claim_id=claim.id, kind="status", from_="unverified", to="denied")
        p.store.record_state(claim.id, "denied", [], [], datetime.now(UTC), lambda _previous: event)
        start = time.monotonic()
        counts = Watcher(p, discover=False).deliver(datetime.now(UTC) + timedelta(seconds=1))
        elapsed = time.monotonic() - start
    stop.set()
    sock.close()
    assert elapsed < 2 + 1.5
    assert counts["delivered"] == 1  # 200 came back in time; the dripping body is never read
