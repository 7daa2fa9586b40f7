"""Draw the bodies of a fresh attribution held-out set: `python scripts/draw_heldout_bodies.py SEED OUT_DIR`.

How held-out sets are drawn, written down so that the next one is drawn the same way: FNC-1 training bodies of 400
to 6,000 characters that py3langid takes for English, never used by an annotated set in tests/data and not a near
copy of one (half or more of its five-word shingles, counted on the shorter text, shared with an annotated article:
FNC-1 repeats some stories almost word for word); 12 from bodies with a "disagree" pair and 12 without, in an order
fixed by SEED. Sets 17 and 18 were drawn without the near-copy test: two bodies of set 17 repeat development texts,
and set 18 left out the one copy it drew. Writes OUT_DIR/ID.txt (the exact body), OUT_DIR/ids.json, and OUT_DIR/groups.json:
four groups of similar total length for four annotators. The annotators follow the guidelines of the previous set and
never see the extractor's output; the set is committed unscored and measured once.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

import py3langid

from claimwatch.lab.eval_attribution import load_gold
from claimwatch.lab.fnc import load_fnc

ROOT = Path(__file__).resolve().parent.parent
FNC = ROOT.parent / "shared" / "data" / "fnc1"
PER_SIDE = 12
NEAR_COPY = 0.5


def shingles(text: str) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + 5]) for i in range(len(words) - 4)}


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    seed, out = int(sys.argv[1]), Path(sys.argv[2])
    fnc = load_fnc(FNC / "train_bodies.csv", FNC / "train_stances.csv")
    bodies = {str(body_id): text for body_id, text in fnc.bodies.items()}
    disagree = {str(body_id) for _, body_id, stance in fnc.pairs if stance == "disagree"}
    annotated = {
        str(article["id"]): shingles(article["text"])
        for path in sorted((ROOT / "tests" / "data").glob("attribution_*.jsonl"))
        for article in load_gold(path)
    }

    def near_copy(text: str) -> bool:
        own = shingles(text)
        return any(len(own & other) >= NEAR_COPY * max(1, min(len(own), len(other))) for other in annotated.values())

    candidates = [i for i, t in bodies.items() if i not in annotated and 400 <= len(t) <= 6000 and py3langid.classify(t)[0] == "en"]
    rng = random.Random(seed)
    rng.shuffle(candidates)
    chosen: list[str] = []
    for side in (True, False):
        picked = 0
        for i in candidates:
            if picked == PER_SIDE:
                break
            if (i in disagree) == side and not near_copy(bodies[i]):
                chosen.append(i)
                picked += 1
    rng.shuffle(chosen)
    out.mkdir(parents=True, exist_ok=True)
    for i in chosen:
        (out / f"{i}.txt").write_text(bodies[i], "utf-8")
    (out / "ids.json").write_text(json.dumps(chosen), "utf-8")
    groups: dict[str, list[str]] = {g: [] for g in "ABCD"}
    for i, g in zip(sorted(chosen, key=lambda i: len(bodies[i])), "ABCDDCBA" * 3, strict=False):  # snake order: equal lengths
        groups[g].append(i)
    (out / "groups.json").write_text(json.dumps(groups), "utf-8")
    print(json.dumps(groups))
    return 0


if __name__ == "__main__":
    sys.exit(main())
