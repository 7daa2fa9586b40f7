"""The pipeline service: one path for every front end, per-article fault isolation, retries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from claimwatch.engine.pipeline import Pipeline
from claimwatch.settings import Settings
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]
GOOD = (
    "The city council approved the new budget on Tuesday after a long debate. "
    "The mayor said the plan would fund schools and repair roads across the district, "
    "but opponents denied that the tax increase was fair to small businesses."
)


def _huge() -> str:
    """Real English prose longer than spaCy's 1,000,000-character limit (analysis of it fails)."""
    para = (
        "Officials said on Monday that the bridge would reopen next spring after repairs, "
        "and engineers told reporters that the work was on schedule and within budget."
    )
    return "\n\n".join(f"{para} Section {n}." for n in range(6500))


def test_an_article_that_fails_analysis_is_marked_and_never_blocks_the_rest(tmp_path: Path) -> None:
    settings = Settings(db=str(tmp_path / "p.db"), max_article_chars=2_000_000, analysis_attempts=2)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "huge.txt").write_text(_huge(), "utf-8")
    (tmp_path / "in" / "good.txt").write_text(GOOD, "utf-8")
    with Pipeline(settings) as pipeline:
        first = pipeline.ingest([str(tmp_path / "in")], match=False)
        assert len(first.ingest.ingested) == 2 and not first.ingest.failed
        assert first.analysis.analysed == 1  # the good one
        [failure] = first.analysis.failed
        huge_id = failure.article_id
        assert failure.stage == "analysis" and "E088" in failure.reason  # spaCy's length limit, named
        good_id = next(i for i in first.ingest.ingested if i != huge_id)
        assert pipeline.store.attributions(good_id)  # "opponents denied ..." was analysed and stored
        assert pipeline.store.failures(huge_id)["analysis"]["attempts"] == 1
        # a later run retries the failed article only, and goes on with new work
        (tmp_path / "more.txt").write_text(GOOD.replace("Tuesday", "Wednesday").replace("schools", "parks"), "utf-8")
        second = pipeline.ingest([str(tmp_path / "more.txt")], match=False)
        assert second.analysis.analysed == 1 and [f.article_id for f in second.analysis.failed] == [huge_id]
        assert pipeline.store.failures(huge_id)["analysis"] == {"reason": failure.reason, "attempts": 2, "retried": False}
        # after `analysis_attempts` failed runs it is left marked, and later runs do not touch it
        third = pipeline.process(match=False)
        assert third.analysis.analysed == 0 and not third.analysis.failed
    env = {"CLAIMWATCH_ANALYSIS_ATTEMPTS": "2"}
    shown = run_cli("articles", "show", str(huge_id), "--db", settings.db, env=env)
    assert shown.returncode == 0
    assert "analysis failed (2 runs, no longer retried): analysis failed: ValueError: [E088]" in shown.stdout
    as_json = run_cli("articles", "show", str(huge_id), "--db", settings.db, "--json", env=env)
    assert json.loads(as_json.stdout)["failures"]["analysis"]["attempts"] == 2


def test_cli_ingest_reports_analysis_failures_and_exits_1_but_keeps_the_articles(tmp_path: Path) -> None:
    (tmp_path / "huge.txt").write_text(_huge(), "utf-8")
    (tmp_path / "good.txt").write_text(GOOD, "utf-8")
    db = str(tmp_path / "c.db")
    env = {"CLAIMWATCH_MAX_ARTICLE_CHARS": "2000000"}
    proc = run_cli("ingest", str(tmp_path / "huge.txt"), str(tmp_path / "good.txt"), "--db", db, "--no-match", env=env)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    [line] = [ln for ln in proc.stderr.splitlines() if "failed" in ln]
    assert line.startswith("failed article #") and "E088" in line and "retried by the next run" in line
    assert "ingested 2" in proc.stdout and "analysed 1 articles / analysis failed 1" in proc.stdout
    # and a later ingest into the same database works (it used to crash on the unanalysed article)
    (tmp_path / "later.txt").write_text(
        "Heavy rain flooded the lower town on Friday. The fire service said forty homes were evacuated overnight, "
        "and the regional governor denied that the flood barrier had failed.",
        "utf-8",
    )
    later = run_cli("ingest", str(tmp_path / "later.txt"), "--db", db, "--no-match", "--json", env=env)
    report = json.loads(later.stdout)
    assert len(report["ingested"]) == 1 and report["analysis"]["analysed"] == 1


def test_serving_path_imports_neither_spacy_nor_the_model_stack() -> None:
    """Dossiers and the API never parse, classify or extract: importing them loads neither spaCy, LightGBM,
    ONNX Runtime nor trafilatura (they load when an ingest or a match actually runs)."""
    code = (
        "import sys, claimwatch.api.app, claimwatch.track.dossier, claimwatch.engine.pipeline; "
        "print(sorted(m for m in ('spacy', 'lightgbm', 'onnxruntime', 'trafilatura') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
