"""A raw HTTP server on 127.0.0.1 for the fetch tests: pages, redirects, slow drips, abrupt disconnects.

Unlike the `site` fixture it records every request (path, headers) and lets a route write any bytes
at any pace, so tests can prove that a request was never made or that a slow server was cut off.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

Handler = Callable[["Exchange"], None]


@dataclass
class Request:
    """One request the server received."""

    path: str
    headers: dict[str, str]


@dataclass
class Exchange:
    """What a route handler gets: the request and the raw connection to answer on."""

    request: Request
    conn: socket.socket
    stopping: threading.Event

    def send(self, data: bytes) -> None:
        self.conn.sendall(data)

    def drip(self, data: bytes, every: float, size: int = 2) -> None:
        """Send `data` `size` bytes at a time, one piece every `every` seconds, until done or the server stops."""
        for i in range(0, len(data), size):
            if self.stopping.is_set():
                return
            self.conn.sendall(data[i : i + size])
            time.sleep(every)


def response(status: int, body: bytes, content_type: str = "text/html; charset=utf-8", **headers: str) -> bytes:
    """A complete HTTP/1.1 response with Content-Length."""
    lines = [f"HTTP/1.1 {status} X", f"Content-Type: {content_type}", f"Content-Length: {len(body)}", "Connection: close"]
    lines += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass
class Server:
    """Routes (path -> handler) and the log of requests received."""

    port: int = 0
    routes: dict[str, Handler] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    def page(self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8", status: int = 200) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = lambda ex: ex.send(response(status, data, content_type))
        return self.base + path

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        self.routes[path] = lambda ex: ex.send(response(status, b"", "text/plain", Location=location))
        return self.base + path

    def route(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.base + path


@contextlib.contextmanager
def serve() -> Iterator[Server]:
    """Run a Server on an ephemeral 127.0.0.1 port for the duration of the block."""
    state = Server()

    class RequestHandler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            line = self.rfile.readline(65536).decode("latin-1").strip()
            headers: dict[str, str] = {}
            while True:
                raw = self.rfile.readline(65536).decode("latin-1").strip()
                if not raw:
                    break
                name, _, value = raw.partition(":")
                headers[name.strip().lower()] = value.strip()
            parts = line.split()
            path = parts[1] if len(parts) >= 2 else ""
            request = Request(path, headers)
            state.requests.append(request)
            handler = state.routes.get(path, lambda ex: ex.send(response(404, b"not found", "text/plain")))
            with contextlib.suppress(OSError):
                handler(Exchange(request, self.connection, state.stopping))

    class ThreadedServer(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = ThreadedServer(("127.0.0.1", 0), RequestHandler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.stopping.set()
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def raw_listener(on_connect: Callable[[socket.socket], None]) -> Iterator[tuple[int, list[object]]]:
    """A bare TCP listener on 127.0.0.1 calling `on_connect(conn)` for each connection; yields (port, notes)."""
    notes: list[object] = []
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with contextlib.suppress(OSError):
                on_connect(conn)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], notes
    finally:
        stop.set()
        thread.join(2)
        listener.close()


def reset(conn: socket.socket) -> None:
    """Abort a connection with a TCP RST (SO_LINGER 0)."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def client_hello_sni(data: bytes) -> str | None:
    """The server name (SNI) of a TLS ClientHello record, or None."""
    try:
        if data[0] != 0x16 or data[5] != 0x01:  # handshake record, ClientHello
            return None
        pos = 5 + 4 + 2 + 32  # record header, handshake header, version, random
        pos += 1 + data[pos]  # session id
        pos += 2 + int.from_bytes(data[pos : pos + 2], "big")  # cipher suites
        pos += 1 + data[pos]  # compression methods
        end = pos + 2 + int.from_bytes(data[pos : pos + 2], "big")
        pos += 2
        while pos + 4 <= end:
            kind = int.from_bytes(data[pos : pos + 2], "big")
            length = int.from_bytes(data[pos + 2 : pos + 4], "big")
            if kind == 0:  # server_name: list length(2), type(1), name length(2), name
                name_len = int.from_bytes(data[pos + 7 : pos + 9], "big")
                return data[pos + 9 : pos + 9 + name_len].decode("ascii")
            pos += 4 + length
    except (IndexError, UnicodeDecodeError):
        return None
    return None
