"""Hostile requests against the real app over a copy of the demo database.

In process (httpx on the ASGI app): bad and non-ASCII tokens, ids and offsets out of range, blank
claims, malformed JSON and wrong content types, path-traversal-like ids, HEAD on every GET route,
security headers on every kind of response, HTML error pages, javascript: article URLs.
On a real uvicorn server on 127.0.0.1 (what depends on the server): 300 MB uploads refused before
they are read, and slow writers (ingests of a URL that drips bytes) that must not starve readers.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import re
import socketserver
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from claimwatch.api.app import create_app
from claimwatch.settings import Settings
from tests.api.server import serving

TOKEN = "reliability-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MAX_ID = 2**63 - 1
MiB = 1024 * 1024
SECURITY = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
IRAN = (
    "Iran's foreign ministry on Wednesday denied that Ayatollah Ali Khamenei had approved military cooperation with the "
    'United States. "There is no such cooperation," spokeswoman Marzieh Afkham told reporters in Tehran.'
)


def call(app: Any, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request to the ASGI app in process; app exceptions become its 500 response, as on a server."""

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            return await c.request(method, path, **kwargs)

    return asyncio.run(go())


@pytest.fixture
def app(demo_copy: Path) -> FastAPI:
    return create_app(Settings(db=str(demo_copy), api_token=TOKEN, api_max_body_bytes=1 * MiB))


def json_error(r: httpx.Response, status: int, code: str | None = None) -> str:
    assert r.status_code == status, r.text[:500]
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"} and body["error"]["status"] == status
    if code:
        assert body["error"]["code"] == code, body
    return str(body["error"]["message"])


def html_error(r: httpx.Response, status: int) -> str:
    assert r.status_code == status, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    assert f'<h1 id="error-status">{status} ' in r.text
    match = re.search(r'<p id="error-message">(.*?)</p>', r.text, re.S)
    assert match
    return match.group(1)


def assert_security_headers(r: httpx.Response) -> None:
    for name, value in SECURITY.items():
        assert r.headers.get(name) == value, (r.request.method, r.request.url, name, r.headers.get(name))
    csp = r.headers.get("content-security-policy", "")
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, csp


# -- bearer tokens -------------------------------------------------------------------------------

BAD_AUTHORIZATION: list[bytes] = [
    b"",
    b"Bearer",
    b"Bearer ",
    b"Basic " + base64.b64encode(f"user:{TOKEN}".encode()),
    b"Bearer wrong",
    f"Bearer {TOKEN}x".encode(),
    f"Bearer {TOKEN[:-1]}".encode(),
    "Bearer tökén".encode(),  # UTF-8 bytes: hmac.compare_digest on str raised TypeError (500)
    "Bearer tökén".encode("latin-1"),
    f"Bearer {TOKEN}é".encode(),
    b"Bearer \xff\xfe\x00\x80",
    b"Bearer " + b"A" * 8000,
    f"Token {TOKEN}".encode(),
]


@pytest.mark.parametrize("value", BAD_AUTHORIZATION, ids=range(len(BAD_AUTHORIZATION)))
@pytest.mark.parametrize("path", ["/api/claims", "/api/ingest"])
def test_bad_and_non_ascii_tokens_are_401_never_500(app: FastAPI, path: str, value: bytes) -> None:
    body = {"text": "A meteorite hit Managua"} if path == "/api/claims" else {"articles": []}
    r = call(app, "POST", path, json=body, headers={"Authorization": value})
    assert json_error(r, 401, "unauthorized") == "missing or wrong bearer token"
    assert r.headers["www-authenticate"] == "Bearer"


def test_the_right_token_in_any_scheme_case_passes_and_a_non_ascii_token_works(demo_copy: Path) -> None:
    app = create_app(Settings(db=str(demo_copy), api_token=TOKEN))
    for value in (f"Bearer {TOKEN}", f"bearer {TOKEN}", f"BEARER   {TOKEN}  "):
        assert call(app, "POST", "/api/ingest", json={}, headers={"Authorization": value}).status_code == 200
    utf8 = create_app(Settings(db=str(demo_copy), api_token="tökén-123"))
    assert call(utf8, "POST", "/api/ingest", json={}, headers={"Authorization": "Bearer tökén-123".encode()}).status_code == 200
    # the same characters as latin-1 bytes are other bytes: refused
    r = call(utf8, "POST", "/api/ingest", json={}, headers={"Authorization": "Bearer tökén-123".encode("latin-1")})
    json_error(r, 401, "unauthorized")


def test_writes_without_a_configured_token_are_403_whatever_is_sent(demo_copy: Path) -> None:
    closed = create_app(Settings(db=str(demo_copy), api_token=""))
    for value in (b"", b"Bearer ", "Bearer tökén".encode()):
        r = call(closed, "POST", "/api/claims", json={"text": "Something happened"}, headers={"Authorization": value})
        assert "CLAIMWATCH_API_TOKEN" in json_error(r, 403, "forbidden")


# -- ids and offsets -----------------------------------------------------------------------------

ID_PATHS = [
    "/api/claims/{}",
    "/api/claims/{}/dossier",
    "/api/articles/{}",
    "/claims/{}",
    "/articles/{}",
]
OUT_OF_RANGE = [str(2**63), str(2**64), str(10**30), "9" * 5000, "0", "-1", str(-(2**63)), str(-(2**64))]
NOT_INTS = ["abc", "1e3", "0x10", "1.5", "%20", "1%00", "１", "٣", "1 2", "--1", "1-"]


@pytest.mark.parametrize("template", ID_PATHS)
def test_ids_out_of_range_are_422_and_the_largest_is_404(app: FastAPI, template: str) -> None:
    page = not template.startswith("/api/")
    for value in OUT_OF_RANGE + NOT_INTS:
        r = call(app, "GET", template.format(value))
        if page:
            html_error(r, 422)
        else:
            json_error(r, 422, "invalid_request")
    r = call(app, "GET", template.format(MAX_ID))
    message = html_error(r, 404) if page else json_error(r, 404, "not_found")
    assert str(MAX_ID) in message
    for lax in ("1_000", "+1000", "01000", "1000.0"):  # pydantic's lax integers: the same id, not found
        r = call(app, "GET", template.format(lax))
        assert r.status_code == 404 and "1000" in (html_error(r, 404) if page else json_error(r, 404, "not_found"))


def test_offsets_and_limits_are_bounded(app: FastAPI) -> None:
    for params in (
        {"offset": 2**63},
        {"offset": 2**64},
        {"offset": -1},
        {"offset": "9" * 5000},
        {"limit": 0},
        {"limit": 501},
        {"limit": 2**63},
        {"limit": -(2**63)},
        {"outlet": "x" * 301},
    ):
        json_error(call(app, "GET", "/api/articles", params=params), 422, "invalid_request")
    r = call(app, "GET", "/api/articles", params={"offset": MAX_ID, "limit": 500})
    assert r.status_code == 200 and r.json() == []
    for params in ({"q": "Iran", "limit": 2**63}, {"q": "Iran", "limit": 0}, {"q": "x"}, {"q": "x" * 301}):
        json_error(call(app, "GET", "/api/search", params=params), 422, "invalid_request")


def test_path_traversal_like_ids_never_reach_anything(app: FastAPI) -> None:
    for path in (
        "/api/articles/..%2F..%2Fetc%2Fpasswd",
        "/api/articles/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/api/articles/1%2F..%2F2",
        "/api/articles/1;select",
        "/api/claims/1%20OR%201=1",
        "/articles/..%5C..%5Cwindows",
        "/claims/%00",
        "/static/..%2Fapp.py",
        "/static/claimwatch.css%00.py",
    ):
        r = call(app, "GET", path)
        assert r.status_code in (404, 422), (path, r.status_code)
        assert "root:" not in r.text and "import" not in r.text
        assert_security_headers(r)


# -- bodies --------------------------------------------------------------------------------------


def test_malformed_json_and_wrong_content_types_are_4xx(app: FastAPI) -> None:
    bodies: list[tuple[bytes, str]] = [
        (b'{"text": "unterminated', "application/json"),
        (b"\xff\xfe{not json", "application/json"),
        (b"null", "application/json"),
        (b"[]", "application/json"),
        (b"12", "application/json"),
        (b'"a string"', "application/json"),
        (b'{"text": null}', "application/json"),
        (b'{"text": 12345}', "application/json"),
        (b'{"text": ["a", "b", "c"]}', "application/json"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),  # nesting past the recursion limit
        (b'{"text": "A meteorite hit Managua"}', "text/plain"),
        (b"text=A+meteorite+hit+Managua", "application/x-www-form-urlencoded"),
        (b"--x\r\nContent-Disposition: form-data; name=text\r\n\r\nA meteorite\r\n--x--\r\n", "multipart/form-data; boundary=x"),
        (b'{"text": "A meteorite hit Managua"}', "application/xml"),
        (b"", "application/json"),
    ]
    for path in ("/api/claims", "/api/ingest"):
        for content, ctype in bodies:
            r = call(app, "POST", path, content=content, headers=AUTH | {"Content-Type": ctype})
            assert r.status_code in (400, 422), (path, content[:40], ctype, r.status_code, r.text[:300])
            json_error(r, r.status_code)
            assert_security_headers(r)
    r = call(app, "POST", "/api/ingest", json={"articles": "nope", "urls": {"a": 1}}, headers=AUTH)
    json_error(r, 422, "invalid_request")


@pytest.mark.parametrize("text", ["", "  ", "   ", "\t\n\r ", " \u00a0 \u2003 ", "a  ", "a b", " a \n b ", "\n\nab\n\n"])
def test_blank_claims_are_422(app: FastAPI, text: str) -> None:
    r = call(app, "POST", "/api/claims", json={"text": text}, headers=AUTH)
    assert "text" in json_error(r, 422, "invalid_request")


def test_a_claim_already_tracked_is_200_not_created(app: FastAPI) -> None:
    existing = call(app, "GET", "/api/claims/1").json()
    again = call(app, "POST", "/api/claims", json={"text": f"  {existing['text']}  "}, headers=AUTH)
    assert again.status_code == 200 and again.json()["created"] is False and again.json()["id"] == 1
    new = call(app, "POST", "/api/claims", json={"text": "A meteorite hit   Managua"}, headers=AUTH)
    assert new.status_code == 201 and new.json()["created"] is True and new.json()["text"] == "A meteorite hit Managua"
    same = call(app, "POST", "/api/claims", json={"text": "A meteorite hit Managua"}, headers=AUTH)
    assert same.status_code == 200 and same.json()["id"] == new.json()["id"] and same.json()["created"] is False


def test_oversized_bodies_in_process(app: FastAPI) -> None:
    big = b'{"articles": [], "urls": ["' + b"a" * (1 * MiB) + b'"]}'
    # declared over the limit: refused from the header
    r = call(app, "POST", "/api/ingest", content=big, headers=AUTH | {"Content-Type": "application/json"})
    assert "over the limit of 1048576 bytes" in json_error(r, 413, "body_too_large")
    assert r.headers["connection"] == "close"

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(big), 65536):
            yield big[i : i + 65536]

    async def streamed() -> httpx.Response:  # no Content-Length: counted as it streams, cut once over
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:

            async def body() -> Any:
                for chunk in chunks():
                    yield chunk

            return await c.post("/api/ingest", content=body(), headers=AUTH | {"Content-Type": "application/json"})

    r = asyncio.run(streamed())
    json_error(r, 413, "body_too_large")
    assert_security_headers(r)
    # an unauthenticated oversized body is 401: the token is checked first
    json_error(call(app, "POST", "/api/ingest", content=big), 401, "unauthorized")
    # a non-numeric Content-Length is refused
    r = call(app, "POST", "/api/ingest", content=b"{}", headers=AUTH | {"Content-Length": "12abc"})
    assert r.status_code == 400


# -- javascript: URLs ----------------------------------------------------------------------------

EVIL_URLS = [
    "javascript:alert(1)//",
    "JavaScript:alert(document.domain)",
    " javascript:alert(1)",
    "\tjavascript:alert(1)",
    "java\nscript:alert(1)",
    "\x01javascript:alert(1)",
    "javascript://example.com/%0aalert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "//evil.example/path",
    "/relative/path",
    "http:/missing-slash",
    "https://",
    "ftp://files.example.org/x",
    "http://exa mple.org/x",
]


def hrefs(html: str) -> list[str]:
    return re.findall(r"""href\s*=\s*["']?([^"'\s>]*)""", html, flags=re.I)


def assert_only_safe_links(html: str) -> None:
    for href in hrefs(html):
        internal = href.startswith("/") and not href.startswith("//")
        assert internal or href.startswith(("http://", "https://")), href
    assert not re.search(r"href\s*=\s*[\"']?\s*(javascript|data|vbscript):", html, re.I)


def set_url(db: Path, article_id: int, url: str) -> None:
    with sqlite3.connect(db) as con:
        con.execute("UPDATE articles SET url = ? WHERE id = ?", (url, article_id))


@pytest.mark.parametrize("url", EVIL_URLS, ids=range(len(EVIL_URLS)))
def test_urls_that_are_not_http_are_never_links(demo_copy: Path, url: str) -> None:
    set_url(demo_copy, 21, url)  # article 21 is in claim 5's dossier
    app = create_app(Settings(db=str(demo_copy)))
    for path in ("/articles/21", "/claims/5"):
        page = call(app, "GET", path)
        assert page.status_code == 200
        assert_only_safe_links(page.text)
        assert 'class="source"' not in page.text  # no "source" link at all
    assert 'source: <span class="url">' in call(app, "GET", "/articles/21").text  # shown as text


def test_an_http_url_stays_a_link(demo_copy: Path) -> None:
    set_url(demo_copy, 21, "https://www.csmonitor.com/World/2014/iran?x=1&y=<2>")
    app = create_app(Settings(db=str(demo_copy)))
    for path in ("/articles/21", "/claims/5"):
        html = call(app, "GET", path).text
        assert '<a class="source" href="https://www.csmonitor.com/World/2014/iran?x=1&amp;y=&lt;2&gt;"' in html


def test_a_javascript_url_posted_for_ingest_is_shown_as_text(app: FastAPI) -> None:
    article = {"title": "Iran denies cooperation", "outlet": "Tehran Times", "url": "javascript:alert(1)//", "text": IRAN}
    r = call(app, "POST", "/api/ingest", json={"articles": [article]}, headers=AUTH)
    assert r.status_code == 200, r.text
    new_id = r.json()["ingested"][0]
    page = call(app, "GET", f"/articles/{new_id}").text
    assert_only_safe_links(page)
    assert "javascript:alert(1)//" in page  # shown as text
    dossier = call(app, "GET", "/claims/5")
    assert f'id="entry-{new_id}"' in dossier.text
    assert_only_safe_links(dossier.text)


# -- headers, HEAD, CSP --------------------------------------------------------------------------


def get_routes(app: FastAPI) -> list[str]:
    """Every GET route of the app, with real ids and a query where one is needed."""
    paths = []
    for route in app.routes:
        if "GET" in (getattr(route, "methods", None) or set()):
            path = str(getattr(route, "path", ""))
            path = path.replace("{claim_id}", "5").replace("{article_id}", "21").replace("{name}", "swagger-ui.css")
            paths.append(path + ("?q=Iran" if path == "/api/search" else ""))
    return paths


def test_head_works_on_every_get_route(app: FastAPI) -> None:
    paths = get_routes(app)
    assert {"/", "/claims/5", "/articles/21", "/api/claims", "/api/search?q=Iran", "/openapi.json", "/docs"} <= set(paths)
    for path in paths:
        got = call(app, "GET", path)
        head = call(app, "HEAD", path)
        assert got.status_code == 200 and head.status_code == 200, (path, got.status_code, head.status_code)
        assert head.content == b""
        for name in ("content-type", "content-length", "content-security-policy", *SECURITY):
            assert head.headers.get(name) == got.headers.get(name), (path, name)
    assert call(app, "HEAD", "/claims/999").status_code == 404
    assert call(app, "HEAD", "/api/ingest").status_code == 405


def test_security_headers_on_every_kind_of_response(app: FastAPI) -> None:
    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/boom", boom)  # a real route that fails, for the 500 responses
    app.add_api_route("/boom", boom)
    responses = [
        call(app, "GET", "/"),
        call(app, "GET", "/claims/5"),
        call(app, "GET", "/articles/21"),
        call(app, "GET", "/static/claimwatch.css"),
        call(app, "GET", "/api/claims"),
        call(app, "GET", "/openapi.json"),
        call(app, "GET", "/api/claims/999"),
        call(app, "GET", "/claims/999"),
        call(app, "GET", "/no/such/page"),
        call(app, "GET", "/api/articles", params={"limit": 0}),
        call(app, "POST", "/api/ingest", json={}),
        call(app, "POST", "/api/ingest", content=b"x" * (2 * MiB), headers=AUTH),
        call(app, "PUT", "/api/claims", json={}),
        call(app, "DELETE", "/api/claims/1"),
        call(app, "HEAD", "/api/claims/1"),
    ]
    server_errors = [call(app, "GET", "/api/boom"), call(app, "GET", "/boom")]
    for r in responses + server_errors:
        assert_security_headers(r)
    json_error(server_errors[0], 500, "internal_error")
    assert "RuntimeError" in html_error(server_errors[1], 500)
    assert {r.status_code for r in responses} >= {200, 401, 404, 405, 413, 422}


def test_pages_run_no_inline_script_or_style(app: FastAPI) -> None:
    templates = Path(__file__).resolve().parents[2] / "claimwatch" / "web" / "templates"
    for template in templates.glob("*.html"):
        text = template.read_text()
        # a JSON-LD data block (ClaimReview) is never executed: it is the only <script> element allowed
        assert not re.search(r'<script(?![^>]*type="application/ld\+json")|<style|\sstyle\s*=|\son[a-z]+\s*=|javascript:', text, re.I), (
            template.name
        )
    for path in ("/", "/claims/5", "/articles/21", "/claims/999"):
        r = call(app, "GET", path)
        csp = r.headers["content-security-policy"]
        assert "script-src" not in csp and "'unsafe-inline'" not in csp and "style-src 'self'" in csp
        assert '<link rel="stylesheet" href="/static/claimwatch.css">' in r.text
    css = call(app, "GET", "/static/claimwatch.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css") and ".evidence" in css.text


def test_the_docs_page_allows_exactly_its_inline_script(app: FastAPI) -> None:
    r = call(app, "GET", "/docs")
    assert r.status_code == 200
    scripts = re.findall(r"<script>(.*?)</script>", r.text, re.S)
    assert scripts
    csp = r.headers["content-security-policy"]
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert "script-src 'self' 'sha256-" in csp and "'unsafe-eval'" not in csp
    assert "cdn" not in csp and "http" not in csp  # nothing is loaded from elsewhere
    assert_security_headers(r)


def test_the_docs_work_offline_with_their_assets_served_here(app: FastAPI) -> None:
    """Swagger UI and ReDoc load only from this server (assets of the fastapi-offline package)."""
    for page in ("/docs", "/redoc"):
        html = call(app, "GET", page).text
        urls = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert urls and all(u.startswith("/") for u in urls), urls
        for u in urls:
            if u.startswith("/static/docs/"):
                asset = call(app, "GET", u)
                assert asset.status_code == 200 and len(asset.content) > 1000, u
    assert call(app, "GET", "/static/docs/../../etc/passwd").status_code == 404
    assert call(app, "GET", "/static/docs/secret.txt").status_code == 404


# -- HTML error pages ----------------------------------------------------------------------------


def test_pages_answer_errors_with_html_and_the_api_with_json(app: FastAPI) -> None:
    assert "no claim with id 999" in html_error(call(app, "GET", "/claims/999"), 404)
    assert "no article with id 999" in html_error(call(app, "GET", "/articles/999"), 404)
    html_error(call(app, "GET", "/claims/abc"), 422)
    html_error(call(app, "GET", "/no/such/page"), 404)
    html_error(call(app, "POST", "/claims/5"), 405)
    assert "no claim with id 999" in json_error(call(app, "GET", "/api/claims/999"), 404, "not_found")
    json_error(call(app, "GET", "/api/no/such/thing"), 404, "not_found")
    json_error(call(app, "POST", "/api/claims/5"), 405, "method_not_allowed")
    # the message is escaped on the page
    r = call(app, "GET", "/claims/<script>alert(1)</script>")
    assert r.status_code in (404, 422) and "<script>alert" not in r.text


# -- OpenAPI -------------------------------------------------------------------------------------


def test_openapi_documents_the_error_responses_of_every_route(app: FastAPI) -> None:
    schema = call(app, "GET", "/openapi.json").json()
    assert schema["components"]["schemas"]["ErrorBody"]["properties"]["error"]
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    routes = {(m.upper(), p): op for p, item in schema["paths"].items() for m, op in item.items()}
    assert set(routes) == {(m, r.path) for r in app.routes if isinstance(r, APIRoute) and r.include_in_schema for m in (r.methods or ())}
    for (method, path), op in routes.items():
        expected = {"500", "503"}
        if "{" in path:
            expected |= {"404", "422"}
        if op.get("parameters") or op.get("requestBody"):
            expected |= {"422"}
        if method == "POST":
            expected |= {"400", "401", "403", "413", "422", "503"}
            assert op["security"] == [{"HTTPBearer": []}]
        assert expected <= set(op["responses"]), (method, path, sorted(op["responses"]))
        for status in expected:
            content = op["responses"][status]["content"]["application/json"]["schema"]
            assert content == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, status)
        for param in op.get("parameters", []):
            if param["in"] == "path" or param["name"] == "offset":
                assert param["schema"]["maximum"] == MAX_ID, (path, param)
    assert {"200", "201"} <= set(routes[("POST", "/api/claims")]["responses"])
    assert "Retry-After" in routes[("POST", "/api/ingest")]["responses"]["503"]["headers"]


# -- on a real server: uploads -------------------------------------------------------------------


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@contextlib.contextmanager
def rss_growth() -> Iterator[list[int]]:
    """Samples this process's RSS (the server runs in it) every 5 ms; yields [peak growth in bytes]."""
    base = rss_bytes()
    result = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            result[0] = max(result[0], rss_bytes() - base)
            time.sleep(0.005)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield result
    finally:
        stop.set()
        thread.join(5)


def upload(url: str, total: int, headers: dict[str, str], declared: bool) -> tuple[httpx.Response, int]:
    """POST `total` bytes from a generator (declared with Content-Length, or chunked); returns the
    response and how many bytes the client managed to hand over before it came."""
    sent = 0
    block = b"x" * (256 * 1024)

    def body() -> Iterator[bytes]:
        nonlocal sent
        while sent < total:
            piece = block[: min(len(block), total - sent)]
            sent += len(piece)
            yield piece

    extra = {"Content-Length": str(total)} if declared else {}
    with httpx.Client(timeout=60) as client:
        response = client.post(url, content=body(), headers=headers | extra | {"Content-Type": "application/json"})
    return response, sent


UPLOADS = [
    # (declared Content-Length?, token?, expected status)
    (True, False, 401),
    (False, False, 401),
    (True, True, 413),
    (False, True, 413),
]


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to measure RSS")
def test_huge_uploads_are_refused_before_they_are_read(demo_copy: Path) -> None:
    total = 300 * 1000 * 1000
    app = create_app(Settings(db=str(demo_copy), api_token=TOKEN, api_max_body_bytes=1 * MiB))
    with serving(app) as base:
        for declared, token, status in UPLOADS:
            started = time.monotonic()
            with rss_growth() as growth:
                r, sent = upload(f"{base}/api/ingest", total, AUTH if token else {}, declared)
            took = time.monotonic() - started
            what = f"declared={declared} token={token}: {r.status_code} after {sent / MiB:.1f} MiB of {total / MiB:.0f}, RSS +{growth[0] / MiB:.1f} MiB, {took:.2f} s"
            print(what)
            json_error(r, status)
            assert r.headers["connection"] == "close", what
            assert sent < 64 * MiB, what  # the server closed the connection: the client could not send the rest
            assert growth[0] < 50 * MiB, what
            assert_security_headers(r)
        # the server still answers
        assert httpx.get(f"{base}/api/claims", timeout=10).status_code == 200


# -- on a real server: slow writers do not starve readers ------------------------------------------


@contextlib.contextmanager
def drip_server(every: float = 0.1, longest: float = 30.0) -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 that answers every request with headers, then one body byte every
    `every` seconds (for at most `longest` s); yields (base URL, paths requested)."""
    seen: list[str] = []
    stopping = threading.Event()

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            line = self.rfile.readline(65536).decode("latin-1")
            seen.append(line.split(" ")[1] if line.count(" ") >= 2 else "")
            while self.rfile.readline(65536).strip():
                pass
            with contextlib.suppress(OSError):
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n<html><body><p>")
                deadline = time.monotonic() + longest
                while not stopping.is_set() and time.monotonic() < deadline:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(every)

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True
        request_queue_size = 128

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        stopping.set()
        server.shutdown()
        server.server_close()


def test_slow_writers_do_not_starve_readers(demo_copy: Path) -> None:
    writers, deadline = 40, 4.0
    settings = Settings(db=str(demo_copy), api_token=TOKEN, allow_private_fetch=True, fetch_deadline=deadline, fetch_timeout=deadline)
    results: list[tuple[int, str | None, float]] = []
    with drip_server() as (drip, seen), serving(create_app(settings)) as base:
        httpx.get(f"{base}/api/claims", timeout=10).raise_for_status()  # warm up

        def write(i: int) -> None:
            try:
                r = httpx.post(f"{base}/api/ingest", json={"urls": [f"{drip}/slow/{i}"]}, headers=AUTH, timeout=30)
                results.append((r.status_code, r.headers.get("retry-after"), time.monotonic()))
            except httpx.HTTPError as exc:
                results.append((0, type(exc).__name__, time.monotonic()))

        started = time.monotonic()
        threads = [threading.Thread(target=write, args=(i,), daemon=True) for i in range(writers)]
        for t in threads:
            t.start()
        wait_until = time.monotonic() + 5
        while len(seen) < 4 and time.monotonic() < wait_until:  # the admitted writers are fetching
            time.sleep(0.02)
        latencies = []
        for _ in range(10):
            t0 = time.monotonic()
            r = httpx.get(f"{base}/api/claims", timeout=30)
            latencies.append(time.monotonic() - t0)
            assert r.status_code == 200
        reads_done = time.monotonic()
        for t in threads:
            t.join(30)
    print(f"GET /api/claims under {writers} slow writers: max {max(latencies):.3f} s, fetches started {len(seen)}")
    assert max(latencies) < 1.0, latencies
    assert len(seen) >= 1 and reads_done - started < deadline, "the reads ran while the writers were still fetching"
    assert len(results) == writers
    statuses = [s for s, _, _ in results]
    assert statuses.count(200) <= 4 and statuses.count(200) + statuses.count(503) == writers, statuses
    assert all(retry == "5" for s, retry, _ in results if s == 503)
    assert len(seen) <= 4  # refused writers never fetched


# -- wrong tokens: lockout per address --------------------------------------------------------------


def call_from(app: Any, client: tuple[str, int], method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request to the ASGI app in process, from a given peer address."""

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            return await c.request(method, path, **kwargs)

    return asyncio.run(go())


def test_wrong_tokens_lock_an_address_out_of_every_write(demo_copy: Path) -> None:
    app = create_app(Settings(db=str(demo_copy), api_token=TOKEN, api_auth_max_failures=3, api_auth_lockout_s=600))
    guesser, other = ("203.0.113.7", 5000), ("198.51.100.9", 5000)
    claim = {"text": "Iran approved military cooperation with the United States"}
    for _ in range(2):  # a request without any token guessed nothing and does not count
        json_error(call_from(app, guesser, "POST", "/api/claims", json=claim), 401, "unauthorized")
    for i in range(3):
        json_error(call_from(app, guesser, "POST", "/api/claims", json=claim, headers={"Authorization": f"Bearer guess-{i}"}), 401)
    r = call_from(app, guesser, "POST", "/api/claims", json=claim, headers=AUTH)  # the right token, too late
    message = json_error(r, 429, "too_many_failures")
    assert "too many wrong tokens" in message
    assert 590 <= int(r.headers["retry-after"]) <= 600
    # a form write from the same address is refused before its body is read; reads still work
    form = call_from(app, guesser, "POST", "/claims/1/review", data={"token": TOKEN, "verdict": "false", "by": "x"})
    assert form.status_code == 429 and "text/html" in form.headers["content-type"] and "too many wrong tokens" in form.text
    assert call_from(app, guesser, "GET", "/api/claims").status_code == 200
    # another address is not affected
    assert call_from(app, other, "POST", "/api/claims", json=claim, headers=AUTH).status_code in (200, 201)


def test_wrong_form_tokens_count_like_wrong_bearer_tokens(demo_copy: Path) -> None:
    app = create_app(Settings(db=str(demo_copy), api_token=TOKEN, api_auth_max_failures=2))
    peer = ("203.0.113.8", 5000)
    for i in range(2):
        r = call_from(app, peer, "POST", "/claims/1/review", data={"token": f"guess-{i}", "verdict": "false", "by": "x"})
        assert r.status_code == 403 and "wrong API token" in r.text
    r = call_from(app, peer, "POST", "/claims/1/review", data={"token": TOKEN, "verdict": "false", "by": "x"})
    assert r.status_code == 429
    r = call_from(app, peer, "POST", "/api/claims/1/reviews", json={"by": "x", "verdict": "false"}, headers=AUTH)
    json_error(r, 429, "too_many_failures")


def test_a_lockout_ends_when_its_oldest_failure_leaves_the_window() -> None:
    from claimwatch.api.guard import AuthFailures

    now = [1000.0]
    failures = AuthFailures(3, 60.0, clock=lambda: now[0], max_clients=4)
    for step in (0.0, 10.0, 20.0):
        now[0] = 1000.0 + step
        failures.record("a")
    assert failures.retry_after("a") == 40  # the first failure (t=1000) leaves the window at t=1060
    assert failures.retry_after("b") == 0
    now[0] = 1060.0
    assert failures.retry_after("a") == 0  # two failures left in the window: one more guess allowed
    failures.record("a")
    assert failures.retry_after("a") == 10
    for n in range(10):  # a flood of addresses keeps at most max_clients of them
        failures.record(f"flood-{n}")
    assert len(failures._failures) <= 4
