"""Headless Chromium (Debian's, driven by Playwright) opens the demo's dossier page on a real server."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from claimwatch.settings import Settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _browser_or_skip() -> None:
    """Skip on a developer machine without Chromium; in CI (.ci/run installs it) a missing browser fails."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing = "the playwright package"
    else:
        missing = "" if Path(CHROMIUM).exists() else "Debian's chromium (/usr/bin/chromium)"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{missing} is not installed; .ci/run installs it")
        pytest.skip(f"{missing} is not installed (apt-get install chromium; pip install playwright)")


@pytest.fixture
def server(demo_copy: Path) -> Iterator[str]:
    """`claimwatch serve` on an ephemeral 127.0.0.1 port, in a thread."""
    import uvicorn

    from claimwatch.api.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(Settings(db=str(demo_copy))), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline:
            pytest.fail("the server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


def test_dossier_page_shows_chart_status_and_highlighted_evidence(server: str, tmp_path: Path) -> None:
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        page.goto(f"{server}/")
        page.click("text=Iran's supreme leader approved military cooperation with the US")
        page.wait_for_url(f"{server}/claims/5")
        assert page.inner_text("#status").strip().lower() == "disputed"
        assert "A source close to Mr. Khamenei" in page.inner_text("#reasons")
        # the chart: one visible bar for the one (undated) discussing article
        bars = page.locator("#stance-chart rect.bar")
        assert bars.count() == 1 and bars.first.is_visible()
        box = bars.first.bounding_box()
        assert box is not None and box["height"] > 50
        assert page.locator("#stance-chart rect.bar-discuss").count() == 1
        # evidence highlighted in the article text, denial highlighted with its source
        page.click("#entry-21 summary")
        evidence = page.locator("#entry-21 .articletext .evidence")
        assert evidence.count() >= 3 and evidence.first.is_visible()
        highlighted = "".join(evidence.all_inner_texts())  # segments of a sentence are cut at attribution spans
        assert "is said to have approved military cooperation" in highlighted and "quickly denied that report" in highlighted
        colour = evidence.first.evaluate("e => getComputedStyle(e).backgroundColor")
        assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
        assert page.locator("#sources tr.source-denied").count() == 2
        page.screenshot(path=str(os.environ.get("CLAIMWATCH_SCREENSHOT") or tmp_path / "dossier.png"), full_page=True)
        browser.close()
    assert Path(os.environ.get("CLAIMWATCH_SCREENSHOT") or tmp_path / "dossier.png").stat().st_size > 10_000


def test_javascript_urls_are_never_links_and_the_pages_break_no_csp_rule(server: str, demo_copy: Path) -> None:
    _browser_or_skip()
    import sqlite3

    from playwright.sync_api import sync_playwright

    with sqlite3.connect(demo_copy) as con:  # article 21 is in claim 5's dossier
        con.execute("UPDATE articles SET url = 'javascript:alert(document.domain)//' WHERE id = 21")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        page = browser.new_page()
        violations: list[str] = []
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for path in ("/articles/21", "/claims/5", "/"):
            page.goto(f"{server}{path}")
            assert page.locator('a[href^="javascript:" i]').count() == 0
            assert page.locator('a[href^="data:" i]').count() == 0
        page.goto(f"{server}/articles/21")
        assert "javascript:alert(document.domain)//" in page.inner_text("span.url")
        # the stylesheet from /static applies under the CSP (no inline style is needed)
        colour = page.locator(".attr-source").first.evaluate("e => getComputedStyle(e).backgroundColor")
        assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
        browser.close()
    assert not violations and not dialogs
