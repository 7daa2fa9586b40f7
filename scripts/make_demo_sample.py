"""Rebuild the bundled demo sample (claimwatch/demo/) from ../shared/data: `python scripts/make_demo_sample.py`.

Picks, for a few FNC-1 headlines used as claims, bodies that agree, disagree and discuss, and writes
them as JSONL with their source noted; the gold FNC-1 labels go to claims.json for comparison.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "claimwatch" / "demo"
CLAIMS = [
    "Meteorite leaves crater in Nicaraguan capital Managua",
    "Christian Bale will not play Steve Jobs",
    "Tropical spider burrows under man's skin, lives there for three days",
    "Boko Haram agrees to ceasefire, release of school girls",
]
PER_LABEL = {"agree": 2, "disagree": 2, "discuss": 1}
CSMONITOR = "csmonitor-2014-iran-us-military-cooperation.txt"
CSMONITOR_OUTLET = "The Christian Science Monitor"  # from the shared data README (its day in September 2014 is not given)
CSMONITOR_CLAIM = "Iran's supreme leader approved military cooperation with the US"


def main() -> int:
    """Write sample.jsonl, claims.json and the CSMonitor article (as JSONL with title and outlet) into claimwatch/demo/."""
    fnc = SHARED / "fnc1"
    with open(fnc / "train_bodies.csv", encoding="utf-8", newline="") as f:
        bodies = {r["Body ID"]: r["articleBody"] for r in csv.DictReader(f)}
    with open(fnc / "train_stances.csv", encoding="utf-8", newline="") as f:
        stances = list(csv.DictReader(f))
    used: set[str] = set()
    articles, claims = [], []
    for claim in CLAIMS:
        gold: dict[str, str] = {}
        for label, n in PER_LABEL.items():
            picked = sorted(
                (r["Body ID"] for r in stances if r["Headline"] == claim and r["Stance"] == label and r["Body ID"] not in used),
                key=int,
            )[:n]
            for body_id in picked:
                used.add(body_id)
                gold[body_id] = label
                articles.append({"text": bodies[body_id], "fnc_body_id": int(body_id)})
        claims.append({"text": claim, "gold": gold})
    claims.append({"text": CSMONITOR_CLAIM, "gold": {}})
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "sample.jsonl", "w", encoding="utf-8") as f:
        for a in articles:
            f.write(json.dumps(a, ensure_ascii=False) + "\n")
    (OUT / "claims.json").write_text(json.dumps(claims, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    # The scraped article as one JSON line: its headline (first line) as the title, and its outlet, so the
    # dossier names where the claim appeared; the text keeps its residue (ingest cleaning removes it).
    title, _, body = (SHARED / "articles" / CSMONITOR).read_text("utf-8").partition("\n")
    csm = {"title": title.strip(), "outlet": CSMONITOR_OUTLET, "text": body.strip()}
    target = OUT / CSMONITOR.replace(".txt", ".jsonl")
    target.write_text(json.dumps(csm, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(articles)} FNC-1 articles, {len(claims)} claims and {target.name} to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
