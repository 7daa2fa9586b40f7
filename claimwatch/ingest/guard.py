"""The fetch guard: an httpcore network backend that refuses non-public addresses and enforces a total deadline.

Every connection of the shared client (`fetch.make_client`) goes through `GuardedBackend.connect_tcp`:
the host is resolved here, every resolved address is vetted, and the socket is connected to the vetted
IP itself, so a second DNS answer (DNS rebinding) cannot slip another address in. Redirect hops open
their own connections, so each hop is vetted the same way. TLS still uses the URL's host name for SNI
and certificate checks (httpcore passes it to `start_tls`), and the Host header comes from the URL.

The deadline of the fetch in progress (`deadline_scope`) caps every DNS lookup, connect, read and write,
so a server dripping bytes (in the headers or the body) is cut at the deadline, not at each read timeout.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
import ssl
import threading
import time
import typing
from collections.abc import Iterable, Iterator
from contextvars import ContextVar

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
ALLOW_HINT = "set CLAIMWATCH_ALLOW_PRIVATE_FETCH=true to allow"
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NUMERIC_HOST = re.compile(r"[0-9][0-9a-fA-FxX.]*")

_DEADLINE: ContextVar[float | None] = ContextVar("claimwatch_fetch_deadline", default=None)


class AddressRefused(httpx.TransportError):
    """A connection to a loopback, private, link-local, multicast, unspecified or reserved address was refused."""

    def __init__(self, address: IPAddress, host: str, kind: str) -> None:
        self.address = address
        self.host = host
        self.kind = kind
        super().__init__(self.problem)

    @property
    def problem(self) -> str:
        """'address 127.0.0.1 (localhost) is loopback (set … to allow)' — the host is named when it is not the address."""
        try:
            plain = ipaddress.ip_address(self.host.strip("[]")) == self.address  # the host is the address, written normally
        except ValueError:
            plain = False
        named = "" if plain else f" ({self.host})"
        return f"address {show_address(self.address)}{named} is {self.kind} ({ALLOW_HINT})"


def show_address(address: IPAddress) -> str:
    """An address as people write it: IPv4-mapped IPv6 keeps its dotted tail (::ffff:127.0.0.1)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return f"::ffff:{address.ipv4_mapped}"
    return str(address)


class HostNotFound(httpx.TransportError):
    """DNS has no address for the host."""

    def __init__(self, host: str) -> None:
        self.host = host
        super().__init__(f"host {host} not found")


def address_kind(address: IPAddress) -> str | None:
    """Why an address may not be fetched ('loopback', 'private', …), or None for a public address.

    IPv6 addresses that embed an IPv4 one (IPv4-mapped ::ffff:a.b.c.d, 6to4 2002::/16, NAT64
    64:ff9b::/96) are judged by the embedded address too.
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = [address.ipv4_mapped, address.sixtofour]
        if address in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        for inner in embedded:
            if inner is not None and (kind := address_kind(inner)):
                return kind
    checks = (
        ("is_loopback", "loopback"),
        ("is_unspecified", "unspecified"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_reserved", "reserved"),
        ("is_private", "private"),
        ("is_site_local", "site-local"),  # fec0::/10: deprecated, but internal networks may still route it
    )
    for attribute, kind in checks:
        if getattr(address, attribute, False):
            return kind
    return None if address.is_global else "not publicly routable"


def literal_address(host: str) -> IPAddress | None:
    """The address a host written as an IP literal stands for, odd forms included.

    Standard forms ('127.0.0.1', '[::1]') and the forms inet_aton accepts ('127.1', '0x7f000001',
    '2130706433', '0177.0.0.1') are all recognised; a host name gives None.
    """
    text = host.strip("[]").split("%")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if _NUMERIC_HOST.fullmatch(text):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:
            return None
    return None


@contextlib.contextmanager
def deadline_scope(deadline: float) -> Iterator[None]:
    """Make `deadline` (a time.monotonic() value) the deadline of every network operation inside the block."""
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def _bounded(timeout: float | None, expired: type[Exception]) -> float | None:
    """The timeout of one operation, shortened to what is left of the deadline; raises `expired` when none is left."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("fetch deadline exceeded")
    return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    """A network stream whose reads and writes never wait past the fetch deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """Resolve, vet every address, connect to the vetted IP; all within the fetch deadline.

    `trusted` lists exact (ip, port) peers exempt from the address check: for tests that need one
    loopback server to stand in for a public site. Leave it empty everywhere else.
    """

    def __init__(self, allow_private: bool, trusted: Iterable[tuple[str, int]] = ()) -> None:
        self.allow_private = allow_private
        self.trusted = frozenset((str(ipaddress.ip_address(ip)), int(port)) for ip, port in trusted)
        self._plain = httpcore.SyncBackend()

    def vet(self, address: IPAddress, host: str, port: int) -> None:
        """Raise AddressRefused unless the address is public, private fetching is allowed, or the peer is trusted."""
        if self.allow_private or (str(address), port) in self.trusted:
            return
        if kind := address_kind(address):
            raise AddressRefused(address, host, kind)

    def resolve(self, host: str, port: int, timeout: float | None) -> list[IPAddress]:
        """The host's addresses, looked up in a helper thread so the lookup cannot outlast the deadline."""
        result: list[object] = []

        def lookup() -> None:
            try:
                result.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
            except (OSError, UnicodeError) as exc:
                result.append(exc)

        worker = threading.Thread(target=lookup, name="claimwatch-dns", daemon=True)
        worker.start()
        worker.join(_bounded(timeout, httpcore.ConnectTimeout))
        if not result:
            raise httpcore.ConnectTimeout(f"DNS lookup of {host} timed out")
        answer = result[0]
        if isinstance(answer, BaseException):
            raise HostNotFound(host)
        addresses: list[IPAddress] = []
        for _family, _type, _proto, _name, sockaddr in typing.cast(list[tuple[typing.Any, ...]], answer):
            address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
            if address not in addresses:
                addresses.append(address)
        if not addresses:
            raise HostNotFound(host)
        return addresses

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        literal = literal_address(host)
        addresses = [literal] if literal is not None else self.resolve(host, port, timeout)
        for address in addresses:  # one bad address refuses the host: a mixed answer is a rebinding attempt
            self.vet(address, host, port)
        error: Exception | None = None
        for address in addresses:
            try:
                stream = self._plain.connect_tcp(
                    str(address), port, _bounded(timeout, httpcore.ConnectTimeout), local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return DeadlineStream(stream)
        assert error is not None
        raise error

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        self._plain.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's HTTP transport with its connection pool on a `GuardedBackend`, ignoring proxy and TLS env vars."""

    def __init__(
        self, backend: GuardedBackend, limits: httpx.Limits = httpx.Limits(max_connections=20, max_keepalive_connections=10)
    ) -> None:
        super().__init__(trust_env=False, limits=limits)
        self.backend = backend
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=backend,
        )
