"""The command line, run as a real process: JSON output, exit codes, one-line errors, the demo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import Site

ENV = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMWATCH_")}


def cw(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "claimwatch", *args], capture_output=True, text=True, env=env or ENV, timeout=300)


def test_demo_json_reports_articles_claims_and_stances() -> None:
    proc = cw("demo", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert len(data["articles"]) >= 16 and len(data["claims"]) >= 3
    iran = next(c for c in data["claims"] if c["text"].startswith("Iran's supreme leader"))
    [row] = iran["articles"]
    assert row["title"] == "Iran's supreme leader said to approve military cooperation with US"
    assert row["stance"] in {"discuss", "agree", "disagree"}
    bale = next(c for c in data["claims"] if "Christian Bale" in c["text"])
    assert sum(bale["stance_counts"].values()) >= 4
    # the model agrees with FNC-1 gold on most related/unrelated decisions of the sample
    rows = [r for c in data["claims"] for r in c["articles"] if r["gold_stance"]]
    assert len(rows) == 20 and sum(r["stance"] != "unrelated" for r in rows) >= 18


def test_demo_human_output() -> None:
    proc = cw("demo")
    assert proc.returncode == 0, proc.stderr
    assert "Claim #1" in proc.stdout and "evidence:" in proc.stdout and "ingested 21" in proc.stdout


def test_ingest_then_list_and_show(tmp_path: Path, csmonitor: Path) -> None:
    db = str(tmp_path / "cw.db")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "too short"}\n{oops\n', "utf-8")
    proc = cw("ingest", str(csmonitor), str(bad), "--db", db, "--json")
    assert proc.returncode == 1  # some items failed
    report = json.loads(proc.stdout)
    assert len(report["ingested"]) == 1 and len(report["failed"]) == 2
    assert {f["origin"] for f in report["failed"]} == {f"{bad}:1", f"{bad}:2"}
    again = cw("ingest", str(csmonitor), "--db", db)
    assert again.returncode == 0 and "duplicates 1" in again.stdout
    listed = json.loads(cw("articles", "list", "--db", db, "--json").stdout)
    assert [a["title"] for a in listed] == ["Iran's supreme leader said to approve military cooperation with US"]
    shown = json.loads(cw("articles", "show", str(listed[0]["id"]), "--db", db, "--json").stdout)
    assert "Subscribe to continue" not in shown["text"] and "Office of the Iranian Supreme Leader/AP" not in shown["text"]
    assert shown["versions"][0]["version"] == 1
    # attributions were extracted at ingest and are stored with the article
    denial = next(a for a in shown["attributions"] if a["cue"] == "denied")
    assert denial["source"] == "A source close to Mr. Khamenei" and denial["denial"] is True
    assert denial["channel"] == "The New York Times' Tehran correspondent"
    human = cw("articles", "show", str(listed[0]["id"]), "--db", db)
    assert "Attributions" in human.stdout and "echoed the denial" in human.stdout


def test_analyze_command(csmonitor: Path) -> None:
    proc = cw("analyze", str(csmonitor), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["title_hedged"] is True
    assert len(data["sentences"]) > 20 and any(e["label"] == "PERSON" for e in data["entities"])
    cues = {(a["source"], a["cue"]) for a in data["attributions"]}
    assert ("The BBC", "reports") in cues and ("government officials", "echoed the denial") in cues
    assert data["claims"] and all(0.7 <= c["score"] <= 1 for c in data["claims"])
    bad = cw("analyze", "/no/such/file.txt")
    assert bad.returncode == 1 and "no such file" in bad.stderr and "Traceback" not in bad.stderr


def test_env_var_selects_database(tmp_path: Path, csmonitor: Path) -> None:
    env = ENV | {"CLAIMWATCH_DB": str(tmp_path / "env.db")}
    assert cw("ingest", str(csmonitor), env=env).returncode == 0
    assert (tmp_path / "env.db").exists()


def test_errors_are_one_red_line_not_a_traceback(tmp_path: Path) -> None:
    proc = cw("articles", "show", "42", "--db", str(tmp_path / "x.db"))
    assert proc.returncode == 1
    assert "no article with id 42" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_stance_command_json(csmonitor: Path) -> None:
    proc = cw("stance", "--claim", "Iran's supreme leader approved military cooperation with the US", str(csmonitor), "--json")
    assert proc.returncode == 0, proc.stderr
    [result] = json.loads(proc.stdout)["results"]
    assert result["label"] != "unrelated" and len(result["evidence"]) == 3
    assert set(result["probabilities"]) == {"agree", "disagree", "discuss", "unrelated"}


def test_ingest_from_url(site: Site, tmp_path: Path) -> None:
    body = "<p>" + "The regional parliament approved the new water law on Thursday after months of debate. " * 3 + "</p>"
    url = site.add("/water", f"<html><head><title>Water law passes</title></head><body><article>{body}</article></body></html>")
    proc = cw("ingest", url, "--db", str(tmp_path / "u.db"), "--json")
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["ingested"]) == 1
