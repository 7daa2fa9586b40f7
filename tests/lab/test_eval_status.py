"""Status rules against Emergent claim truth (gold stances), with a pinned floor."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimwatch.errors import InputError
from claimwatch.lab.eval_status import (
    DEFAULT_RULES,
    evaluate_inputs,
    gold_items,
    load_emergent,
    macro_f1_interval,
    normalise_headline,
    score,
)
from tests.conftest import SHARED, need

EMERGENT = SHARED / "emergent" / "emergent_claims_articles.csv"


def test_status_rules_beat_the_vote_baseline_on_held_out_claims() -> None:
    claims = load_emergent(need(EMERGENT))
    assert len(claims) == 300
    items = gold_items(claims)
    test = evaluate_inputs(items["test"], DEFAULT_RULES)
    # measured 0.580 macro-F1 / 0.578 accuracy on the test half (rules chosen on the dev half; 0.598 / 0.594 with the
    # previous rules, tuned on gold stances only); vote rules ~0.46
    assert test["macro_f1"] >= 0.57 and test["accuracy"] >= 0.56
    from claimwatch.lab.eval_status import _vote

    vote = score([t for t, _ in items["test"]], [_vote(i) for _, i in items["test"]])
    assert test["macro_f1"] > vote["macro_f1"] + 0.05


def test_score_and_join_helpers() -> None:
    report = score(["true", "false", "unknown", "unknown"], ["true", "unknown", "unknown", "false"])
    assert report["accuracy"] == 0.5 and report["f1"]["true"] == 1.0 and report["confusion"]["false"]["unknown"] == 1
    assert normalise_headline("Apple's new Watch: 19M sold?") == "apple s new watch 19m sold"


def test_macro_f1_interval_brackets_the_figure_and_is_repeatable() -> None:
    gold = ["true"] * 10 + ["false"] * 10 + ["unknown"] * 15
    predicted = ["true"] * 7 + ["unknown"] * 3 + ["false"] * 5 + ["unknown"] * 5 + ["unknown"] * 12 + ["true"] * 3
    point = score(gold, predicted)["macro_f1"]
    low, high = macro_f1_interval(gold, predicted)
    assert 0.0 <= low < point < high <= 1.0 and high - low > 0.1  # 35 claims: a wide interval
    assert macro_f1_interval(gold, predicted) == [low, high]  # fixed seed
    assert macro_f1_interval(gold, gold) == [1.0, 1.0] and macro_f1_interval([], []) == [0.0, 0.0]


def test_bad_emergent_file(tmp_path: Path) -> None:
    bad = tmp_path / "e.csv"
    bad.write_text("claimId,claimTruth\nx,maybe\n", "utf-8")
    with pytest.raises(InputError, match="not the Emergent layout"):
        load_emergent(bad)


def test_tuning_with_gold_stances_only() -> None:
    from claimwatch.lab.eval_status import tune_rules

    claims = load_emergent(need(EMERGENT))
    items = gold_items(claims)
    tuned, scores = tune_rules(items["dev"])
    assert scores["gold"] == scores["mean"] == evaluate_inputs(items["dev"], tuned)["macro_f1"] >= 0.62
    # gold stances are certain and carry no evidence: the confidence and direction thresholds are not searched
    assert (tuned.min_confidence, tuned.opposite_as) == (0.0, "disagree")


def test_predicted_stances_are_counted_as_a_dossier_counts_them() -> None:
    """The bench's predicted path goes through the dossier's own code: uncertain stances and agreeing evidence that
    states the claim's opposite are counted as the dossier counts them, under each rule set tried."""
    from claimwatch.lab.eval_status import EmergentClaim, PredictedClaim, PredictedSet
    from claimwatch.records import Article, Evidence, StanceResult
    from claimwatch.track.dossier import make_entry, mentions
    from claimwatch.track.status import StatusRules

    claim = EmergentClaim("c1", "Macaulay Culkin is dead", "false")
    rows = [
        ("agree", 0.9, "Macaulay Culkin is NOT dead, his publicist said."),  # the model's mistake: the text says the opposite
        ("agree", 0.55, "Macaulay Culkin was found dead at his home, police said."),
        ("discuss", 0.8, "Rumours about Macaulay Culkin spread on Facebook."),
    ]
    entries = []
    for n, (label, p, sentence) in enumerate(rows, start=1):
        stance = StanceResult(
            label=label, probabilities={label: p}, evidence=[Evidence(text=sentence, score=0.8, start=0, end=len(sentence))]
        )  # type: ignore[arg-type]
        entries.append(make_entry(Article(text="", id=n), stance, [], claim.text, StatusRules(min_confidence=0.0)))
    predicted = PredictedSet([PredictedClaim(claim, entries, *mentions(entries, claim.text), held_out=True)])
    [(truth, inputs)] = predicted.items(StatusRules(min_confidence=0.6, opposite_as="disagree"))
    assert truth == "false" and (inputs.agree, inputs.disagree, inputs.discuss, inputs.uncertain, inputs.opposite) == (0, 1, 1, 1, 1)
    [(_, inputs)] = predicted.items(StatusRules(min_confidence=0.5, opposite_as="uncertain"))
    assert (inputs.agree, inputs.disagree, inputs.uncertain) == (1, 0, 1)
    other_half = "dev" if claim.split == "test" else "test"
    assert predicted.subset(other_half).claims == [] and predicted.subset(held_out_only=True).claims == predicted.claims
    assert all(not e.uncertain for e in entries)  # counting under a rule set works on copies
