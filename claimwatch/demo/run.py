"""`claimwatch demo`: the whole pipeline on the bundled sample, end to end.

Sample: 20 FNC-1 training bodies about 4 FNC-1 headlines (used as claims; FNC-1 data, from the
Fake News Challenge stage 1 repository, derived from the Emergent data set of Ferreira & Vlachos 2016)
plus the Christian Science Monitor article of September 2014 on Iran and the US (as scraped, residue
included, with its headline and outlet as JSON Lines). FNC-1 bodies carry no outlet, URL or date, and
none can be joined to one Emergent article (each body is paired with the headlines of many articles
about its claim), so they have none here rather than a guessed one; the CSMonitor article's day is
not known, so it has an outlet but no date. Rebuild it with `python scripts/make_demo_sample.py`. The
shipped stance model was trained without these 20 bodies.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from claimwatch.engine.pipeline import Pipeline
from claimwatch.records import content_hash
from claimwatch.settings import Settings
from claimwatch.track.dossier import build_dossiers


def sample_dir() -> Path:
    """Directory of the bundled sample."""
    return Path(str(resources.files("claimwatch.demo")))


def run_demo(settings: Settings) -> dict[str, Any]:
    """Ingest the sample, track its claims, score stances; returns {"articles": [...], "claims": [...], "ingest": {...}}."""
    folder = sample_dir()
    sources = [str(folder / "sample.jsonl"), str(folder / "csmonitor-2014-iran-us-military-cooperation.jsonl")]
    claims_spec = json.loads((folder / "claims.json").read_text("utf-8"))
    body_of_text: dict[int, str] = {}
    for line in (folder / "sample.jsonl").read_text("utf-8").splitlines():
        record = json.loads(line)
        body_of_text[record["fnc_body_id"]] = record["text"]
    with Pipeline(settings) as pipeline:
        store = pipeline.store
        run = pipeline.ingest(sources, match=False)
        report = run.ingest
        claims, _matched = pipeline.add_claims([spec["text"] for spec in claims_spec], origin="demo")
        dossiers = {d.claim.id: d for d in build_dossiers(store)}
        articles = [store.get_article(i) for i in store.all_article_ids()]
        gold_by_hash: dict[str, dict[int, str]] = {}
        for spec, claim in zip(claims_spec, claims, strict=True):
            for body_id, label in spec["gold"].items():
                gold_by_hash.setdefault(_hash_of_body(body_of_text, int(body_id)), {})[claim.id or 0] = label
        claim_views = []
        for claim in claims:
            entries = {e.article_id: e for e in dossiers[claim.id].entries}
            rows = []
            for s in store.stances(claim_id=claim.id):
                article = next(a for a in articles if a.id == s.article_id)
                gold = gold_by_hash.get(content_hash(article.text), {}).get(claim.id or 0)
                if s.label == "unrelated" and gold is None:
                    continue
                rows.append(
                    {
                        "article_id": article.id,
                        "outlet": article.outlet,
                        "title": article.title,
                        "origin": article.origin,
                        "stance": s.label,
                        "probabilities": s.probabilities,
                        "evidence": [e.to_dict() for e in s.evidence[:2]],
                        "gold_stance": gold,
                        # how the status rules counted it: uncertain (low confidence), opposite (the evidence
                        # states the claim's opposite), or its stance
                        "counted_as": entries[s.article_id].counted_as if s.article_id in entries else "none",
                        "uncertain": s.article_id in entries and entries[s.article_id].uncertain,
                        "opposite": s.article_id in entries and entries[s.article_id].opposite,
                    }
                )
            counts: dict[str, int] = {}
            for r in rows:
                label = str(r["stance"])
                counts[label] = counts.get(label, 0) + 1
            d = dossiers[claim.id]
            claim_views.append(
                claim.to_dict()
                | {
                    "articles": rows,
                    "stance_counts": counts,
                    "status": d.status,
                    "reasons": d.reasons,
                    "first_appearance": d.first_appearance.article_id if d.first_appearance else None,
                    "first_appearance_note": d.first_appearance_note,
                    "denied_by": [m.to_dict() for m in d.denied_by],
                    "confirmed_by": [m.to_dict() for m in d.confirmed_by],
                    "reported_by": [m.to_dict() for m in d.reported_by],
                }
            )
    return {
        "ingest": {"summary": report.summary(), "failed": [f.to_dict() for f in report.failed]},
        "articles": [{k: v for k, v in a.to_dict().items() if k != "text"} | {"chars": len(a.text)} for a in articles],
        "claims": claim_views,
    }


def _hash_of_body(texts: dict[int, str], body_id: int) -> str:
    """Hash of the cleaned text of a sample body, as the store computes it."""
    from claimwatch.ingest.clean import clean_text

    return content_hash(clean_text(texts[body_id], detect_title=False).text)
