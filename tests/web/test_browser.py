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


TOKEN = "browser-token-123"


@pytest.fixture
def writable_server(demo_copy: Path) -> Iterator[str]:
    """A server with writing on and a ClaimReview publisher configured."""
    from claimwatch.api.app import create_app
    from tests.api.server import serving

    settings = Settings(db=str(demo_copy), api_token=TOKEN, base_url="https://checks.example.org", org_name="Example Checks")
    with serving(create_app(settings)) as base:
        yield base


def _shoot(page: object, name: str) -> None:
    """Save a full-page screenshot under CLAIMWATCH_SCREENSHOT_DIR when it is set."""
    folder = os.environ.get("CLAIMWATCH_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)  # type: ignore[attr-defined]


def test_review_in_the_browser_filters_pages_and_docs_offline(writable_server: str, tmp_path: Path) -> None:
    """Filter the claims list, page a dossier, record a review with a stance correction through the form (the
    browser submits it, follows the 303), see the verdict and the audit trail; /docs loads nothing from
    elsewhere. No console error and no CSP violation on any page."""
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    server = writable_server
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        problems: list[str] = []
        page.on(
            "console",
            lambda m: problems.append(f"{page.url}: {m.text}") if m.type == "error" or "Content Security Policy" in m.text else None,
        )
        page.on("pageerror", lambda e: problems.append(f"{page.url}: {e}"))
        elsewhere: list[str] = []
        page.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.startswith(server) else (elsewhere.append(route.request.url), route.abort())
            ),
        )

        # the claims list, filtered by status with the form
        page.goto(f"{server}/")
        page.select_option("#filters select[name=status]", "disputed")
        page.click("#filters button[type=submit]")
        page.wait_for_url("**/?*status=disputed*")
        statuses = page.locator("#claims .status").all_inner_texts()
        assert statuses and {s.strip().lower() for s in statuses} == {"disputed"}
        assert "matching the filters" in page.inner_text("#count")
        _shoot(page, "claims-filtered.png")

        # a dossier, two articles a page: the second page
        page.goto(f"{server}/claims/3?limit=2")
        page.click(".pager a.next >> nth=0")
        page.wait_for_url("**/claims/3?offset=2&limit=2")
        assert page.locator(".entry").count() == 2
        first = page.locator(".entry").first
        article = int((first.get_attribute("id") or "entry-0").removeprefix("entry-"))
        machine = first.locator(".stance").first.inner_text().strip()
        corrected = "disagree" if machine != "disagree" else "agree"
        # the review form: verdict, note, name, token, and the stance select of that article (outside the form)
        page.select_option(f"select[name=stance-{article}]", corrected)
        page.select_option("#review-form select[name=verdict]", "mostly-false")
        page.fill("#review-form textarea[name=note]", "The doctor's account was retracted; <b>not</b> a real case.")
        page.fill("#review-form input[name=by]", "Ana Reviewer")
        page.fill("#review-form input[name=token]", TOKEN)
        page.click("#review-form button[type=submit]")
        page.wait_for_url("**/claims/3?offset=2&limit=2&done=review#audit")
        assert "Review recorded" in page.inner_text("#notice")
        assert "Mostly false" in page.inner_text("#verdict") and "Ana Reviewer" in page.inner_text("#verdict")
        assert page.inner_text("#status").strip().lower() in ("unverified", "disputed", "confirmed", "denied")
        rows = page.locator("#audit-trail tr")
        assert rows.count() == 3  # header, verdict, stance
        trail = page.inner_text("#audit-trail")
        assert "Ana Reviewer" in trail and f"#{article}: {machine} → {corrected}" in trail and "Mostly false" in trail
        assert f"model: {machine} → reviewer: {corrected} by Ana Reviewer" in page.inner_text(f"#entry-{article}")
        assert page.locator('script[type="application/ld+json"]').count() == 1
        assert page.locator("script:not([type='application/ld+json'])").count() == 0
        _shoot(page, "dossier-review.png")

        # a wrong token: an HTML error page, nothing recorded
        page.fill("#review-form input[name=by]", "Mallory")
        page.fill("#review-form input[name=token]", "guess")
        page.select_option("#review-form select[name=verdict]", "true")
        page.click("#review-form button[type=submit]")
        assert "403" in page.inner_text("#error-status") and "wrong API token" in page.inner_text("#error-message")
        problems[:] = [m for m in problems if "403" not in m]  # the browser logs the 403 response itself

        # the other pages break no CSP rule either
        for path in ("/outlets", "/search?q=Bale", "/articles/13", "/?verdict=mostly-false"):
            page.goto(f"{server}{path}")
            assert page.locator("h1").count() == 1
        assert page.locator("#claims tr").count() == 2  # header and claim 3, the one reviewed

        # the API docs render from this server alone
        page.goto(f"{server}/docs")
        page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
        page.wait_for_selector('.opblock-summary-path[data-path="/api/claims/{claim_id}/reviews"]', timeout=20_000)
        assert "claimwatch" in page.inner_text(".swagger-ui .info .title")
        _shoot(page, "docs-offline.png")
        browser.close()
    assert not problems, problems
    assert not elsewhere, elsewhere
