"""The pages' forms: HTML forms cannot send an Authorization header, so a write form carries the API token
in a password field, and its route reads the body itself, bounded, before checking that token.

The guard (`api/guard.py`) already refused a form write when writing is off and a declared
Content-Length over the form limit, before any byte was read; `read_form` counts what it reads and stops
at the same limit (a body without a length), takes only application/x-www-form-urlencoded in UTF-8, and
at most MAX_FIELDS fields. No python-multipart: nothing of a body is parsed beyond this.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.requests import Request

from claimwatch.api.guard import AuthFailures, client_address, secret_matches
from claimwatch.errors import InputError

FORM_MAX_BYTES = 64 * 1024  # a review of a whole page of articles is a few kB
MAX_FIELDS = 1000
FORM_TYPE = "application/x-www-form-urlencoded"


class Form:
    """The fields of a submitted form (every value of a repeated name kept, in order)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def get(self, name: str, default: str = "") -> str:
        """The first value of a field, or `default`."""
        return next((v for k, v in self.pairs if k == name), default)

    def all(self, name: str) -> list[str]:
        """Every value of a field (checkboxes)."""
        return [v for k, v in self.pairs if k == name]

    def prefixed(self, prefix: str) -> dict[str, str]:
        """Fields named `prefix<suffix>`, by suffix (per-article selects)."""
        return {k[len(prefix) :]: v for k, v in self.pairs if k.startswith(prefix)}


async def read_form(request: Request, limit: int = FORM_MAX_BYTES) -> Form:
    """Read and parse a urlencoded form body, at most `limit` bytes (413 past it, counted as it arrives)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != FORM_TYPE:
        raise InputError("form", f"send the form as {FORM_TYPE}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, f"form over the limit of {limit} bytes", headers={"Connection": "close"})
    try:
        text = body.decode("ascii")  # a urlencoded body is ASCII; its %-escapes decode as UTF-8 below
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise InputError("form", f"not a urlencoded UTF-8 form of at most {MAX_FIELDS} fields") from None
    return Form(pairs)


def check_form_token(form: Form, token: str, request: Request, failures: AuthFailures) -> None:
    """The token typed into the form must be the server's (compared in constant time); 403 otherwise.
    A wrong one counts against the client's address like a wrong bearer token (the guard refuses a
    locked-out address before its form is read)."""
    if not token:
        raise HTTPException(403, "writing is disabled: start the server with CLAIMWATCH_API_TOKEN set")
    given = form.get("token")
    if not secret_matches(given, token):
        if given:
            failures.record(client_address(request.scope))
        raise HTTPException(403, "wrong API token: type the server's CLAIMWATCH_API_TOKEN into the form")


def article_id(value: str, field: str) -> int:
    """An article id from a form field (1 .. 2**63-1)."""
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 19 or not 0 < int(value) < 2**63:
        raise InputError(field, f"{value[:40]!r} is not an article id")
    return int(value)
