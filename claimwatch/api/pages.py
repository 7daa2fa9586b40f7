"""Server-rendered pages (Jinja2, autoescaped, no script) and their forms, on the same pipeline service as the API.

    /                       claims: status and verdict filters, sort, full-text search, pages; deleted claims
    /claims/{id}            dossier: machine status beside the verdict, reasons, a page of articles (stance,
                            confidence, uncertain, corrections, evidence), excluded articles, the review and
                            edit/delete forms, the audit trail, the history, the ClaimReview JSON-LD
    /articles/{id}          article: stance, confidence, correction and evidence per claim; versions with diffs
    /outlets                per outlet: claims it reported first, agreed and disagreed with, and how they ended
    /search                 claims by meaning, articles by full text
    POST /claims/{id}/review|edit|delete|restore
                            the forms (urlencoded, the API token in a password field; 303 back to the page)

A form cannot send a bearer header, so it carries the token: the guard refuses a form write when writing
is off and a declared body over the form limit before reading anything, and `forms.read_form` reads at
most that limit before the token is compared in constant time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from claimwatch.api.atom import ATOM, atom_feed
from claimwatch.api.forms import Form, article_id, check_form_token, read_form
from claimwatch.api.guard import AuthFailures
from claimwatch.api.params import ArticleId, ClaimId, Offset
from claimwatch.api.render import attribution_spans, chart, evidence_spans, segments, version_diffs
from claimwatch.errors import ConfigError, InputError
from claimwatch.records import CLAIM_STATUSES, STANCE_LABELS, VERDICTS, Dossier
from claimwatch.store.review import CLAIM_SORTS
from claimwatch.store.store import MAX_ID
from claimwatch.track.article import article_claims
from claimwatch.track.dossier import build_dossier
from claimwatch.track.export import VERDICT_NAME as VERDICT_NAMES

if TYPE_CHECKING:
    from claimwatch.engine.pipeline import Pipeline
    from claimwatch.settings import Settings
    from claimwatch.store import Store

CLAIMS_PAGE = 25
DOSSIER_PAGE = 20
SEARCH_PAGE = 25
MAX_CLAIM_CHARS = 1000
DONE = {  # the note shown after a form's redirect (fixed texts: nothing of the query is echoed)
    "review": "Review recorded: the audit trail below shows it.",
    "edit": "Claim edited; the stored articles were matched against the new wording.",
    "unchanged": "The claim already had that wording: nothing changed.",
    "restore": "Claim restored.",
}


@dataclass
class Web:
    """What the pages work with: the pipeline service (and its store), the settings and the templates."""

    pipeline: Pipeline
    settings: Settings
    templates: Jinja2Templates
    search_claims: Callable[[str, int], list[dict[str, Any]]]
    failures: AuthFailures

    @property
    def store(self) -> Store:
        return self.pipeline.store


def form_write() -> None:
    """Marks a page route that writes from a form: the guard gives it a write slot and the form body limit."""


def link(path: str, params: Mapping[str, Any]) -> str:
    """`path?query` with the parameters that have a value."""
    query = urlencode({k: v for k, v in params.items() if v is not None and v != ""})
    return f"{path}?{query}" if query else path


def page_info(path: str, params: Mapping[str, Any], total: int, offset: int, limit: int) -> dict[str, Any]:
    """Where a page of `limit` items from `offset` sits among `total`: counts and the links to the next and
    previous pages (None at either end)."""
    shown_to = min(total, offset + limit)
    return {
        "total": total,
        "offset": offset,
        "limit": limit,
        "first": offset + 1 if offset < total else 0,
        "last": shown_to if offset < total else 0,
        "next": link(path, {**params, "offset": offset + limit, "limit": limit}) if offset + limit < total else None,
        "prev": link(path, {**params, "offset": max(0, offset - limit), "limit": limit}) if offset > 0 else None,
    }


def _optional(value: str) -> str | None:
    value = value.strip()
    return value or None


def _back(claim_id: int, form: Form, done: str, anchor: str = "") -> str:
    """The dossier page the form came from (its page of articles kept), with a note of what was done."""
    params: dict[str, Any] = {}
    for name in ("offset", "limit"):
        value = form.get(name).strip()
        if value.isascii() and value.isdigit() and len(value) <= 18:
            params[name] = int(value)
    return link(f"/claims/{claim_id}", params | {"done": done}) + anchor


def add_pages(app: FastAPI, web: Web) -> None:
    """Register the HTML pages, the forms and the Atom feeds on `app`."""
    store, templates, settings, pipeline = web.store, web.templates, web.settings, web.pipeline

    def render(request: Request, name: str, context: dict[str, Any]) -> HTMLResponse:
        return templates.TemplateResponse(request, name, {"writable": bool(settings.api_token)} | context)

    # -- claims list ---------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page_claims(
        request: Request,
        q: Annotated[str, Query(max_length=300)] = "",
        status: Annotated[str, Query(max_length=40)] = "",
        verdict: Annotated[str, Query(max_length=40)] = "",
        sort: Annotated[str, Query(max_length=40)] = "last-change",
        offset: Offset = 0,
        limit: Annotated[int, Query(ge=1, le=200)] = CLAIMS_PAGE,
        deleted: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    ) -> HTMLResponse:
        query = " ".join(q.split())
        order = _optional(sort) or "last-change"
        filters = {"q": query, "status": _optional(status), "verdict": _optional(verdict), "sort": order}
        summaries, total = store.claim_summaries(
            q=query or None, status=filters["status"], verdict=filters["verdict"], sort=order, limit=limit, offset=offset
        )
        return render(
            request,
            "claims.html",
            {
                "claims": summaries,
                "filters": filters,
                "page": page_info("/", filters, total, offset, limit),
                "articles": store.count_articles(),
                "statuses": CLAIM_STATUSES,
                "verdicts": VERDICTS,
                "verdict_names": VERDICT_NAMES,
                "sorts": CLAIM_SORTS,
                "deleted": store.deleted_claims(),
                "just_deleted": deleted,
            },
        )

    # -- search --------------------------------------------------------------------------------

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def page_search(request: Request, q: Annotated[str, Query(max_length=300)] = "", offset: Offset = 0) -> HTMLResponse:
        query = " ".join(q.split())
        found: dict[str, Any] = {"claims": [], "articles": [], "page": None}
        if len(query) >= 2:
            offset = min(offset, 2**62)
            articles = store.search_articles(query, SEARCH_PAGE + 1, offset)  # one more: is there a next page?
            more = len(articles) > SEARCH_PAGE
            found = {
                "claims": web.search_claims(query, 20) if offset == 0 else [],
                "articles": articles[:SEARCH_PAGE],
                "page": {
                    "limit": SEARCH_PAGE,
                    "first": offset + 1,
                    "last": offset + len(articles[:SEARCH_PAGE]),
                    "next": link("/search", {"q": query, "offset": offset + SEARCH_PAGE}) if more else None,
                    "prev": link("/search", {"q": query, "offset": max(0, offset - SEARCH_PAGE)}) if offset else None,
                },
            }
        return render(request, "search.html", {"q": query, "offset": offset} | found)

    # -- dossier -------------------------------------------------------------------------------

    def claimreview_jsonld(d: Dossier, claim_id: int) -> dict[str, Any] | None:
        """The ClaimReview the export would publish, for a reviewed claim when the publisher is configured."""
        if d.review is None or not settings.base_url or not settings.org_name:
            return None
        from claimwatch.track.export import claimreview

        full = d if d.entries_total == len(d.entries) else build_dossier(store, claim_id)  # appearances: every article
        try:
            return claimreview(full, settings)
        except ConfigError:
            return None

    @app.get("/claims/{claim_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_dossier(
        request: Request,
        claim_id: ClaimId,
        offset: Offset = 0,
        limit: Annotated[int, Query(ge=1, le=200)] = DOSSIER_PAGE,
        done: Annotated[str, Query(max_length=40)] = "",
    ) -> HTMLResponse:
        d = build_dossier(store, claim_id, offset=offset, limit=limit)
        texts = store.get_articles(e.article_id for e in d.entries)
        views = []
        for e in d.entries:
            text = texts[e.article_id].text if e.article_id in texts else ""
            spans = evidence_spans(e.evidence) + attribution_spans(e.attributions)
            views.append({"entry": e, "segments": segments(text, spans)})
        excluded = store.get_articles(d.excluded, with_text=False)
        return render(
            request,
            "dossier.html",
            {
                "d": d,
                "views": views,
                "chart": chart(d.timeline),
                "page": page_info(f"/claims/{claim_id}", {}, d.entries_total, offset, limit),
                "excluded": [(a, excluded.get(a)) for a in d.excluded],
                "labels": STANCE_LABELS,
                "verdicts": VERDICTS,
                "verdict_names": VERDICT_NAMES,
                "done": DONE.get(done, ""),
                "claimreview": claimreview_jsonld(d, claim_id),
                "offset": offset,
                "limit": limit,
            },
        )

    # -- the forms -----------------------------------------------------------------------------

    async def writable_form(request: Request) -> Form:
        form = await read_form(request)
        check_form_token(form, settings.api_token, request, web.failures)
        return form

    @app.post("/claims/{claim_id}/review", include_in_schema=False, dependencies=[Depends(form_write)])
    async def form_review(request: Request, claim_id: ClaimId) -> Response:
        form = await writable_form(request)
        stances = {article_id(k, f"stance-{k}"): v.strip() for k, v in form.prefixed("stance-").items() if v.strip()}
        exclude = [article_id(v, "exclude") for v in form.all("exclude")]
        include = [article_id(v, "include") for v in form.all("include")]
        await run_in_threadpool(
            pipeline.review,
            claim_id,
            form.get("by"),
            _optional(form.get("verdict")),
            _optional(form.get("note")),
            stances,
            exclude,
            include,
        )
        return RedirectResponse(_back(claim_id, form, "review", "#audit"), status_code=303)

    @app.post("/claims/{claim_id}/edit", include_in_schema=False, dependencies=[Depends(form_write)])
    async def form_edit(request: Request, claim_id: ClaimId) -> Response:
        form = await writable_form(request)
        text = " ".join(form.get("text").split())
        if len(text) > MAX_CLAIM_CHARS:
            raise InputError("text", f"a claim of at most {MAX_CLAIM_CHARS} characters")
        _claim, changed, _report = await run_in_threadpool(pipeline.edit_claim, claim_id, text, form.get("by"), _optional(form.get("note")))
        return RedirectResponse(_back(claim_id, form, "edit" if changed else "unchanged"), status_code=303)

    @app.post("/claims/{claim_id}/delete", include_in_schema=False, dependencies=[Depends(form_write)])
    async def form_delete(request: Request, claim_id: ClaimId) -> Response:
        form = await writable_form(request)
        await run_in_threadpool(pipeline.delete_claim, claim_id, form.get("by"), _optional(form.get("note")))
        return RedirectResponse(link("/", {"deleted": claim_id}), status_code=303)

    @app.post("/claims/{claim_id}/restore", include_in_schema=False, dependencies=[Depends(form_write)])
    async def form_restore(request: Request, claim_id: ClaimId) -> Response:
        form = await writable_form(request)
        await run_in_threadpool(pipeline.restore_claim, claim_id, form.get("by"), _optional(form.get("note")))
        return RedirectResponse(link(f"/claims/{claim_id}", {"done": "restore"}), status_code=303)

    # -- article -------------------------------------------------------------------------------

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_article(request: Request, article_id: ArticleId) -> HTMLResponse:
        article = store.get_article(article_id)
        attributions = store.attributions(article_id)
        about = article_claims(store, article_id)
        versions = store.article_version_texts(article_id)
        return render(
            request,
            "article.html",
            {
                "a": article,
                "segments": segments(article.text, attribution_spans(attributions)),
                "attributions": attributions,
                "about": about,
                "versions": versions,
                "diffs": version_diffs(versions),
            },
        )

    # -- outlets -------------------------------------------------------------------------------

    @app.get("/outlets", response_class=HTMLResponse, include_in_schema=False)
    def page_outlets(request: Request, name: Annotated[str, Query(max_length=300)] = "") -> HTMLResponse:
        records = store.outlet_records(name or None)
        return render(request, "outlets.html", {"outlets": records, "name": name, "verdict_names": VERDICT_NAMES})

    # -- Atom feeds ----------------------------------------------------------------------------

    @app.get("/feeds/changes.atom", include_in_schema=False)
    def feed_changes(request: Request) -> Response:
        events = store.events(limit=100)
        claims = {c.id: c for c in store.list_claims()}
        return Response(
            atom_feed(str(request.base_url), "claimwatch: claim status changes", "/feeds/changes.atom", events, claims), media_type=ATOM
        )

    @app.get("/claims/{claim_id}/changes.atom", include_in_schema=False)
    def feed_claim_changes(request: Request, claim_id: ClaimId) -> Response:
        claim = store.get_claim(claim_id)
        events = store.events(claim_id, limit=100)
        title = f"claimwatch: changes of claim #{claim.id}: {claim.text}"
        return Response(
            atom_feed(str(request.base_url), title, f"/claims/{claim_id}/changes.atom", events, {claim.id: claim}), media_type=ATOM
        )
