"""`claimwatch bench pipeline`: end-to-end throughput of the pipeline service against spaCy alone.

The corpus is N FNC-1 bodies written as .txt files (past the 1,683 bodies, bodies are reused with a
numbered closing line, so they are stored as syndicated copies and still analysed and matched) and
K FNC-1 headlines as tracked claims. One run measures, on the same texts: spaCy's full pipeline
alone (`nlp.pipe`), then `Pipeline.ingest` (read, clean, store, attributions, match against the
claims) on a fresh database; then the time of one new claim over everything stored (retrieved
through the sentence vector index), of another new claim scored against every stored article as
before the index (the same stances, for comparison), of rebuilding the index from the store's cached
vectors, and the build time of the largest dossier. With `--growth`, the same for several N, so the
per-article cost can be checked for flatness. Last, one search of the index over `synthetic` random
unit vectors (1,000,000 by default: what a new claim's retrieval costs over a million sentences).
"""

from __future__ import annotations

import csv
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from claimwatch.errors import InputError
from claimwatch.settings import Settings


def _fnc(bodies_csv: Path, stances_csv: Path) -> tuple[list[str], list[str]]:
    for path in (bodies_csv, stances_csv):
        if not path.is_file():
            raise InputError(str(path), "no such file (the FNC-1 training CSVs are in ../shared/data/fnc1/)")
    with open(bodies_csv, encoding="utf-8", newline="") as f:
        bodies = [row["articleBody"] for row in csv.DictReader(f)]
    with open(stances_csv, encoding="utf-8", newline="") as f:
        headlines = list(dict.fromkeys(row["Headline"] for row in csv.DictReader(f)))
    return bodies, headlines


def corpus(bodies: list[str], n: int) -> list[str]:
    """N article texts: the bodies in order, then reused with a numbered closing line."""
    return [bodies[i % len(bodies)] + ("" if i < len(bodies) else f"\n\nRepublished item {i}.") for i in range(n)]


def _rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


def spacy_alone(texts: list[str]) -> float:
    """Seconds for spaCy's full pipeline (the one analysis uses) over the texts."""
    from claimwatch.nlp.pipeline import load_nlp

    nlp = load_nlp()
    start = time.perf_counter()
    for _doc in nlp.pipe(texts, batch_size=32):
        pass
    return time.perf_counter() - start


def run_once(texts: list[str], claims: list[str], folder: Path, settings: Settings) -> dict[str, Any]:
    """Ingest the texts with K claims tracked (`claims` holds K + 2); then one new claim through the vector
    index, one scored against every article, an index rebuild and the largest dossier."""
    from claimwatch.engine import local
    from claimwatch.engine.pipeline import Pipeline
    from claimwatch.nlp.embed import EMBEDDER_VERSION, CachingEncoder
    from claimwatch.store.vectors import MARGIN, SentenceIndex, index_directory, index_of
    from claimwatch.track.dossier import build_dossier

    folder.mkdir(parents=True, exist_ok=True)
    for i, text in enumerate(texts):
        (folder / f"{i:06d}.txt").write_text(text, "utf-8")
    with Pipeline(settings) as pipeline:
        pipeline.add_claims(claims[:-2], origin="bench", match=False)
        pipeline.model()  # load the models before the clock starts, as a server would have them
        if settings.engine == "dask":
            pipeline.cluster()
        start = time.perf_counter()
        run = pipeline.ingest([str(folder)])
        seconds = time.perf_counter() - start
        stored = len(run.ingest.ingested) + len(run.ingest.near_duplicates)
        store = pipeline.store
        index = index_of(store, settings, EMBEDDER_VERSION)
        start = time.perf_counter()
        claim, _created, matched = pipeline.add_claim(claims[-2], origin="bench")
        new_claim_s = time.perf_counter() - start
        vector = CachingEncoder(pipeline.model().embedder, store).encode([claim.text])
        start = time.perf_counter()
        hits = index.search(vector, settings.retrieval_threshold - MARGIN)[0]
        search_s = time.perf_counter() - start
        # As before the index: the new claim scored against every stored article (same stances, for comparison).
        # Through the pipeline's store and model, without the status evaluation the pipeline adds after matching.
        with pipeline.write_lock:
            store.put_claim(claims[-1], origin="bench")
            start = time.perf_counter()
            exhaustive = local.match(store, pipeline.model(), settings, exhaustive=True)
            exhaustive_s = time.perf_counter() - start
        cold = SentenceIndex(index_directory(settings, EMBEDDER_VERSION).with_name("bench-rebuild"), EMBEDDER_VERSION)
        start = time.perf_counter()
        cold.sync(store, store.version_watermark())
        rebuild_s = time.perf_counter() - start
        sizes = {
            c.id: n
            for c in pipeline.store.list_claims()
            if c.id is not None
            for n in [len(pipeline.store.stances(claim_id=c.id, related_only=True))]
        }
        largest = max(sizes, key=lambda c: sizes[c])
        start = time.perf_counter()
        dossier = build_dossier(pipeline.store, largest)
        dossier_s = time.perf_counter() - start
    db = Path(settings.db)
    return {
        "articles": stored,
        "failed": len(run.ingest.failed) + len(run.analysis.failed) + len(run.match.failed),
        "seconds": round(seconds, 2),
        "articles_per_s": round(stored / seconds, 2),
        "ms_per_article": round(1000 * seconds / stored, 1),
        "pairs_scored": run.match.pairs,
        "related_pairs": run.match.related,
        "new_claim_s": round(new_claim_s, 2),
        "new_claim_pairs": matched.pairs,
        "new_claim_candidates": matched.classified,
        "new_claim_search_ms": round(1000 * search_s, 1),
        "new_claim_search_hits": len(hits),
        "new_claim_exhaustive_s": round(exhaustive_s, 2),
        "new_claim_exhaustive_pairs": exhaustive.pairs,
        "index_sentences": index.size,
        "index_segments": len(index.segments),
        "index_rebuild_s": round(rebuild_s, 2),
        "largest_dossier_articles": len(dossier.entries),
        "largest_dossier_s": round(dossier_s, 3),
        "db_mb": round(sum(p.stat().st_size for p in db.parent.glob(db.name + "*")) / 1e6, 1) if "://" not in settings.db else None,
        "claim_used_for_new_claim": claim.text,
    }


def bench_pipeline(
    bodies_csv: Path,
    stances_csv: Path,
    articles: int = 800,
    claims: int = 10,
    engine: str = "local",
    workers: int = 2,
    growth: list[int] | None = None,
    db: str | None = None,
    synthetic: int = 1_000_000,
) -> dict[str, Any]:
    """Throughput and its ratio to spaCy alone on the same texts, peak RSS, database size, growth table,
    and a new claim's search over `synthetic` random sentence vectors (0: skipped)."""
    bodies, headlines = _fnc(bodies_csv, stances_csv)
    if claims < 1:
        raise InputError("--claims", "at least one claim is needed")
    tracked = headlines[: claims + 2]  # K tracked during ingest, two more added afterwards
    sizes = growth or [articles]
    result: dict[str, Any] = {"engine": engine, "workers": workers if engine == "dask" else 1, "claims": claims, "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            texts = corpus(bodies, n)
            spacy_s = spacy_alone(texts)
            target = db if db else str(Path(tmp) / f"bench-{n}.db")
            settings = Settings.from_env(db=target, engine=engine, workers=workers)
            row = run_once(texts, tracked, Path(tmp) / f"in-{n}", settings)
            row["spacy_alone_s"] = round(spacy_s, 2)
            row["spacy_articles_per_s"] = round(n / spacy_s, 2)
            row["speedup_vs_spacy"] = round(spacy_s / row["seconds"], 2)
            result["runs"].append(row)
    result["peak_rss_mb"] = _rss_mb()
    if synthetic:
        result["synthetic"] = synthetic_search(synthetic)
    return result


def synthetic_search(n: int, queries: int = 5, threshold: float = 0.3) -> dict[str, Any]:
    """One index segment of `n` random unit vectors (float16-rounded, as cached; 20 per version id), written,
    opened (memory-mapped) and searched for single new claims; median of `queries` searches."""
    import numpy as np

    from claimwatch.store.vectors import DIM, MARGIN, SENTENCE_BITS, Segment, SentenceIndex

    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ids = (np.arange(n, dtype=np.int64) // 20 + 1 << SENTENCE_BITS) + np.arange(n, dtype=np.int64) % 20
        vectors = np.empty((n, DIM), dtype=np.float32)
        for first in range(0, n, 100_000):
            block = rng.standard_normal((min(100_000, n - first), DIM), dtype=np.float32)
            vectors[first : first + len(block)] = (block / np.linalg.norm(block, axis=1, keepdims=True)).astype(np.float16)
        start = time.perf_counter()
        Segment.write(folder, 0, int(ids[-1] >> SENTENCE_BITS), "0" * 12, [(ids, vectors)])
        write_s = time.perf_counter() - start
        probes = vectors[rng.choice(n, size=queries, replace=False)] * 0.5 + rng.standard_normal((queries, DIM), dtype=np.float32) * 0.05
        probes /= np.linalg.norm(probes, axis=1, keepdims=True)
        del vectors
        index = SentenceIndex(folder, "synthetic")
        start = time.perf_counter()
        index.segments = [Segment.open(next(folder.glob("seg-*.faiss")))]
        open_s = time.perf_counter() - start
        timings, hits = [], []
        for q in probes:
            start = time.perf_counter()
            found = index.search(q[None, :], threshold - MARGIN)[0]
            timings.append(time.perf_counter() - start)
            hits.append(len(found))
        return {
            "vectors": n,
            "dim": DIM,
            "write_s": round(write_s, 2),
            "open_s": round(open_s, 3),
            "search_ms_median": round(1000 * sorted(timings)[len(timings) // 2], 1),
            "search_ms_max": round(1000 * max(timings), 1),
            "versions_found_median": sorted(hits)[len(hits) // 2],
            "peak_rss_mb": _rss_mb(),
        }
