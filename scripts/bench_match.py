"""Matching throughput: `python scripts/bench_match.py [N_BODIES] [N_CLAIMS]` prints figures (not a test).

Ingests N FNC-1 bodies and tracks N FNC-1 headlines as claims in a fresh SQLite file, then times:
the first match (every sentence embedded), adding one claim (incremental: cached vectors), and the
same first match with retrieval switched off (every pair through the stance model).
"""

from __future__ import annotations

import csv
import random
import sys
import tempfile
import time
from pathlib import Path

from claimwatch.engine.local import match
from claimwatch.records import Article
from claimwatch.settings import Settings
from claimwatch.stance import StanceModel
from claimwatch.store import Store

FNC = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "fnc1"


def main() -> int:
    n_bodies = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    n_claims = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    with open(FNC / "train_bodies.csv", encoding="utf-8", newline="") as f:
        bodies = [r["articleBody"] for r in csv.DictReader(f)][:n_bodies]
    with open(FNC / "train_stances.csv", encoding="utf-8", newline="") as f:
        headlines = sorted({r["Headline"] for r in csv.DictReader(f)})
    random.Random(7).shuffle(headlines)
    model = StanceModel.load()
    with tempfile.TemporaryDirectory() as tmp:
        for label, threshold in (("retrieval on (0.3)", None), ("retrieval off", -1.0)):
            settings = Settings(db=str(Path(tmp) / f"{threshold}.db"))
            if threshold is not None:
                settings = settings.with_(retrieval_threshold=threshold)
            with Store(settings) as store:
                store.add_articles([Article(text=b, origin=f"fnc:{i}") for i, b in enumerate(bodies)])
                for h in headlines[:n_claims]:
                    store.add_claim(h)
                t = time.perf_counter()
                first = match(store, model, settings)
                cold = time.perf_counter() - t
                store.add_claim(headlines[n_claims])
                t = time.perf_counter()
                extra = match(store, model, settings)
                warm = time.perf_counter() - t
            print(
                f"{label:<20} first match: {first.pairs} pairs in {cold:.1f} s ({first.pairs / cold:.0f} pairs/s, "
                f"{first.classified} classified, {first.related} related); one new claim: {extra.pairs} pairs in {warm:.2f} s "
                f"({extra.pairs / warm:.0f} pairs/s)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
