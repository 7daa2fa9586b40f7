"""The ingest benchmark builds a real corpus and reports consistent figures."""

from __future__ import annotations

import csv
from pathlib import Path

from claimwatch.engine.local import ingest
from claimwatch.lab.bench_ingest import bench_ingest, write_corpus
from claimwatch.settings import Settings
from claimwatch.store import Store

BODY = (
    "Officials in the city said on Tuesday that the bridge would reopen next month after repairs.\n"
    "The mayor told reporters the work had cost more than expected, but denied that the contractor was at fault.\n"
    "Residents have waited nearly a year for the crossing, which carries 40,000 cars a day."
)


def _bodies(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "bodies.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Body ID", "articleBody"])
        for i in range(n):
            w.writerow([i, f"Report number {i} of {n}. " + BODY.replace("40,000", f"{40000 + i * 1117:,}")])
    return path


def test_html_pages_of_the_corpus_ingest_without_page_furniture(tmp_path: Path) -> None:
    _txt, html_dir = write_corpus(_bodies(tmp_path, 3), tmp_path / "corpus", 3)
    settings = Settings.from_env(db=str(tmp_path / "c.db"))
    with Store(settings) as store:
        report = ingest([str(html_dir)], store, settings)
        assert not report.failed
        article = store.get_article(report.ingested[0])
    assert "the bridge would reopen" in article.text
    for furniture in ("Share on Facebook", "Related stories", "All rights reserved", "Sign in"):
        assert furniture not in article.text
    assert article.outlet == "The Daily Bench"
    assert article.title and article.title.startswith("Report number")


def test_bench_reports_rates_for_both_formats(tmp_path: Path) -> None:
    report = bench_ingest(_bodies(tmp_path, 6), count=6, runs=1)
    assert report["articles"] == 6
    for name in ("txt", "html"):
        assert report[name]["articles_per_s"] > 0
        assert len(report[name]["seconds"]) == 1
