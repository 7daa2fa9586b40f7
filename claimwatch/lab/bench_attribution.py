"""`claimwatch bench attribution`: quality on a gold set and speed against spaCy alone.

Gold sets (`--gold`): tests/data/attribution_gold.jsonl (the rules' first development set),
attribution_dev2.jsonl (denial-rich development set of issue #17, with content and kind),
attribution_heldout.jsonl to attribution_heldout18.jsonl (each held out until measured once after a round of
rules, a development set since). With --against, a second person's
annotation of a set is scored instead of the extractor (attribution_heldout8_second.jsonl: the human ceiling)."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

from claimwatch.attribution.analyze import analyze_texts
from claimwatch.errors import InputError
from claimwatch.ingest.clean import clean_text
from claimwatch.lab.eval_attribution import evaluate, load_gold, source_problems
from claimwatch.nlp.pipeline import load_nlp
from claimwatch.records import Attribution


def gold_texts(gold: list[dict[str, Any]]) -> list[str]:
    """Cleaned texts of the gold articles, as ingest would store them."""
    return [clean_text(g["text"], detect_title=g["id"] == "csmonitor").text for g in gold]


def agreement(gold_path: Path, other_path: Path) -> dict[str, Any]:
    """A second, independent annotation of the same articles scored against the gold one with the same matching
    as the extractor: how far two people agree, the ceiling a goal on this set can sensibly ask for."""
    gold, other = load_gold(gold_path), {str(a["id"]): a for a in load_gold(other_path)}
    predictions = []
    for article in gold:
        second = other.get(str(article["id"]))
        if second is None:
            raise InputError(str(other_path), f"article {article['id']} of {gold_path.name} is not annotated")
        if second["text"] != article["text"]:
            raise InputError(str(other_path), f"article {article['id']} has a different text than in {gold_path.name}")
        fields = ("source", "cue", "content", "kind", "hedged", "denial", "confirmation", "channel")
        for n, a in enumerate(second["attributions"], start=1):
            if not all(isinstance(a.get(k), str) for k in ("source", "cue", "content")):
                raise InputError(str(other_path), f"article {article['id']}, attribution {n}: source, cue and content must be strings")
        predictions.append([Attribution(**{k: a[k] for k in fields if a.get(k) is not None}) for a in second["attributions"]])
    return {"articles": len(gold), "quality": evaluate(gold, predictions).to_dict(), "against": str(other_path)}


def bench_attribution(gold_path: Path, bodies_csv: Path | None = None, speed_docs: int = 300) -> dict[str, Any]:
    """Evaluate on the gold set; optionally time analyze vs nlp.pipe alone on FNC-1 bodies (median of 3 runs)."""
    gold = load_gold(gold_path)
    analyses = list(analyze_texts(gold_texts(gold)))
    report = evaluate(gold, [a.attributions for a in analyses])
    problems: list[str] = []
    for article, analysis in zip(gold, analyses, strict=True):
        # a bare place: a place name that the annotators never took for a speaker ("Israel rejected" is one)
        gold_sources = " | ".join(g["source"].lower() for g in article["attributions"])
        places = {e.text for e in analysis.entities if e.label in ("GPE", "LOC", "FAC") and e.text.lower() not in gold_sources}
        problems += source_problems(analysis.attributions, places)
    result: dict[str, Any] = {
        "articles": len(gold),
        "quality": report.to_dict(),
        "source_problems": problems,
        "misses": report.misses,
        "spurious": report.spurious,
    }
    if bodies_csv is not None:
        if not bodies_csv.is_file():
            raise InputError(str(bodies_csv), "no such file")
        with open(bodies_csv, encoding="utf-8", newline="") as f:
            texts = [row["articleBody"] for _, row in zip(range(speed_docs), csv.DictReader(f), strict=False)]
        words = sum(len(t.split()) for t in texts)
        nlp = load_nlp()
        spacy_runs, analyze_runs = [], []
        for _ in range(3):
            t = time.perf_counter()
            for _doc in nlp.pipe(texts, batch_size=32):
                pass
            spacy_runs.append(time.perf_counter() - t)
            t = time.perf_counter()
            for _a in analyze_texts(texts, nlp):
                pass
            analyze_runs.append(time.perf_counter() - t)
        spacy_s, analyze_s = sorted(spacy_runs)[1], sorted(analyze_runs)[1]
        result["speed"] = {
            "docs": len(texts),
            "words": words,
            "spacy_words_per_s": round(words / spacy_s),
            "analyze_words_per_s": round(words / analyze_s),
            "ratio": round(analyze_s / spacy_s, 2),
        }
    return result
