"""The command line, run as a real process: JSON output, exit codes, one-line errors, the demo."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from tests.conftest import Site
from tests.conftest import run_cli as cw


def test_demo_json_reports_articles_claims_and_stances() -> None:
    proc = cw("demo", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert len(data["articles"]) >= 16 and len(data["claims"]) >= 3
    iran = next(c for c in data["claims"] if c["text"].startswith("Iran's supreme leader"))
    [row] = iran["articles"]
    assert row["title"] == "Iran's supreme leader said to approve military cooperation with US"
    assert row["stance"] in {"discuss", "agree", "disagree"}
    # the dossier: reported (hedged) and denied -> disputed, with the sources as reasons
    assert iran["status"] == "disputed"
    assert {m["source"] for m in iran["denied_by"]} == {"A source close to Mr. Khamenei", "government officials"}
    assert {"The BBC", "BBC Persian"} <= {m["source"] for m in iran["reported_by"]}
    assert all(c["status"] in {"unverified", "disputed", "confirmed", "denied"} and c["reasons"] for c in data["claims"])
    bale = next(c for c in data["claims"] if "Christian Bale" in c["text"])
    assert sum(bale["stance_counts"].values()) >= 4
    # the model agrees with FNC-1 gold on most related/unrelated decisions of the sample
    rows = [r for c in data["claims"] for r in c["articles"] if r["gold_stance"]]
    assert len(rows) == 20 and sum(r["stance"] != "unrelated" for r in rows) >= 18


def test_demo_human_output() -> None:
    proc = cw("demo")
    assert proc.returncode == 0, proc.stderr
    assert "Claim #1" in proc.stdout and "evidence:" in proc.stdout and "ingested 21" in proc.stdout
    assert "status: DISPUTED" in proc.stdout and "against it: A source close to Mr. Khamenei (denied to The New York Times" in proc.stdout


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


def test_text_with_square_brackets_is_printed_as_is(tmp_path: Path) -> None:
    # Rich reads [word] as markup: unescaped, "[said]" vanished and "[/b]" crashed with a traceback.
    db = str(tmp_path / "cw.db")
    article = tmp_path / "brackets.jsonl"
    body = (
        "The mayor said [in a statement] that the bridge would reopen on Monday after repairs. "
        "Engineers said the damage was limited to one span [/b] and that traffic could resume soon. " * 3
    )
    article.write_text(json.dumps({"title": "Bridge [/b] to reopen [video]", "text": body}) + "\n", "utf-8")
    assert cw("ingest", str(article), "--db", db).returncode == 0
    listed = cw("articles", "list", "--db", db)
    assert listed.returncode == 0 and "Bridge [/b] to reopen [video]" in listed.stdout, listed.stderr
    shown = cw("articles", "show", "1", "--db", db)
    assert shown.returncode == 0 and "Traceback" not in shown.stderr
    assert "Bridge [/b] to reopen [video]" in shown.stdout and "[said]" in shown.stdout
    missing = cw("analyze", str(tmp_path / "no[/b]such.txt"))
    assert missing.returncode == 1 and "no[/b]such.txt" in missing.stderr and "Traceback" not in missing.stderr


def test_env_var_selects_database(tmp_path: Path, csmonitor: Path) -> None:
    env = {"CLAIMWATCH_DB": str(tmp_path / "env.db")}
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
    refused = cw("ingest", url, "--db", str(tmp_path / "u.db"), "--json")  # the fetch guard refuses loopback by default
    assert refused.returncode == 1
    [failure] = json.loads(refused.stdout)["failed"]
    assert "loopback" in failure["reason"] and "CLAIMWATCH_ALLOW_PRIVATE_FETCH" in failure["reason"]
    proc = cw("ingest", url, "--db", str(tmp_path / "u.db"), "--json", env={"CLAIMWATCH_ALLOW_PRIVATE_FETCH": "true"})
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["ingested"]) == 1


def test_tracking_commands(tmp_path: Path, demo_copy: Path) -> None:
    db = str(demo_copy)
    d = json.loads(cw("dossier", "5", "--db", db, "--json").stdout)
    assert d["status"] == "disputed" and d["entries"][0]["hedged"] is True
    human = cw("dossier", "5", "--db", db)
    assert "DISPUTED" in human.stdout and "against it: A source close to Mr. Khamenei (denied" in human.stdout
    out = tmp_path / "reviews.json"
    env = {"CLAIMWATCH_ORG_NAME": "Fact Desk", "CLAIMWATCH_BASE_URL": "https://cw.example.org"}
    assert cw("export", "--format", "claimreview", "--db", db, "-o", str(out), env=env).returncode == 0
    assert json.loads(out.read_text("utf-8")) == []  # nothing reviewed yet
    assert cw("export", "--include-unreviewed", "--db", db, "-o", str(out), env=env).returncode == 0
    assert [r["@type"] for r in json.loads(out.read_text("utf-8"))] == ["ClaimReview"] * 5
    csv_out = cw("export", "--format", "csv", "--db", db)
    assert csv_out.stdout.startswith("claim_id,claim,status,reasons,verdict")
    bad = cw("export", "--format", "xml", "--db", db)
    assert bad.returncode == 1 and "unknown export format" in bad.stderr and "Traceback" not in bad.stderr
    listed = json.loads(cw("claims", "list", "--db", db, "--sort", "oldest", "--json").stdout)
    assert listed["total"] == 5 and listed["claims"][4]["status"] == "disputed" and listed["claims"][4]["articles"] == 1
    assert json.loads(cw("match", "--db", db, "--json").stdout)["pairs"] == 0  # the demo already matched everything
    added = json.loads(cw("claims", "add", "A meteorite hit Managua", "--db", db, "--json").stdout)
    assert added["match"]["pairs"] == 21 and added["match"]["related"] >= 3
    missing = cw("dossier", "99", "--db", db)
    assert missing.returncode == 1 and "no claim with id 99" in missing.stderr


def test_claims_discover_command(tmp_path: Path) -> None:
    db = str(tmp_path / "d.db")
    feed = tmp_path / "news.jsonl"
    rows = [
        {
            "title": "Apple reportedly building its own electric car",
            "source": "Wire",
            "text": "Apple is working on an electric vehicle, people familiar with the matter said on Friday, and has hired engineers from Tesla.",
        },
        {
            "title": "Apple is said to be developing an electric car",
            "source": "Tech Post",
            "text": "The iPhone maker is designing a battery-powered minivan, according to a report in the Wall Street Journal on Friday.",
        },
        {
            "title": "Heavy snow closes schools across Boston",
            "source": "Weather",
            "text": "More than 60 centimetres of snow fell on Boston overnight, the National Weather Service said, closing every public school.",
        },
    ]
    feed.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    assert cw("ingest", str(feed), "--db", db).returncode == 0
    found = json.loads(cw("claims", "discover", "--db", db, "--add", "--json").stdout)
    [proposal] = found["proposals"]
    assert set(proposal["outlets"]) == {"Wire", "Tech Post"} and found["added"][0]["origin"] == "discovered"
    d = json.loads(cw("dossier", str(found["added"][0]["id"]), "--db", db, "--json").stdout)
    assert {e["outlet"] for e in d["entries"]} == {"Wire", "Tech Post"}


def test_bench_status_gold_only() -> None:
    from tests.conftest import SHARED, need

    need(SHARED / "emergent" / "emergent_claims_articles.csv")
    report = json.loads(cw("bench", "status", "--gold-only", "--json").stdout)
    assert report["gold_stances"]["test"]["macro_f1"] >= 0.57
    assert report["gold_stances"]["all"]["macro_f1"] > report["vote_baseline"]["macro_f1"]


def test_bench_stance_fold_refuses_a_fold_that_does_not_exist() -> None:
    proc = cw("bench", "stance-fold", "--fold", "7")
    assert proc.returncode == 1
    assert "fold 7: must be between 0 and 4" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_train_embedder_rebuilds_the_pinned_graph_or_says_what_is_missing(tmp_path: Path) -> None:
    from claimwatch.nlp.embed import MODEL_SHA256

    out = tmp_path / "minilm-int8.onnx"
    proc = cw("train", "embedder", "--out", str(out), "--json")
    if importlib.util.find_spec("torch") is None:  # CI installs the test extra only
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        assert "pip install -e '.[train]'" in proc.stderr
        assert not out.exists()
        return
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["sha256"] == MODEL_SHA256 and report["matches_pinned"] is True
    assert out.stat().st_size == report["bytes"] > 20_000_000
