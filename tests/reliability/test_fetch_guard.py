"""The fetch guard, against real servers on 127.0.0.1: SSRF refusals, redirects, deadlines, size caps, error texts.

With `allow_private_fetch=False`, 127.0.0.1 is exactly the kind of address the guard must refuse, so
the end-to-end refusals below point at live test servers and check that those servers never saw a
request. Redirect checks need one hop let through: `make_client(trusted=[(ip, port)])` exempts
exactly one test server's ip:port, standing in for a public site.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from claimwatch.errors import FetchError, InputError
from claimwatch.ingest import iter_sources
from claimwatch.ingest.decode import check_size, format_size
from claimwatch.ingest.fetch import CONNECTION_FAILED, fetch, make_client
from claimwatch.ingest.guard import address_kind, literal_address
from claimwatch.records import IngestFailure
from claimwatch.settings import MiB, Settings
from tests.reliability.inputs_http import Exchange, client_hello_sni, raw_listener, reset, response, serve

HINT = "(set CLAIMWATCH_ALLOW_PRIVATE_FETCH=true to allow)"
# the first address "localhost" resolves to on this machine (127.0.0.1, or ::1 where IPv6 comes first)
LOCALHOST = str(ipaddress.ip_address(socket.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM)[0][4][0]))
PAGE = (
    "<html><head><title>Bridge reopens</title></head><body><article><p>"
    + "Officials said on Tuesday that the bridge would reopen next month after repairs were finished. " * 3
    + "</p></article></body></html>"
)


@pytest.fixture
def guarded(tmp_path: Path) -> Settings:
    """Production defaults: private addresses refused."""
    return Settings(db=str(tmp_path / "g.db"), allow_private_fetch=False)


def reason_of(url: str, settings: Settings) -> str:
    [item] = list(iter_sources([url], settings))
    assert isinstance(item, IngestFailure), item
    assert item.origin == url
    return item.reason


# -- address vetting --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("2002:7f00:1::", "loopback"),  # 6to4 wrapping 127.0.0.1
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("10.1.2.3", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.1", "private"),
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::a00:1", "private"),  # NAT64 wrapping 10.0.0.1
        ("fc00::1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata endpoint
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "not publicly routable"),  # carrier-grade NAT
        ("8.8.8.8", None),
        ("93.184.216.34", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_address_kinds(address: str, kind: str | None) -> None:
    assert address_kind(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("0x7f000001", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("example.com", None),
        ("127.0.0.1.nip.io", None),
    ],
)
def test_literal_addresses_in_odd_forms(host: str, address: str | None) -> None:
    found = literal_address(host)
    assert (str(found) if found else None) == address


def test_every_form_of_loopback_is_refused_before_connecting(guarded: Settings) -> None:
    with serve() as server:
        server.page("/", PAGE)
        port = server.port
        forms = {
            f"http://127.0.0.1:{port}/": "address 127.0.0.1 is loopback",
            f"http://localhost:{port}/": f"address {LOCALHOST} (localhost) is loopback",
            f"http://[::1]:{port}/": "address ::1 is loopback",
            f"http://[::ffff:127.0.0.1]:{port}/": "address ::ffff:127.0.0.1 is loopback",
            f"http://0x7f000001:{port}/": "address 127.0.0.1 (0x7f000001) is loopback",
            f"http://2130706433:{port}/": "address 127.0.0.1 (2130706433) is loopback",
            f"http://127.1:{port}/": "address 127.0.0.1 (127.1) is loopback",
            f"http://0177.0.0.1:{port}/": "address 127.0.0.1 (0177.0.0.1) is loopback",
            f"http://0.0.0.0:{port}/": "address 0.0.0.0 is unspecified",
            "http://169.254.169.254/latest/meta-data/": "address 169.254.169.254 is link-local",
            "http://10.0.0.1/admin": "address 10.0.0.1 is private",
        }
        for url, problem in forms.items():
            assert reason_of(url, guarded) == f"refused: {problem} {HINT}", url
        assert server.requests == []


def test_allowing_private_fetch_lets_loopback_through(guarded: Settings) -> None:
    with serve() as server:
        url = server.page("/story", PAGE)
        [article] = list(iter_sources([url], guarded.with_(allow_private_fetch=True)))
        assert not isinstance(article, IngestFailure) and article.title == "Bridge reopens"


def test_redirect_hops_are_vetted_again(guarded: Settings) -> None:
    with serve() as public, serve() as internal:
        internal.page("/secret", PAGE)
        p = internal.port
        targets = {
            f"http://127.0.0.1:{p}/secret": f"address 127.0.0.1 is loopback {HINT}",
            f"http://localhost:{p}/secret": f"address {LOCALHOST} (localhost) is loopback {HINT}",
            f"http://[::1]:{p}/secret": f"address ::1 is loopback {HINT}",
            f"http://0x7f000001:{p}/secret": f"address 127.0.0.1 (0x7f000001) is loopback {HINT}",
            f"http://0177.0.0.1:{p}/secret": f"address 127.0.0.1 (0177.0.0.1) is loopback {HINT}",
            "http://169.254.169.254/latest/meta-data/": f"address 169.254.169.254 is link-local {HINT}",
        }
        with make_client(guarded, trusted=[("127.0.0.1", public.port)]) as client:
            ok = public.page("/ok", PAGE)
            assert fetch(ok, guarded, client).body.startswith(b"<html>")  # the stand-in public site is reachable
            for n, (target, problem) in enumerate(targets.items()):
                start = public.redirect(f"/r{n}", target)
                with pytest.raises(FetchError) as caught:
                    fetch(start, guarded, client)
                assert caught.value.origin == start
                assert caught.value.problem == f"refused: redirect to {target}: {problem}"
            file_hop = public.redirect("/file", "file:///etc/passwd")
            with pytest.raises(FetchError, match="redirect to file:///etc/passwd: only http and https URLs are fetched"):
                fetch(file_hop, guarded, client)
        assert internal.requests == []


def test_redirects_are_followed_up_to_the_limit(settings: Settings) -> None:
    limited = settings.with_(max_redirects=3)
    with serve() as server:
        page = server.page("/page", PAGE)
        for n in range(4):
            server.redirect(f"/hop{n}", server.base + (f"/hop{n + 1}" if n < 3 else "/page"))
        got = fetch(server.base + "/hop1", limited)  # 3 redirects: allowed
        assert got.url == page and got.media_type == "text/html"
        with pytest.raises(FetchError, match=r"too many redirects \(more than 3"):
            fetch(server.base + "/hop0", limited)  # 4 redirects


def test_only_http_and_https(guarded: Settings) -> None:
    for url in ("file:///etc/passwd", "ftp://example.com/x", "gopher://127.0.0.1:70/"):
        with pytest.raises(FetchError, match="only http and https URLs are fetched"):
            fetch(url, guarded)


def test_proxy_variables_cannot_route_around_the_guard(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    with serve() as server, serve() as proxy:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
            monkeypatch.setenv(name, proxy.base)
        monkeypatch.setenv("NO_PROXY", "")
        monkeypatch.setenv("no_proxy", "")
        url = server.page("/story", PAGE)
        assert fetch(url, settings).url == url
        assert proxy.requests == [] and server.paths == ["/story"]


def test_the_client_must_be_the_guarded_one(settings: Settings) -> None:
    with httpx.Client() as plain, pytest.raises(ValueError, match="make_client"):
        fetch("http://example.com/", settings, plain)


def test_tls_keeps_the_host_name_for_sni_while_connecting_to_the_vetted_ip(settings: Settings) -> None:
    seen: list[str | None] = []

    def read_hello(conn: socket.socket) -> None:
        conn.settimeout(5)
        seen.append(client_hello_sni(conn.recv(65536)))
        conn.close()

    with raw_listener(read_hello) as (port, _):
        with pytest.raises(FetchError) as caught:
            fetch(f"https://localhost:{port}/story", settings)
        assert caught.value.problem == CONNECTION_FAILED
    assert seen == ["localhost"]


def test_host_header_names_the_url_host(settings: Settings) -> None:
    with serve() as server:
        server.page("/story", PAGE)
        fetch(f"http://localhost:{server.port}/story", settings)
        assert server.requests[0].headers["host"] == f"localhost:{server.port}"
        assert server.requests[0].headers["user-agent"] == settings.user_agent


# -- error texts ------------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connection_failures_all_read_the_same(settings: Settings) -> None:
    """Refused, reset, disconnected and garbage answers must not tell an attacker which ports are open."""
    reasons = {"refused": reason_of(f"http://127.0.0.1:{closed_port()}/", settings)}
    with raw_listener(lambda conn: conn.close()) as (port, _):
        reasons["closed at once"] = reason_of(f"http://127.0.0.1:{port}/", settings)
    with raw_listener(lambda conn: (conn.recv(65536), reset(conn))) as (port, _):
        reasons["reset"] = reason_of(f"http://127.0.0.1:{port}/", settings)
    with raw_listener(lambda conn: (conn.recv(65536), conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n"), conn.close())) as (port, _):
        reasons["not HTTP"] = reason_of(f"http://127.0.0.1:{port}/", settings)
    assert reasons == dict.fromkeys(reasons, CONNECTION_FAILED)


def test_unknown_host_is_named(settings: Settings) -> None:
    start = time.monotonic()
    with contextlib.suppress(OSError):
        socket.getaddrinfo("no-such-host.invalid", 80)
    if time.monotonic() - start > 2:
        pytest.skip("this machine's resolver is too slow to answer for an unknown host")
    assert reason_of("http://no-such-host.invalid/x", settings) == "cannot fetch: host no-such-host.invalid not found"


# -- deadline and size ------------------------------------------------------------------------


def test_total_deadline_cuts_a_slow_drip_body(settings: Settings) -> None:
    quick = settings.with_(fetch_deadline=2.0, fetch_timeout=10.0)

    def drip(ex: Exchange) -> None:
        ex.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n")
        ex.drip(b"<p>" + b"x" * 99997, every=1.0)

    with serve() as server:
        url = server.route("/drip", drip)
        start = time.monotonic()
        reason = reason_of(url, quick)
        elapsed = time.monotonic() - start
    assert reason == "timed out: no complete response within the 2 s fetch deadline"
    assert elapsed < 2.0 + 1.0


def test_total_deadline_cuts_slow_headers(settings: Settings) -> None:
    quick = settings.with_(fetch_deadline=2.0, fetch_timeout=10.0)

    def drip_headers(ex: Exchange) -> None:
        ex.drip(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + b"X-Slow: " + b"y" * 1000 + b"\r\n\r\n", every=1.0)

    with serve() as server:
        url = server.route("/slow-headers", drip_headers)
        start = time.monotonic()
        reason = reason_of(url, quick)
        elapsed = time.monotonic() - start
    assert reason == "timed out: no complete response within the 2 s fetch deadline"
    assert elapsed < 2.0 + 1.0


def test_total_deadline_spans_redirect_hops(settings: Settings) -> None:
    quick = settings.with_(fetch_deadline=2.0, fetch_timeout=10.0, max_redirects=10)

    with serve() as server:
        for n in range(8):

            def slow_redirect(ex: Exchange, n: int = n) -> None:
                time.sleep(0.6)  # each hop well inside the read timeout, together well over the deadline
                ex.send(response(302, b"", "text/plain", Location=f"/hop{n + 1}"))

            server.route(f"/hop{n}", slow_redirect)
        start = time.monotonic()
        reason = reason_of(server.base + "/hop0", quick)
        elapsed = time.monotonic() - start
    assert reason == "timed out: no complete response within the 2 s fetch deadline"
    assert elapsed < 2.0 + 1.0


def test_read_timeout_still_applies_within_the_deadline(settings: Settings) -> None:
    quick = settings.with_(fetch_deadline=10.0, fetch_timeout=0.5)
    stall = threading.Event()
    with serve() as server:
        url = server.route("/stall", lambda ex: (ex.send(b"HTTP/1.1 200 OK\r\n"), stall.wait(5)))
        start = time.monotonic()
        reason = reason_of(url, quick)
        stall.set()
    assert reason == "timed out: no data for 0.5 s" and time.monotonic() - start < 3


def test_streamed_body_is_capped_without_content_length(settings: Settings) -> None:
    small = settings.with_(max_bytes=MiB)

    def endless(ex: Exchange) -> None:
        ex.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n")
        for _ in range(64):
            ex.send(b"<p>" + b"x" * 65536)

    with serve() as server:
        url = server.route("/endless", endless)
        assert reason_of(url, small) == "too large: more than the 1 MiB limit (CLAIMWATCH_MAX_BYTES)"
        declared = server.page("/declared", b"x" * (3 * MiB // 2))
        assert reason_of(declared, small) == "too large: 1.5 MiB exceeds the 1 MiB limit (CLAIMWATCH_MAX_BYTES)"


def test_sizes_are_printed_in_mib(tmp_path: Path) -> None:
    limit = Settings(db=":memory:").max_bytes
    assert format_size(limit) == "20 MiB"  # the old message said "21 MB"
    assert format_size(25_000_000) == "23.8 MiB"
    with pytest.raises(InputError) as caught:
        check_size("big.txt", 25_000_000, limit)
    assert caught.value.problem == "too large: 23.8 MiB exceeds the 20 MiB limit (CLAIMWATCH_MAX_BYTES)"
    with pytest.raises(InputError) as caught:
        check_size("edge.txt", limit + 1, limit)
    assert caught.value.problem == "too large: 20,971,521 bytes exceeds the 20 MiB limit (CLAIMWATCH_MAX_BYTES)"


def test_site_local_ipv6_is_refused() -> None:
    from ipaddress import ip_address

    from claimwatch.ingest.guard import address_kind

    assert address_kind(ip_address("fec0::1")) == "site-local"
