"""`claimwatch serve`: the REST API (JSON under /api, OpenAPI at /docs) and server-rendered pages.

Every error, ours or FastAPI's, leaves in one shape: under /api (and /openapi.json) the JSON body
{"error": {"status", "code", "message"}}, on the pages a small HTML page with the same message.
Write endpoints (POST, PATCH, DELETE under /api) need `Authorization: Bearer <CLAIMWATCH_API_TOKEN>` and
are off when no token is set; the pages' forms carry the token in a field instead (`api/forms.py`).

The ASGI guard in front of the app (`api/guard.py`) checks the token, a free write slot and the body
size before any byte of the body is read, answers HEAD on every GET route, and puts the security
headers on every response. The pages (`api/pages.py`) run no script and load their one stylesheet
from /static. Like every front end, the routes call the pipeline service and the store and present
what they return.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from http import HTTPStatus
from importlib import resources
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args
from urllib.parse import urlparse

from fastapi import Depends, FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Scope

from claimwatch.api.guard import AuthFailures, HeadAsGet, RequestGuard, SecurityHeaders, token_matches
from claimwatch.api.pages import Web, add_pages, form_write, page_info
from claimwatch.api.params import ArticleId, ClaimId, Offset
from claimwatch.api.render import json_for_script
from claimwatch.engine.pipeline import Pipeline
from claimwatch.errors import ClaimwatchError, InputError, ModelError, NotFoundError, StoreError
from claimwatch.records import CLAIM_STATUSES, STANCE_LABELS, VERDICTS, Article, ClaimStatus, IngestFailure, Verdict
from claimwatch.settings import Settings
from claimwatch.store.review import CLAIM_SORTS, MAX_NAME, MAX_NOTE
from claimwatch.store.store import MAX_ID
from claimwatch.track.dossier import build_dossier
from claimwatch.track.export import web_url

if TYPE_CHECKING:
    from claimwatch.engine.watch import Watcher

MAX_ARTICLES_PER_POST = 500
MAX_REVIEW_ITEMS = 500  # stance corrections, exclusions or inclusions in one review
RETRY_AFTER_S = 5

# The pages run no script and take styles from /static only; nothing may frame them. (A dossier's
# ClaimReview JSON-LD is a `<script type="application/ld+json">` data block: browsers never execute
# it, so it needs no script-src.)
PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
SECURITY_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}

StanceChoice = Literal["agree", "disagree", "discuss", "unrelated", "machine"]
VerdictFilter = Literal["false", "mostly-false", "mixed", "mostly-true", "true", "unproven", "none"]
ClaimSort = Literal["last-change", "articles", "newest", "oldest"]
assert set(get_args(StanceChoice)) == {*STANCE_LABELS, "machine"}
assert set(get_args(VerdictFilter)) == {*VERDICTS, "none"} and set(get_args(ClaimSort)) == set(CLAIM_SORTS)
assert set(get_args(ClaimStatus)) == set(CLAIM_STATUSES)
# Whitespace as Python's str.split() sees it (what the store strips from names and notes), spelled out so
# that JSON Schema (ECMA), pydantic (Rust) and Python regexes agree on it (their \s do not).
WS = r"\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
VISIBLE = rf"[^{WS}]"  # one character that is not whitespace
THREE_VISIBLE = rf"([{WS}]*[^{WS}]){{3}}"
ARTICLE_ID_KEY = r"^[1-9][0-9]{0,17}$"  # an article id as an object key (up to 18 digits: always under 2**63)
Reviewer = Annotated[str, Field(min_length=1, max_length=MAX_NAME, pattern=VISIBLE, description="Who makes the change (a name or handle).")]
Note = Annotated[str | None, Field(max_length=MAX_NOTE, description="Why (kept in the audit trail).")]
# Article ids in a JSON body: up to 2**53-1, the largest integer every JSON parser reads exactly (a float
# such as 9223372036854775807.0 is 2**63 and out of range).
ArticleRef = Annotated[int, Field(ge=1, le=2**53 - 1)]


class ArticleIn(BaseModel):
    """An article posted for ingest (same fields as a JSONL line)."""

    text: str = Field(min_length=1, max_length=5_000_000)
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    author: str | None = None
    published: str | None = Field(default=None, description="ISO 8601 date or datetime")


class IngestIn(BaseModel):
    """Articles and/or http(s) URLs (pages or feeds) to ingest; other fields are refused (a typo is not a no-op)."""

    model_config = ConfigDict(extra="forbid")

    articles: list[ArticleIn] = Field(default_factory=list, max_length=MAX_ARTICLES_PER_POST)
    urls: list[str] = Field(default_factory=list, max_length=MAX_ARTICLES_PER_POST)


def _claim_text(text: str) -> str:
    if len("".join(text.split())) < 3:
        raise ValueError("a claim needs at least 3 characters besides whitespace")
    return " ".join(text.split())


class ClaimIn(BaseModel):
    """A claim to track: at least 3 characters besides whitespace; runs of whitespace become one space."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=3, max_length=1000, json_schema_extra={"pattern": THREE_VISIBLE})

    @field_validator("text")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        return _claim_text(text)


class ClaimEditIn(ClaimIn):
    """A new wording for a claim: the stored articles are matched again against it; reviews and corrections stay."""

    by: Reviewer
    note: Note = None


class ChangeIn(BaseModel):
    """Who deletes or restores a claim, and why."""

    model_config = ConfigDict(extra="forbid")

    by: Reviewer
    note: Note = None


class ReviewIn(BaseModel):
    """A reviewer's verdict and/or note, stance corrections and exclusions, recorded at once (each in the audit trail).

    `stances` maps article ids to the reviewer's stance; "machine" removes a correction. A correction is kept
    over every later match. `exclude` leaves articles out of the claim's dossier and status; `include` undoes it.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={  # the same rule as `_something`, for clients and the fuzz test
            "anyOf": [
                {"required": ["verdict"], "properties": {"verdict": {"type": "string"}}},
                {"required": ["note"], "properties": {"note": {"type": "string", "pattern": VISIBLE}}},
                {"required": ["stances"], "properties": {"stances": {"type": "object", "minProperties": 1}}},
                {"required": ["exclude"], "properties": {"exclude": {"type": "array", "minItems": 1}}},
                {"required": ["include"], "properties": {"include": {"type": "array", "minItems": 1}}},
            ]
        },
    )

    by: Reviewer
    verdict: Verdict | None = Field(default=None, description="The verdict, on the scale " + ", ".join(VERDICTS) + ".")
    note: Note = None
    stances: dict[Annotated[str, Field(pattern=ARTICLE_ID_KEY)], StanceChoice] = Field(
        default_factory=dict,
        max_length=MAX_REVIEW_ITEMS,
        description="Article id -> stance correction.",
        json_schema_extra={"additionalProperties": False},  # keys other than article ids are refused
    )
    exclude: list[ArticleRef] = Field(default_factory=list, max_length=MAX_REVIEW_ITEMS, description="Article ids to leave out.")
    include: list[ArticleRef] = Field(default_factory=list, max_length=MAX_REVIEW_ITEMS, description="Excluded article ids to take back.")

    @model_validator(mode="after")
    def _something(self) -> ReviewIn:
        if self.verdict is None and not (self.note or "").strip() and not (self.stances or self.exclude or self.include):
            raise ValueError("nothing to record: give a verdict, a note, a stance correction, an exclusion or an inclusion")
        return self


class ErrorDetail(BaseModel):
    """What went wrong."""

    status: int = Field(description="The HTTP status, repeated.")
    code: str = Field(
        description="Stable code: not_found, bad_input, bad_request, invalid_request, unauthorized, forbidden, "
        "conflict, body_too_large, busy, store_unavailable, method_not_allowed, internal_error."
    )
    message: str = Field(description="A sentence for people.")


class ErrorBody(BaseModel):
    """The one JSON error body of the API."""

    error: ErrorDetail


_ERROR_DOCS: dict[int, dict[str, Any]] = {
    400: {"description": "Bad input (a request field that cannot be used, an invalid Content-Length)"},
    401: {
        "description": "Missing or wrong bearer token",
        "headers": {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}},
    },
    403: {"description": "Writing is disabled: the server runs without CLAIMWATCH_API_TOKEN"},
    404: {"description": "No such claim, article or outlet (or the claim was deleted)"},
    409: {
        "description": "The change conflicts with the claim's state (restoring a claim that is not deleted, a wording another claim has, excluding and including one article)"
    },
    413: {"description": "The request body is over CLAIMWATCH_API_MAX_BODY_BYTES (refused before it is read)"},
    422: {"description": "A parameter or the body does not validate"},
    429: {
        "description": "Too many wrong tokens from this address (CLAIMWATCH_API_AUTH_MAX_FAILURES within CLAIMWATCH_API_AUTH_LOCKOUT_S); retry after Retry-After seconds",
        "headers": {"Retry-After": {"description": "Seconds until this address may try a token again", "schema": {"type": "integer"}}},
    },
    503: {
        "description": "Busy (every write slot taken; retry after Retry-After seconds) or the database is unavailable",
        "headers": {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}},
    },
    500: {"description": "Unexpected server error"},
}
READ_ERRORS = (422, 503, 500)
WRITE_ERRORS = (400, 401, 403, 413, 422, 429, 503, 500)


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for error statuses, each with the error body model."""
    return {status: {"model": ErrorBody, **_ERROR_DOCS[status]} for status in sorted(set(statuses))}


BEARER = HTTPBearer(auto_error=False, description="The server's CLAIMWATCH_API_TOKEN")


def error_body(status: int, code: str, message: str) -> dict[str, Any]:
    """The one JSON error shape of the API."""
    return {"error": {"status": status, "code": code, "message": message}}


def _status_of(exc: ClaimwatchError) -> tuple[int, str]:
    if isinstance(exc, NotFoundError):
        return 404, "not_found"
    if isinstance(exc, InputError):
        return 400, "bad_input"
    if isinstance(exc, StoreError):
        return 503, "store_unavailable"
    if isinstance(exc, ModelError):
        return 500, "internal_error"  # a missing or corrupt model is the server's fault, not the request's
    return 400, "bad_request"


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    429: "too_many_failures",
    503: "unavailable",
}


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def is_page(path: str) -> bool:
    """Whether errors on this path are HTML pages (everything but /api/... and the OpenAPI document)."""
    return not (path == "/api" or path.startswith("/api/") or path == "/openapi.json")


def _inline_hashes(html: str, tag: str) -> list[str]:
    """CSP source expressions ('sha256-…') for the inline <script>/<style> blocks of a page."""
    blocks = re.findall(rf"<{tag}>(.*?)</{tag}>", html, flags=re.S)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()}'" for b in blocks]


DOCS_ASSETS = {  # Swagger UI and ReDoc as shipped by the PyPI package fastapi-offline: /docs works without a network
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}


def _docs_asset(name: str) -> bytes:
    from importlib import resources as res

    return res.files("fastapi_offline").joinpath("static", name).read_bytes()


def _docs_response(page: HTMLResponse) -> HTMLResponse:
    """The OpenAPI docs page (Swagger UI or ReDoc, served from this server) with a CSP made for it: its own
    inline script by hash, our own assets, and inline styles (both UIs set styles from script); no CDN."""
    html = bytes(page.body).decode()
    scripts = " ".join(["'self'", *_inline_hashes(html, "script")])
    page.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src {scripts}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; worker-src blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
    return page


class ClaimwatchAPI(FastAPI):
    """FastAPI with the request guard outside its whole middleware stack (its 500 page included)."""

    outer: Callable[[ASGIApp], ASGIApp] | None = None

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        return self.outer(stack) if self.outer else stack


def create_app(settings: Settings, *, max_concurrent_writes: int | None = None, watch: bool = False) -> FastAPI:
    """Build the app around one pipeline service (its store, and the stance model loaded on first use).

    With `watch`, the watcher runs in a thread of the server process on the same pipeline (so its
    writes take turns with the API's), started and stopped with the app."""
    pipeline = Pipeline(settings)
    store = pipeline.store
    watcher: Watcher | None = None
    thread: threading.Thread | None = None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        nonlocal watcher, thread
        if watch:
            from claimwatch.engine.watch import Watcher

            watcher = Watcher(pipeline)
            thread = threading.Thread(target=watcher.run, name="claimwatch-watch", daemon=True)
            thread.start()
        yield
        if watcher is not None:
            watcher.stop.set()
            if thread is not None:
                thread.join(timeout=settings.fetch_deadline + 30)
        pipeline.close()

    app = ClaimwatchAPI(
        lifespan=lifespan,
        title="claimwatch",
        version="0.1",
        description="Track claims through the news: who said it first, who repeats, confirms or denies it, and where it stands. "
        'Writes need `Authorization: Bearer <CLAIMWATCH_API_TOKEN>`; every error is `{"error": {"status", "code", "message"}}`.',
        docs_url=None,
        redoc_url=None,
    )
    templates = Jinja2Templates(directory=str(resources.files("claimwatch").joinpath("web/templates")))
    templates.env.autoescape = True  # article text is untrusted, whatever the template's extension
    templates.env.tests["web_url"] = lambda url: web_url(url) is not None  # only http(s) URLs become links
    templates.env.filters["json_for_script"] = json_for_script
    stylesheet = resources.files("claimwatch").joinpath("web/templates/claimwatch.css").read_bytes()

    # -- errors --------------------------------------------------------------------------------

    def render_error(path: str, status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> Response:
        """The error response: JSON under /api, a small HTML page elsewhere."""
        if is_page(path):
            phrase = _phrase(status)
            html = templates.get_template("error.html").render(status=status, phrase=phrase, message=message)
            return HTMLResponse(html, status_code=status, headers=dict(headers or {}))
        return JSONResponse(error_body(status, code, message), status_code=status, headers=dict(headers or {}))

    def refuse(scope: Scope, status: int, code: str, message: str, headers: dict[str, str]) -> Response:
        return render_error(scope["path"], status, code, message, headers)

    @app.exception_handler(ClaimwatchError)
    async def _ours(request: Request, exc: ClaimwatchError) -> Response:
        status, code = _status_of(exc)
        return render_error(request.url.path, status, code, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        return render_error(request.url.path, exc.status_code, code, str(exc.detail), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return render_error(request.url.path, 422, "invalid_request", problems)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        return render_error(request.url.path, 500, "internal_error", f"unexpected {exc.__class__.__name__}; see the server log")

    async def require_token(request: Request, _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None) -> None:
        """Checked again here (the guard checked it before the body was read); documents the bearer scheme."""
        if not settings.api_token:
            raise StarletteHTTPException(403, "writing is disabled: start the server with CLAIMWATCH_API_TOKEN set")
        value = request.headers.get("authorization")
        if not token_matches(value.encode("latin-1") if value is not None else None, settings.api_token):
            raise StarletteHTTPException(401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})

    # -- JSON API: claims ----------------------------------------------------------------------

    @app.get(
        "/api/claims",
        tags=["claims"],
        summary="Tracked claims: machine status, verdict, independent articles and last change; filtered, sorted, paged",
        responses=errors(*READ_ERRORS),
    )
    def api_claims(
        request: Request,
        q: Annotated[str | None, Query(max_length=300, description="Full-text search over the claim text")] = None,
        status: Annotated[ClaimStatus | None, Query(description="Machine status")] = None,
        verdict: Annotated[VerdictFilter | None, Query(description="Reviewer's verdict; none = not reviewed")] = None,
        sort: Annotated[
            ClaimSort, Query(description="last-change (status event or human change), articles, newest, oldest")
        ] = "last-change",
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        summaries, total = store.claim_summaries(q=q, status=status, verdict=verdict, sort=sort, limit=limit, offset=offset)
        params = {"q": q, "status": status, "verdict": verdict, "sort": sort}
        return page_info(request.url.path, params, total, offset, limit) | {"claims": [s.to_dict() for s in summaries]}

    @app.post(
        "/api/claims",
        tags=["claims"],
        summary="Track a claim and match stored articles against it",
        status_code=201,
        dependencies=[Depends(require_token)],
        responses=errors(*WRITE_ERRORS)
        | {
            200: {"description": "The claim was already tracked (`created` is false); it is returned as stored"},
            201: {"description": "The claim is now tracked (`created` is true)"},
        },
    )
    def api_add_claim(body: ClaimIn, response: Response) -> dict[str, Any]:
        claim, created, report = pipeline.add_claim(body.text, origin="api")
        if not created:
            response.status_code = 200  # already tracked: nothing was created
        return claim.to_dict() | {"created": created, "match": report.to_dict()}

    def dossier_json(request: Request, claim_id: int, offset: int, limit: int) -> dict[str, Any]:
        d = build_dossier(store, claim_id, offset=offset, limit=limit)
        return d.to_dict() | {"page": page_info(request.url.path, {}, d.entries_total, offset, limit)}

    dossier_doc = (
        "Status and reasons (always over every article), the reviewer's verdict, the audit trail (newest first), "
        "excluded articles, and one page of entries (`page` gives the total and the next and previous pages)."
    )

    @app.get(
        "/api/claims/{claim_id}",
        tags=["claims"],
        summary='A claim (its fields at the top, "articles" the number of entries) with its dossier',
        description=dossier_doc,
        responses=errors(404, *READ_ERRORS),
    )
    def api_claim(
        request: Request, claim_id: ClaimId, offset: Offset = 0, limit: Annotated[int, Query(ge=1, le=500)] = 100
    ) -> dict[str, Any]:
        d = dossier_json(request, claim_id, offset, limit)
        return d["claim"] | {"articles": d["entries_total"]} | d  # the claim's fields at the top too, as before dossiers

    @app.get(
        "/api/claims/{claim_id}/dossier",
        tags=["claims"],
        summary="A claim's dossier (the same as /api/claims/{claim_id})",
        description=dossier_doc,
        responses=errors(404, *READ_ERRORS),
    )
    def api_dossier(
        request: Request, claim_id: ClaimId, offset: Offset = 0, limit: Annotated[int, Query(ge=1, le=500)] = 100
    ) -> dict[str, Any]:
        return dossier_json(request, claim_id, offset, limit)

    @app.patch(
        "/api/claims/{claim_id}",
        tags=["review"],
        summary="Change a claim's wording (audited) and match the stored articles against the new wording",
        dependencies=[Depends(require_token)],
        responses=errors(404, 409, *WRITE_ERRORS),
    )
    def api_edit_claim(claim_id: ClaimId, body: ClaimEditIn) -> dict[str, Any]:
        try:
            claim, changed, report = pipeline.edit_claim(claim_id, body.text, body.by, body.note)
        except InputError as exc:
            if "already has this text" in exc.problem:  # another claim has this wording
                raise StarletteHTTPException(409, str(exc)) from None
            raise
        return claim.to_dict() | {"changed": changed, "match": report.to_dict()}

    @app.delete(
        "/api/claims/{claim_id}",
        tags=["review"],
        summary="Delete a claim (soft: hidden, its record, reviews and audit trail kept; POST …/restore brings it back)",
        dependencies=[Depends(require_token)],
        responses=errors(404, *WRITE_ERRORS),
    )
    def api_delete_claim(
        claim_id: ClaimId,
        by: Annotated[str, Query(min_length=1, max_length=MAX_NAME, pattern=VISIBLE, description="Who deletes it")],
        note: Annotated[str | None, Query(max_length=2000, description="Why (kept in the audit trail)")] = None,
    ) -> dict[str, Any]:
        claim = pipeline.delete_claim(claim_id, by, note)
        return claim.to_dict() | {"deleted": True}

    @app.post(
        "/api/claims/{claim_id}/restore",
        tags=["review"],
        summary="Bring a deleted claim back (audited) and match the articles stored meanwhile",
        dependencies=[Depends(require_token)],
        responses=errors(404, 409, *WRITE_ERRORS),
    )
    def api_restore_claim(claim_id: ClaimId, body: ChangeIn) -> dict[str, Any]:
        try:
            claim = pipeline.restore_claim(claim_id, body.by, body.note)
        except InputError as exc:  # the claim is not deleted: nothing to restore
            raise StarletteHTTPException(409, str(exc)) from None
        return claim.to_dict() | {"deleted": False}

    @app.post(
        "/api/claims/{claim_id}/reviews",
        tags=["review"],
        summary="Review a claim: a verdict, a note, stance corrections and exclusions (each audited)",
        description=(ReviewIn.__doc__ or "")
        + "\n\nThe claim's machine status is evaluated again at once with the corrections; the answer gives the new "
        "audit entries, the status events, the machine status and the verdict.",
        status_code=201,
        dependencies=[Depends(require_token)],
        responses=errors(404, 409, *WRITE_ERRORS) | {201: {"description": "Recorded"}},
    )
    def api_review(claim_id: ClaimId, body: ReviewIn) -> dict[str, Any]:
        stances: dict[int, str] = {int(k): v for k, v in body.stances.items()}
        if both := sorted(set(body.exclude) & set(body.include)):
            raise StarletteHTTPException(409, f"article {both[0]} cannot be excluded and included at once")
        entries, events = pipeline.review(claim_id, body.by, body.verdict, body.note, stances, body.exclude, body.include)
        d = build_dossier(store, claim_id, limit=1)
        return {
            "audit": [e.to_dict() for e in entries],
            "events": [e.to_dict() for e in events],
            "status": d.status,
            "reasons": d.reasons,
            "verdict": d.review.to_dict() if d.review else None,
        }

    @app.get(
        "/api/claims/{claim_id}/reviews",
        tags=["review"],
        summary="A claim's reviews (verdicts), newest first: the first is its verdict",
        responses=errors(404, *READ_ERRORS),
    )
    def api_reviews(claim_id: ClaimId) -> list[dict[str, Any]]:
        store.get_claim(claim_id)
        return [r.to_dict() for r in store.reviews(claim_id)]

    @app.get(
        "/api/claims/{claim_id}/audit",
        tags=["review"],
        summary="A claim's audit trail, newest first: who changed what, when (also for a deleted claim)",
        responses=errors(404, *READ_ERRORS),
    )
    def api_audit(claim_id: ClaimId) -> list[dict[str, Any]]:
        try:
            store.get_claim(claim_id)
        except NotFoundError:
            if claim_id not in {c.id for c in store.deleted_claims()}:
                raise
        return [e.to_dict() for e in store.audit(claim_id)]

    # -- JSON API: outlets, articles, search -----------------------------------------------------

    @app.get(
        "/api/outlets",
        tags=["outlets"],
        summary="Per outlet: the claims it reported first, agreed and disagreed with, and how each ended",
        description="`outcome` is the reviewer's verdict when there is one, else the machine status. "
        "With `name`, only that outlet (404 when it has no article about a tracked claim).",
        responses=errors(404, *READ_ERRORS),
    )
    def api_outlets(
        name: Annotated[str | None, Query(min_length=1, max_length=300, description="One outlet")] = None,
    ) -> list[dict[str, Any]]:
        return [o.to_dict() for o in store.outlet_records(name)]

    @app.get("/api/articles", tags=["articles"], summary="Stored articles, newest first (without text)", responses=errors(*READ_ERRORS))
    def api_articles(
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Offset = 0,
        outlet: Annotated[str | None, Query(max_length=300)] = None,
    ) -> list[dict[str, Any]]:
        return [_article_summary(a) for a in store.list_articles(limit=limit, offset=offset, outlet=outlet)]

    @app.get(
        "/api/articles/{article_id}",
        tags=["articles"],
        summary="An article with its attributions and stances",
        responses=errors(404, *READ_ERRORS),
    )
    def api_article(article_id: ArticleId) -> dict[str, Any]:
        article = store.get_article(article_id)
        return article.to_dict() | {
            "versions": store.article_versions(article_id),
            "attributions": [a.to_dict() for a in store.attributions(article_id)],
            "stances": [s.to_dict() for s in store.stances(article_id=article_id, related_only=True)],
        }

    @app.post(
        "/api/ingest",
        tags=["articles"],
        summary="Ingest posted articles and/or URLs, analyse and match them",
        dependencies=[Depends(require_token)],
        responses=errors(*WRITE_ERRORS),
    )
    def api_ingest(body: IngestIn) -> dict[str, Any]:
        from claimwatch.ingest.sources import article_from_record

        if len(body.articles) + len(body.urls) > MAX_ARTICLES_PER_POST:
            raise InputError("request", f"at most {MAX_ARTICLES_PER_POST} articles and URLs per request")
        items: list[Article | IngestFailure] = []
        for i, item in enumerate(body.articles):
            try:
                items.append(article_from_record(f"request.articles[{i}]", item.model_dump(), settings))
            except InputError as exc:
                items.append(IngestFailure(exc.origin, exc.problem))
        urls = []
        for url in body.urls:
            if urlparse(url).scheme not in {"http", "https"}:
                items.append(IngestFailure(url, "only http(s) URLs can be ingested through the API"))
            else:
                urls.append(url)
        items.extend(pipeline.read(urls))
        run = pipeline.run(items)
        return run.ingest.to_dict() | {"analysis": run.analysis.to_dict(), "match": run.match.to_dict()}

    @app.get(
        "/api/search",
        tags=["search"],
        summary="Claims by meaning and articles by full text (every word, stemmed; best match first)",
        responses=errors(*READ_ERRORS),
    )
    def api_search(
        q: Annotated[str, Query(min_length=2, max_length=300)],
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        offset: Annotated[int, Query(ge=0, le=MAX_ID, description="Articles to skip")] = 0,
    ) -> dict[str, Any]:
        return {
            "query": q,
            "claims": search_claims(q, limit),
            "articles": [_article_summary(a) for a in store.search_articles(q, limit, min(offset, 2**62))],
        }

    def search_claims(q: str, limit: int) -> list[dict[str, Any]]:
        """Claims ranked by meaning (MiniLM cosine), keeping those that share words or are close."""
        from claimwatch.nlp.embed import get_embedder

        claims = store.list_claims()
        if not claims:
            return []
        vectors = get_embedder().encode([q] + [c.text for c in claims])
        scores = vectors[1:] @ vectors[0]
        words = {w.lower() for w in q.split()}
        ranked = sorted(zip(claims, scores, strict=True), key=lambda cs: -float(cs[1]))
        return [
            c.to_dict() | {"score": round(float(s), 3)}
            for c, s in ranked
            if float(s) >= 0.35 or words & {w.lower().strip(".,'\"") for w in c.text.split()}
        ][:limit]

    # -- pages, feeds, static files --------------------------------------------------------------

    failures = AuthFailures(settings.api_auth_max_failures, float(settings.api_auth_lockout_s))
    add_pages(app, Web(pipeline=pipeline, settings=settings, templates=templates, search_claims=search_claims, failures=failures))

    @app.get("/static/claimwatch.css", include_in_schema=False)
    async def stylesheet_file() -> Response:
        return Response(stylesheet, media_type="text/css; charset=utf-8", headers={"Cache-Control": "public, max-age=3600"})

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return _docs_response(
            get_swagger_ui_html(
                openapi_url="/openapi.json",
                title="claimwatch API",
                swagger_js_url="/static/docs/swagger-ui-bundle.js",
                swagger_css_url="/static/docs/swagger-ui.css",
                swagger_favicon_url="/static/docs/favicon.png",
            )
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return _docs_response(
            get_redoc_html(
                openapi_url="/openapi.json",
                title="claimwatch API",
                redoc_js_url="/static/docs/redoc.standalone.js",
                redoc_favicon_url="/static/docs/favicon.png",
                with_google_fonts=False,
            )
        )

    @app.get("/static/docs/{name}", include_in_schema=False)
    async def docs_asset(name: str) -> Response:
        if name not in DOCS_ASSETS:
            raise StarletteHTTPException(404, f"no such file: {name}")
        return Response(_docs_asset(name), media_type=DOCS_ASSETS[name], headers={"Cache-Control": "public, max-age=86400"})

    # -- the guard, outside everything ---------------------------------------------------------

    def routes_with(dependency: Callable[..., Any]) -> list[APIRoute]:
        return [r for r in app.routes if isinstance(r, APIRoute) and any(d.dependency is dependency for d in r.dependencies)]

    write_routes, form_routes = routes_with(require_token), routes_with(form_write)

    def is_write(scope: Scope) -> bool:
        return any(r.matches(scope)[0] is Match.FULL for r in write_routes)

    def is_form_write(scope: Scope) -> bool:
        return any(r.matches(scope)[0] is Match.FULL for r in form_routes)

    def outer(stack: ASGIApp) -> ASGIApp:
        guarded = RequestGuard(
            stack,
            token=settings.api_token,
            max_body_bytes=settings.api_max_body_bytes,
            max_writes=max_concurrent_writes or settings.api_max_concurrent_writes,
            is_write=is_write,
            is_form_write=is_form_write,
            refuse=refuse,
            retry_after=RETRY_AFTER_S,
            failures=failures,
        )
        return SecurityHeaders(HeadAsGet(guarded), SECURITY_HEADERS)

    app.outer = outer
    return app


def _article_summary(a: Article) -> dict[str, Any]:
    """An article without its text, plus its length."""
    return {k: v for k, v in a.to_dict().items() if k != "text"} | {"chars": len(a.text)}
