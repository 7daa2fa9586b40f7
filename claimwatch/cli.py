"""Command line interface: `claimwatch ingest|articles|claims|stance|train|bench|demo`."""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from claimwatch.errors import ClaimwatchError
from claimwatch.settings import Settings

app = typer.Typer(help="Track claims through the news: who said it, who repeats, confirms or denies it.", no_args_is_help=True)
articles_app = typer.Typer(help="Browse stored articles.", no_args_is_help=True)
claims_app = typer.Typer(help="Manage tracked claims.", no_args_is_help=True)
train_app = typer.Typer(help="Train models from data.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmark models on labelled data.", no_args_is_help=True)
app.add_typer(articles_app, name="articles")
app.add_typer(claims_app, name="claims")
app.add_typer(train_app, name="train")
app.add_typer(bench_app, name="bench")

out = Console(soft_wrap=True)
err = Console(stderr=True)

DbOpt = Annotated[str | None, typer.Option("--db", help="Database file or SQLAlchemy URL (env CLAIMWATCH_DB).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _settings(db: str | None) -> Settings:
    return Settings.from_env(db=db)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


@contextmanager
def _progress(total: int, label: str) -> Iterator[Progress]:
    """A Rich progress bar on stderr (stdout stays clean for --json)."""
    bar = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True, disable=not err.is_terminal,
    )
    with bar:
        bar.add_task(label, total=total)
        yield bar


def _short(text: str | None, n: int = 90) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


# -- ingest -----------------------------------------------------------------------------------


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files, directories, feeds (file or URL) or article URLs.")],
    db: DbOpt = None,
    encoding: Annotated[str | None, typer.Option(help="Text encoding of the input files (default UTF-8).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Ingest articles: clean, de-duplicate and store them."""
    from claimwatch.engine.local import ingest as run_ingest
    from claimwatch.ingest import expand_sources
    from claimwatch.store import Store

    settings = _settings(db)
    sources = expand_sources(paths)
    with Store(settings) as store, _progress(len(sources), "ingesting") as bar:
        report = run_ingest(sources, store, settings, encoding=encoding, on_source=lambda _s: bar.advance(bar.task_ids[0]))
    if as_json:
        _print_json(report.to_dict())
    else:
        for failure in report.failed:
            err.print(f"[red]failed[/red] {failure.origin}: {failure.reason}", highlight=False)
        out.print(report.summary())
    if report.failed:
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
        table.add_row(str(a.id), a.outlet or "", a.published.date().isoformat() if a.published else "", _short(a.title or a.text, 70), str(a.duplicate_of or ""))
    out.print(table)


@articles_app.command("show")
def articles_show(article_id: int, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Show one article with its metadata, versions, attributions and stances."""
    from claimwatch.store import Store

    with Store(_settings(db)) as store:
        article = store.get_article(article_id)
        versions = store.article_versions(article_id)
        attributions = store.attributions(article_id)
        stances = store.stances(article_id=article_id)
    if as_json:
        _print_json(
            article.to_dict()
            | {"versions": versions, "attributions": [a.to_dict() for a in attributions], "stances": [s.to_dict() for s in stances]}
        )
        return
    out.print(f"[bold]#{article.id} {article.title or '(no title)'}[/bold]", highlight=False)
    meta = [f"outlet: {article.outlet}" if article.outlet else "", f"author: {article.author}" if article.author else "",
            f"date: {article.published.isoformat()}" if article.published else "", f"url: {article.url}" if article.url else "",
            f"origin: {article.origin}", f"version {article.version}", f"syndicated copy of #{article.duplicate_of}" if article.duplicate_of else ""]
    out.print(" | ".join(m for m in meta if m), highlight=False)
    out.print()
    out.print(article.text, highlight=False)
    if attributions:
        out.print("\n[bold]Attributions[/bold]")
        for a in attributions:
            flags = ",".join(f for f, on in (("hedged", a.hedged), ("denial", a.denial), ("confirmation", a.confirmation)) if on)
            out.print(f"- {a.source} [{a.cue}] {a.kind}{' ' + flags if flags else ''}: {_short(a.content, 100)}", highlight=False)
    if stances:
        out.print("\n[bold]Stances[/bold]")
        for s in stances:
            out.print(f"- claim #{s.claim_id}: {s.label} ({s.probabilities[s.label]:.2f})", highlight=False)


# -- claims -----------------------------------------------------------------------------------


@claims_app.command("add")
def claims_add(text: str, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Track a claim."""
    from claimwatch.store import Store

    with Store(_settings(db)) as store:
        claim = store.add_claim(text)
    if as_json:
        _print_json(claim.to_dict())
    else:
        out.print(f"claim #{claim.id}: {claim.text}", highlight=False)


@claims_app.command("list")
def claims_list(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """List tracked claims."""
    from claimwatch.store import Store

    with Store(_settings(db)) as store:
        claims = store.list_claims()
    if as_json:
        _print_json([c.to_dict() for c in claims])
        return
    for c in claims:
        out.print(f"#{c.id} {c.text}", highlight=False)


@claims_app.command("show")
def claims_show(claim_id: int, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Show a claim and the stance of every scored article towards it."""
    from claimwatch.store import Store

    with Store(_settings(db)) as store:
        claim = store.get_claim(claim_id)
        stances = store.stances(claim_id=claim_id)
    if as_json:
        _print_json(claim.to_dict() | {"stances": [s.to_dict() for s in stances]})
        return
    out.print(f"[bold]#{claim.id} {claim.text}[/bold]", highlight=False)
    for s in stances:
        if s.label != "unrelated":
            out.print(f"- article #{s.article_id}: {s.label} ({s.probabilities[s.label]:.2f})", highlight=False)


def main() -> None:
    """Entry point: run the app, turning our errors into one red line and exit code 1."""
    try:
        app(standalone_mode=False)
    except ClaimwatchError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("[red]aborted[/red]")
        sys.exit(130)
    except Exception as exc:  # click usage errors carry their own exit code
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise


