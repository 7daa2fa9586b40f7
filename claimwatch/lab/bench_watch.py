"""`claimwatch bench watch`: the time of poll cycles over many local feeds.

A threaded HTTP server on 127.0.0.1 serves F RSS feeds of E entries each (with ETags, answering 304
when unchanged); each entry links to a page holding one FNC-1 body. With K FNC-1 headlines tracked,
cycle 1 fetches every feed and page and runs the whole pipeline on F x E new articles; cycle 2 finds
every feed unchanged (304). Private-address fetching is allowed for this run only (the server is local).
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from claimwatch.lab.bench_pipeline import _fnc, corpus
from claimwatch.settings import Settings


def _server(feeds: int, entries: int, texts: list[str]) -> tuple[ThreadingHTTPServer, str]:
    pages = {f"/a/{i}.txt": t.encode("utf-8") for i, t in enumerate(texts)}
    holder: dict[str, str] = {}

    def rss(f: int) -> bytes:
        base = holder["base"]
        items = "".join(
            f"<item><title>Story {f * entries + e}</title><link>{base}/a/{f * entries + e}.txt</link></item>" for e in range(entries)
        )
        return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {f}</title>{items}</channel></rss>'.encode()

    feeds_xml = {f"/feed/{f}.xml": rss for f in range(feeds)}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            if self.path in feeds_xml:
                body = rss(int(self.path.split("/")[-1].split(".")[0]))
                etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self._send(body, "application/rss+xml", etag)
            elif self.path in pages:
                self._send(pages[self.path], "text/plain; charset=utf-8", None)
            else:
                self.send_response(404)
                self.end_headers()

        def _send(self, body: bytes, ctype: str, etag: str | None) -> None:
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder["base"] = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, holder["base"]


def bench_watch(bodies_csv: Path, stances_csv: Path, feeds: int = 50, entries: int = 20, claims: int = 10) -> dict[str, Any]:
    """Seconds of the first cycle (everything new) and of the second (everything unchanged)."""
    from claimwatch.engine.pipeline import Pipeline
    from claimwatch.engine.watch import Watcher

    bodies, headlines = _fnc(bodies_csv, stances_csv)
    texts = corpus(bodies, feeds * entries)
    server, base = _server(feeds, entries, texts)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings.from_env(db=str(Path(tmp) / "watch.db"), allow_private_fetch=True)
            with Pipeline(settings) as pipeline:
                pipeline.add_claims(headlines[:claims], origin="bench", match=False)
                pipeline.model()
                for f in range(feeds):
                    pipeline.store.add_source(f"{base}/feed/{f}.xml", 600)
                watcher = Watcher(pipeline, discover=False)
                first = watcher.poll_once()
                second = watcher.poll_once(datetime.now(UTC) + timedelta(minutes=11))
    finally:
        server.shutdown()
        server.server_close()
    return {
        "feeds": feeds,
        "entries_per_feed": entries,
        "claims": claims,
        "first_cycle": {
            "seconds": first.seconds,
            "sources_polled": first.sources_polled,
            "articles_new": first.articles_new,
            "failed": len(first.failed),
            "claims_reevaluated": first.claims_reevaluated,
            "events": len(first.events),
            "articles_per_s": round(first.articles_new / first.seconds, 2) if first.seconds else None,
        },
        "second_cycle": {"seconds": second.seconds, "sources_polled": second.sources_polled, "not_modified": second.not_modified},
    }
