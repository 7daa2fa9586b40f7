"""The agreement check: a second person's annotation scored against the gold one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimwatch.errors import InputError
from claimwatch.lab.bench_attribution import agreement

DATA = Path(__file__).resolve().parents[1] / "data"


def test_two_annotators_of_heldout8_agree_as_measured() -> None:
    report = agreement(DATA / "attribution_heldout8.jsonl", DATA / "attribution_heldout8_second.jsonl")
    q = report["quality"]
    assert report["articles"] == 24
    assert (q["source_cue"]["tp"], q["source_cue"]["predicted"], q["source_cue"]["gold"]) == (136, 142, 142)
    assert q["denials_flagged"] == {"flagged": 10, "gold": 11, "rate": pytest.approx(0.909, abs=1e-3)}


def test_a_set_agrees_with_itself_and_mismatches_are_named(tmp_path: Path) -> None:
    gold = DATA / "attribution_heldout8.jsonl"
    q = agreement(gold, gold)["quality"]
    assert q["source_cue"]["precision"] == q["source_cue"]["recall"] == 1.0 and q["denials_flagged"]["rate"] == 1.0
    rows = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines()]
    rows[3]["text"] += " Changed."
    other = tmp_path / "other.jsonl"
    other.write_text("\n".join(json.dumps(r) for r in rows[:5]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=f"article {rows[3]['id']} has a different text"):
        agreement(gold, other)
    other.write_text("\n".join(json.dumps(r) for r in rows[:3]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=f"article {rows[3]['id']} of attribution_heldout8.jsonl is not annotated"):
        agreement(gold, other)
    rows[3]["text"] = rows[3]["text"].removesuffix(" Changed.")
    del rows[3]["attributions"][0]["cue"]
    other.write_text("\n".join(json.dumps(r) for r in rows[:5]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=f"article {rows[3]['id']}, attribution 1: source, cue and content must be strings"):
        agreement(gold, other)
