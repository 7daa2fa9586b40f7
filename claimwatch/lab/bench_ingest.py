"""`claimwatch bench ingest`: articles/s of ingest (read, clean, de-duplicate, store) for txt and HTML.

The corpus is built from FNC-1 bodies: each body is written once as a plain-text file and once as an
HTML page with the furniture a scraped news page carries (navigation, share links, a caption, related
stories, footer), so the HTML figure includes trafilatura's extraction work.
"""

from __future__ import annotations

import csv
import html
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from claimwatch.errors import InputError
from claimwatch.records import IngestReport
from claimwatch.settings import Settings

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | The Daily Bench</title>
<meta property="og:site_name" content="The Daily Bench"><meta name="author" content="Staff Reporter">
<meta property="article:published_time" content="2015-0{month}-1{day}T10:00:00Z">
<link rel="canonical" href="https://bench.example.org/news/{n}"></head>
<body><header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/tech">Tech</a> <a href="/login">Sign in</a></nav></header>
<main><article><h1>{title}</h1><p class="byline">By Staff Reporter</p>
<div class="share"><a href="#">Share on Facebook</a> <a href="#">Tweet</a></div>
<figure><img src="/img/{n}.jpg"><figcaption>A file photo. (Photo: Agency)</figcaption></figure>
{paragraphs}
</article>
<aside><h3>Related stories</h3><ul><li><a href="/a">Ten things you missed this week</a></li><li><a href="/b">Markets close higher</a></li></ul></aside></main>
<footer><p>© 2015 The Daily Bench. All rights reserved.</p><a href="/privacy">Privacy</a> <a href="/terms">Terms</a></footer>
</body></html>
"""


def write_corpus(bodies_csv: Path, folder: Path, count: int) -> tuple[Path, Path]:
    """Write `count` FNC-1 bodies as txt files and as HTML pages; returns (txt dir, html dir)."""
    if not bodies_csv.is_file():
        raise InputError(str(bodies_csv), "no such file")
    txt_dir, html_dir = folder / "txt", folder / "html"
    txt_dir.mkdir(parents=True, exist_ok=True)
    html_dir.mkdir(parents=True, exist_ok=True)
    with open(bodies_csv, encoding="utf-8", newline="") as f:
        bodies = [row["articleBody"] for row in csv.DictReader(f) if len(row["articleBody"]) > 200][:count]
    for n, body in enumerate(bodies):
        (txt_dir / f"{n:05d}.txt").write_text(body, "utf-8")
        paragraphs = [p.strip() for p in body.split("\n") if p.strip()]
        title = " ".join(paragraphs[0].split()[:10])
        page = _PAGE.format(
            title=html.escape(title),
            n=n,
            month=1 + n % 9,
            day=n % 10,
            paragraphs="\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs),
        )
        (html_dir / f"{n:05d}.html").write_text(page, "utf-8")
    return txt_dir, html_dir


def _one_run(folder: Path, db: Path) -> tuple[float, IngestReport]:
    """Ingest a folder into a fresh database; returns seconds and the report."""
    from claimwatch.engine.pipeline import Pipeline

    db.unlink(missing_ok=True)
    settings = Settings.from_env(db=str(db))
    start = time.perf_counter()
    with Pipeline(settings) as pipeline:
        report = pipeline.ingest([str(folder)], analyze=False, match=False).ingest
    return time.perf_counter() - start, report


def bench_ingest(bodies_csv: Path, count: int = 500, runs: int = 3) -> dict[str, Any]:
    """Median articles/s of ingest over `runs` runs, for txt files and for HTML pages."""
    result: dict[str, Any] = {"articles": 0, "runs": runs}
    with tempfile.TemporaryDirectory() as tmp:
        txt_dir, html_dir = write_corpus(bodies_csv, Path(tmp), count)
        for name, folder in (("txt", txt_dir), ("html", html_dir)):
            seconds = []
            for run in range(runs):
                s, report = _one_run(folder, Path(tmp) / f"{name}{run}.db")
                seconds.append(s)
            if report.failed:
                raise InputError(report.failed[0].origin, f"benchmark corpus failed to ingest: {report.failed[0].reason}")
            n = len(report.ingested) + len(report.near_duplicates) + len(report.duplicates)
            result["articles"] = n
            median = statistics.median(seconds)
            result[name] = {"seconds": [round(s, 2) for s in seconds], "median_s": round(median, 2), "articles_per_s": round(n / median, 1)}
        result["html_vs_txt"] = round(result["txt"]["articles_per_s"] / result["html"]["articles_per_s"], 2)
    return result
