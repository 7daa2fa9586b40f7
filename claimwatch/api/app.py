"""`claimwatch serve`: the REST API (JSON under /api, OpenAPI at /docs) and server-rendered pages.

Every error, ours or FastAPI's, leaves as one JSON body: {"error": {"status", "code", "message"}}.
POST endpoints need `Authorization: Bearer <CLAIMWATCH_API_TOKEN>` and are off when no token is set.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from importlib import resources
from typing import Annotated, Any
from urllib.parse import urlparse

from fastapi import Depends, FastAPI, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from claimwatch.api.render import attribution_spans, chart, evidence_spans, segments
from claimwatch.engine.pipeline import Pipeline
from claimwatch.errors import ClaimwatchError, InputError, NotFoundError, StoreError
from claimwatch.records import Article, IngestFailure
from claimwatch.settings import Settings
from claimwatch.track.dossier import build_dossier

MAX_ARTICLES_PER_POST = 500


class ArticleIn(BaseModel):
    """An article posted for ingest (same fields as a JSONL line)."""

    text: str = Field(min_length=1, max_length=5_000_000)
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    author: str | None = None
    published: str | None = Field(default=None, description="ISO 8601 date or datetime")


class IngestIn(BaseModel):
    """Articles and/or http(s) URLs (pages or feeds) to ingest."""

    articles: list[ArticleIn] = Field(default_factory=list)
    urls: list[str] = Field(default_factory=list)


class ClaimIn(BaseModel):
    """A claim to track."""

    text: str = Field(min_length=3, max_length=1000)


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
    return 400, "bad_request"


def create_app(settings: Settings) -> FastAPI:
    """Build the app around one pipeline service (its store, and the stance model loaded on first use)."""
    pipeline = Pipeline(settings)
    store = pipeline.store

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        pipeline.close()

    app = FastAPI(
        lifespan=lifespan,
        title="claimwatch",
        version="0.1",
        description="Track claims through the news: who said it first, who repeats, confirms or denies it, and where it stands.",
    )
    templates = Jinja2Templates(directory=str(resources.files("claimwatch").joinpath("web/templates")))
    templates.env.autoescape = True  # article text is untrusted, whatever the template's extension

    # -- errors --------------------------------------------------------------------------------

    @app.exception_handler(ClaimwatchError)
    async def _ours(_request: Request, exc: ClaimwatchError) -> JSONResponse:
        status, code = _status_of(exc)
        return JSONResponse(error_body(status, code, str(exc)), status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(exc.status_code, code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return JSONResponse(error_body(422, "invalid_request", problems), status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(error_body(500, "internal_error", f"unexpected {exc.__class__.__name__}; see the server log"), status_code=500)

    def require_token(authorization: Annotated[str | None, Header()] = None) -> None:
        if not settings.api_token:
            raise StarletteHTTPException(403, "writing is disabled: start the server with CLAIMWATCH_API_TOKEN set")
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip(), settings.api_token):
            raise StarletteHTTPException(401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})

    # -- JSON API ------------------------------------------------------------------------------

    def claim_summary(claim_id: int) -> dict[str, Any]:
        d = build_dossier(store, claim_id)
        return d.claim.to_dict() | {"status": d.status, "reasons": d.reasons, "stance_counts": d.stance_counts, "articles": len(d.entries)}

    @app.get("/api/claims", tags=["claims"], summary="Tracked claims with status and stance counts")
    def api_claims() -> list[dict[str, Any]]:
        return [claim_summary(c.id) for c in store.list_claims() if c.id is not None]

    @app.post(
        "/api/claims",
        tags=["claims"],
        summary="Track a claim and match stored articles against it",
        status_code=201,
        dependencies=[Depends(require_token)],
    )
    def api_add_claim(body: ClaimIn, response: Response) -> dict[str, Any]:
        claim, created, report = pipeline.add_claim(body.text, origin="api")
        if not created:
            response.status_code = 200  # already tracked: nothing was created
        return claim.to_dict() | {"created": created, "match": report.to_dict()}

    @app.get("/api/claims/{claim_id}", tags=["claims"], summary="A claim with its status")
    def api_claim(claim_id: int) -> dict[str, Any]:
        return claim_summary(claim_id)

    @app.get("/api/claims/{claim_id}/dossier", tags=["claims"], summary="The dossier of a claim")
    def api_dossier(claim_id: int) -> dict[str, Any]:
        return build_dossier(store, claim_id).to_dict()

    @app.get("/api/articles", tags=["articles"], summary="Stored articles, newest first (without text)")
    def api_articles(
        limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Annotated[int, Query(ge=0)] = 0, outlet: str | None = None
    ) -> list[dict[str, Any]]:
        return [_article_summary(a) for a in store.list_articles(limit=limit, offset=offset, outlet=outlet)]

    @app.get("/api/articles/{article_id}", tags=["articles"], summary="An article with its attributions and stances")
    def api_article(article_id: int) -> dict[str, Any]:
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

    @app.get("/api/search", tags=["search"], summary="Claims and articles matching a query")
    def api_search(
        q: Annotated[str, Query(min_length=2, max_length=300)], limit: Annotated[int, Query(ge=1, le=100)] = 20
    ) -> dict[str, Any]:
        return {"query": q, "claims": search_claims(q, limit), "articles": [_article_summary(a) for a in store.search_articles(q, limit)]}

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

    # -- pages ---------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page_claims(request: Request) -> HTMLResponse:
        claims = [claim_summary(c.id) for c in store.list_claims() if c.id is not None]
        return templates.TemplateResponse(request, "claims.html", {"claims": claims, "articles": store.count_articles()})

    @app.get("/claims/{claim_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_dossier(request: Request, claim_id: int) -> HTMLResponse:
        d = build_dossier(store, claim_id)
        texts = store.get_articles(e.article_id for e in d.entries)
        views = []
        for e in d.entries:
            text = texts[e.article_id].text
            spans = evidence_spans(e.evidence) + attribution_spans(e.attributions)
            views.append({"entry": e, "segments": segments(text, spans)})
        return templates.TemplateResponse(request, "dossier.html", {"d": d, "views": views, "chart": chart(d.timeline)})

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_article(request: Request, article_id: int) -> HTMLResponse:
        article = store.get_article(article_id)
        attributions = store.attributions(article_id)
        stances = store.stances(article_id=article_id, related_only=True)
        claims = {c.id: c for c in store.list_claims()}
        return templates.TemplateResponse(
            request,
            "article.html",
            {
                "a": article,
                "segments": segments(article.text, attribution_spans(attributions)),
                "attributions": attributions,
                "stances": [(s, claims.get(s.claim_id)) for s in stances],
            },
        )

    return app


def _article_summary(a: Article) -> dict[str, Any]:
    """An article without its text, plus its length."""
    return {k: v for k, v in a.to_dict().items() if k != "text"} | {"chars": len(a.text)}


def _date(value: datetime | None) -> str:
    return value.date().isoformat() if value else ""
