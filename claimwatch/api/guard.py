"""Pure ASGI middleware in front of the API; it decides from the request line and headers alone, before
the application reads a byte of the body.

    SecurityHeaders   every response (pages, JSON, errors, 500s) carries CSP, nosniff, DENY and no-referrer
    HeadAsGet         HEAD runs the GET route and drops the body: same status, same headers
    AuthFailures      wrong tokens per client address: after `limit` of them within `window` seconds that
                      address gets 429 with Retry-After on every write, right token or not, until the
                      oldest failure is `window` seconds old (guessing a token costs hours, not seconds)
    RequestGuard      write routes: a locked-out client first (429), then the bearer token (401, or 403
                      when writing is off), then a free
                      write slot (503 with Retry-After at once, so slow writers cannot take every worker
                      thread from readers); every route: a declared Content-Length over the limit is 413
                      at once, and a streamed (chunked) body is counted and cut with 413 once over.
                      Form writes (the pages' forms, which cannot send a header) are 403 when writing is
                      off, take a write slot and have a much smaller body limit; the token they carry in
                      the body is checked by the route, with `secret_matches`, once the bounded body is read

A response that starts before the request body was read closes the connection (`Connection: close`), so
the server stops taking the rest of an oversized or refused upload instead of reading it to the end.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# (scope, status, code, message, headers) -> the error response in the API's one shape (JSON or HTML page)
Refusal = Callable[[Scope, int, str, str, dict[str, str]], Response]


def header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of a request header (names are lower-case in ASGI), or None."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def token_matches(authorization: bytes | None, token: str) -> bool:
    """Whether an Authorization header value is `Bearer <token>`; compares bytes in constant time,
    so a header with non-ASCII bytes is a wrong token, never an error."""
    if not authorization or not token:
        return False
    scheme, _, credentials = authorization.strip().partition(b" ")
    return scheme.lower() == b"bearer" and hmac.compare_digest(credentials.strip(), token.encode("utf-8"))


class AuthFailures:
    """Wrong tokens per client address in a sliding window; shared by the bearer check and the forms.

    Used from the event loop and from worker threads (the form routes), hence the lock. At most
    `max_clients` addresses are remembered: past that, the ones whose failures are all older than the
    window are forgotten first, then the oldest, so a flood of addresses cannot grow it without bound."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic, max_clients: int = 10_000) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.max_clients = max_clients
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failures.get(client, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        return times

    def retry_after(self, client: str) -> int:
        """Seconds until `client` may try a token again; 0 when it is not locked out."""
        with self._lock:
            now = self.clock()
            times = self._recent(client, now)
            if len(times) < self.limit:
                return 0
            return max(1, int(times[-self.limit] + self.window - now + 0.999))

    def record(self, client: str) -> None:
        """Count one wrong token from `client`."""
        with self._lock:
            now = self.clock()
            times = self._recent(client, now)
            times.append(now)
            while len(times) > self.limit:
                times.popleft()
            self._failures[client] = times
            if len(self._failures) > self.max_clients:
                for key in [k for k, v in self._failures.items() if not self._recent(k, now)]:
                    del self._failures[key]
                while len(self._failures) > self.max_clients:
                    del self._failures[next(iter(self._failures))]


def client_address(scope: Scope) -> str:
    """The peer address of a request (behind a reverse proxy: the proxy's, unless the server is told to trust it)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def locked_out_message(seconds: int) -> str:
    return f"too many wrong tokens from this address; retry in {seconds} s"


def presents_token(authorization: bytes | None) -> bool:
    """Whether an Authorization header carries any credentials at all (a guess, when they are wrong)."""
    return bool(authorization and authorization.strip().partition(b" ")[2].strip())


def secret_matches(given: str | None, token: str) -> bool:
    """Whether a token typed into a form is the server's token (constant-time, on UTF-8 bytes)."""
    if not given or not token:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), token.encode("utf-8"))


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a streamed body passes the limit (FastAPI re-raises HTTPExceptions)."""

    def __init__(self, message: str) -> None:
        super().__init__(413, message, headers={"Connection": "close"})


def too_large_message(limit: int) -> str:
    return f"request body over the limit of {limit} bytes (CLAIMWATCH_API_MAX_BODY_BYTES)"


class SecurityHeaders:
    """Adds the given headers to every response that does not set them itself (a page may set its own CSP)."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {bytes(k).lower() for k, _ in headers}
                message = {**message, "headers": headers + [(k, v) for k, v in self.headers if k not in present]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadAsGet:
    """Answers HEAD on every GET route: the GET runs, its status and headers go out, its body does not."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)


@dataclass
class _Exchange:
    """What the guard knows about one request while it runs."""

    expects_body: bool
    received: int = 0
    body_done: bool = False
    overflow: bool = False
    started: bool = False
    replaced: bool = False


class RequestGuard:
    """Authentication and a write slot for write routes, and the body size limit for every route."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str,
        max_body_bytes: int,
        max_writes: int,
        is_write: Callable[[Scope], bool],
        refuse: Refusal,
        retry_after: int = 5,
        is_form_write: Callable[[Scope], bool] | None = None,
        max_form_bytes: int = 64 * 1024,
        failures: AuthFailures | None = None,
    ) -> None:
        self.app = app
        self.token = token
        self.max_body_bytes = max_body_bytes
        self.max_writes = max_writes
        self.is_write = is_write
        self.refuse = refuse
        self.retry_after = retry_after
        self.is_form_write = is_form_write or (lambda _scope: False)
        self.max_form_bytes = max_form_bytes
        self.failures = failures or AuthFailures(10, 900.0)  # the settings' defaults
        self.active_writes = 0  # only touched on the event loop: no lock needed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length_value = header(scope, b"content-length")
        chunked = header(scope, b"transfer-encoding") is not None
        length = _content_length(length_value)
        x = _Exchange(expects_body=chunked or bool(length))

        async def send_closing(message: Message) -> None:
            """Close the connection after a response that started before the body was read."""
            if message["type"] == "http.response.start":
                x.started = True
                if x.expects_body and not x.body_done:
                    headers = [(k, v) for k, v in message.get("headers", []) if bytes(k).lower() != b"connection"]
                    message = {**message, "headers": headers + [(b"connection", b"close")]}
            await send(message)

        async def answer(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
            await self.refuse(scope, status, code, message, headers or {})(scope, receive, send_closing)

        form = self.is_form_write(scope)
        write = form or self.is_write(scope)
        limit = min(self.max_form_bytes, self.max_body_bytes) if form else self.max_body_bytes
        too_large = f"form over the limit of {limit} bytes" if form else too_large_message(limit)
        if write:
            if not self.token:
                await answer(403, "forbidden", "writing is disabled: start the server with CLAIMWATCH_API_TOKEN set")
                return
            client = client_address(scope)
            wait = self.failures.retry_after(client)
            if wait:
                await answer(429, "too_many_failures", locked_out_message(wait), {"Retry-After": str(wait)})
                return
            authorization = header(scope, b"authorization")
            if not form and not token_matches(authorization, self.token):
                if presents_token(authorization):  # a guess; a request that sent no token guessed nothing
                    self.failures.record(client)
                await answer(401, "unauthorized", "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})
                return
        if length_value is not None and length is None:
            await answer(400, "bad_request", "invalid Content-Length header")
            return
        if length is not None and length > limit:
            await answer(413, "body_too_large", too_large)
            return
        if write:
            if self.active_writes >= self.max_writes:
                await answer(
                    503,
                    "busy",
                    f"{self.max_writes} write requests are already running; retry in {self.retry_after} s",
                    {"Retry-After": str(self.retry_after)},
                )
                return
            self.active_writes += 1

        async def receive_counted() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                x.received += len(message.get("body", b""))
                if not message.get("more_body", False):
                    x.body_done = True
                if x.received > limit:
                    x.overflow = True
                    raise BodyTooLarge(too_large)
            return message

        async def send_checked(message: Message) -> None:
            """Once the body overflowed, whatever the app answers becomes the one 413 response."""
            if x.overflow:
                if message["type"] == "http.response.start" and not x.started:
                    x.replaced = True
                    await answer(413, "body_too_large", too_large)
                    return
                if x.replaced:
                    return
            await send_closing(message)

        try:
            await self.app(scope, receive_counted, send_checked)
        except Exception:
            if not x.overflow:
                raise
            if not x.started:
                await answer(413, "body_too_large", too_large)
        finally:
            if write:
                self.active_writes -= 1


def _content_length(value: bytes | None) -> int | None:
    """A Content-Length value as an int, or None when absent or not a plain decimal number."""
    if value is None:
        return None
    value = value.strip()
    if not value.isdigit():
        return None
    if len(value) > 18:  # more than any body we could take; int() of huge digit strings is refused anyway
        return 10**18
    return int(value)
