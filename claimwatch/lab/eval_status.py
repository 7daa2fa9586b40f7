"""`claimwatch bench status`: the status rules against Emergent's claim truth (true / false / unknown).

Two views: with Emergent's gold article stances (for / against / observing = agree / disagree /
discuss), and with stances our model predicts for the FNC-1 bodies that join an Emergent claim
(FNC-1 headline = Emergent article headline). Status maps to truth as confirmed -> true,
denied -> false, disputed and unverified -> unknown. Claims are split in two halves by a hash of
their id: the rule thresholds are chosen on the "dev" half (`tune_rules`) and reported on "test".
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimwatch.errors import InputError
from claimwatch.lab.fnc import FncData
from claimwatch.records import StatusInputs
from claimwatch.track.status import DEFAULT_RULES, StatusRules, decide_status

TRUTHS = ("true", "false", "unknown")
TO_TRUTH = {"confirmed": "true", "denied": "false", "disputed": "unknown", "unverified": "unknown"}
GOLD_STANCE = {"for": "agree", "against": "disagree", "observing": "discuss"}


@dataclass
class EmergentClaim:
    """One Emergent claim with its truth and its articles (stance, headline, outlet)."""

    claim_id: str
    text: str
    truth: str
    articles: list[tuple[str, str, str]] = field(default_factory=list)  # (stance agree/disagree/discuss, headline, outlet)

    @property
    def split(self) -> str:
        """'dev' or 'test', fixed by the claim id."""
        return "dev" if int(hashlib.sha1(self.claim_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


def normalise_headline(text: str) -> str:
    """Lower-case words only, for joining FNC-1 headlines to Emergent article headlines."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def load_emergent(path: Path) -> dict[str, EmergentClaim]:
    """Read `emergent_claims_articles.csv` into claims with their articles."""
    if not path.is_file():
        raise InputError(str(path), "no such file")
    claims: dict[str, EmergentClaim] = {}
    with open(path, encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.DictReader(f), start=2):
            try:
                cid, truth, stance = row["claimId"], row["claimTruth"], row["articleHeadlineStance"]
            except KeyError as exc:
                raise InputError(str(path), f"not the Emergent layout: missing column {exc}") from None
            if truth not in TRUTHS or stance not in GOLD_STANCE:
                raise InputError(f"{path}:{n}", f"unexpected truth {truth!r} or stance {stance!r}")
            claim = claims.setdefault(cid, EmergentClaim(cid, row["claimHeadline"], truth))
            claim.articles.append((GOLD_STANCE[stance], row["articleHeadline"], row["source"]))
    return claims


def inputs_from_stances(stances: list[tuple[str, bool]]) -> StatusInputs:
    """Status inputs from (stance, hedged) per independent article."""
    counts = Counter(s for s, _ in stances)
    return StatusInputs(
        agree=counts["agree"],
        disagree=counts["disagree"],
        discuss=counts["discuss"],
        agree_hedged=sum(1 for s, h in stances if s == "agree" and h),
    )


def score(gold: list[str], predicted: list[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 over true/false/unknown, per-class F1, confusion."""
    f1 = {}
    for t in TRUTHS:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == t)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if p == t and g != t)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == t and p != t)
        f1[t] = round(2 * tp / (2 * tp + fp + fn), 3) if tp else 0.0
    accuracy = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p) / max(len(gold), 1)
    confusion = {g: {p: sum(1 for a, b in zip(gold, predicted, strict=True) if a == g and b == p) for p in TRUTHS} for g in TRUTHS}
    return {
        "claims": len(gold),
        "accuracy": round(accuracy, 3),
        "macro_f1": round(sum(f1.values()) / 3, 3),
        "f1": f1,
        "confusion": confusion,
    }


def evaluate_inputs(items: list[tuple[str, StatusInputs]], rules: StatusRules) -> dict[str, Any]:
    """Score the rules on (truth, inputs) items."""
    predicted = [TO_TRUTH[decide_status(inputs, rules)[0]] for _, inputs in items]
    return score([t for t, _ in items], predicted)


def rule_grid() -> list[StatusRules]:
    """The thresholds tried when tuning."""
    return [
        StatusRules(deny_min=dm, deny_ratio=dr, confirm_min=cm, confirm_share=cs, hedged_support=hs)
        for dm, dr, cm, cs, hs in itertools.product((1, 2), (0.25, 0.5, 1.0, 2.0), (1, 2, 3, 4), (0.5, 0.6, 0.7, 0.8), (False, True))
    ]


def tune_rules(items: list[tuple[str, StatusInputs]]) -> tuple[StatusRules, float]:
    """The grid's best rules by macro-F1 on `items` (ties: the earlier, simpler rules)."""
    best, best_f1 = DEFAULT_RULES, -1.0
    for rules in rule_grid():
        f1 = evaluate_inputs(items, rules)["macro_f1"]
        if f1 > best_f1:
            best, best_f1 = rules, f1
    return best, best_f1


def gold_items(claims: dict[str, EmergentClaim]) -> dict[str, list[tuple[str, StatusInputs]]]:
    """(truth, inputs) per split, from Emergent's own article stances (one vote per outlet)."""

    items: dict[str, list[tuple[str, StatusInputs]]] = defaultdict(list)
    for claim in claims.values():
        inputs = _gold_inputs(claim)
        items[claim.split].append((claim.truth, inputs))
        items["all"].append((claim.truth, inputs))
    return items


def fnc_join(claims: dict[str, EmergentClaim], data: FncData) -> dict[str, list[int]]:
    """Emergent claim id -> FNC-1 body ids whose related headlines are that claim's article headlines."""
    claim_of_headline = {normalise_headline(h): c.claim_id for c in claims.values() for _, h, _ in c.articles}
    votes: dict[int, Counter[str]] = defaultdict(Counter)
    for headline, body_id, stance in data.pairs:
        cid = claim_of_headline.get(normalise_headline(headline))
        if cid and stance != "unrelated":
            votes[body_id][cid] += 1
    joined: dict[str, list[int]] = defaultdict(list)
    for body_id, counter in sorted(votes.items()):
        joined[counter.most_common(1)[0][0]].append(body_id)
    return dict(joined)


def bench_status(emergent_csv: Path, bodies_csv: Path | None = None, stances_csv: Path | None = None, tune: bool = False) -> dict[str, Any]:
    """Status accuracy / macro-F1 on Emergent with gold stances, and with predicted stances where FNC-1 joins."""
    claims = load_emergent(emergent_csv)
    gold = gold_items(claims)
    rules = DEFAULT_RULES
    result: dict[str, Any] = {"rules": rules.__dict__}
    if tune:
        tuned, dev_f1 = tune_rules(gold["dev"])
        result["tuned_on_dev"] = {"rules": tuned.__dict__, "dev_macro_f1": dev_f1, "test": evaluate_inputs(gold["test"], tuned)}
    result["gold_stances"] = {split: evaluate_inputs(gold[split], rules) for split in ("dev", "test", "all")}
    result["always_unknown"] = score([t for t, _ in gold["all"]], ["unknown"] * len(gold["all"]))
    result["vote_baseline"] = score([t for t, _ in gold["all"]], [_vote(i) for _, i in gold["all"]])
    if bodies_csv is not None and stances_csv is not None:
        result["predicted_stances"] = _predicted(claims, bodies_csv, stances_csv, rules)
    return result


def _vote(inputs: StatusInputs) -> str:
    """The simple vote baseline: the majority of for / against / observing decides true / false / unknown."""
    votes = {"true": inputs.agree, "false": inputs.disagree, "unknown": inputs.discuss}
    return max(votes, key=lambda k: (votes[k], k == "unknown"))


def _predicted(claims: dict[str, EmergentClaim], bodies_csv: Path, stances_csv: Path, rules: StatusRules) -> dict[str, Any]:
    """Stances predicted by the shipped model for joined FNC-1 bodies vs the claim text, then the rules."""
    from claimwatch.lab.fnc import load_fnc
    from claimwatch.lab.train_stance import holdout_body_ids
    from claimwatch.stance import StanceModel

    data = load_fnc(bodies_csv, stances_csv)
    joined = fnc_join(claims, data)
    held_out = holdout_body_ids(data)
    model = StanceModel.load()
    claim_ids = sorted(joined)
    body_ids = sorted({b for c in claim_ids for b in joined[c]})
    b_pos = {b: i for i, b in enumerate(body_ids)}
    pairs = [(ci, b_pos[b]) for ci, c in enumerate(claim_ids) for b in joined[c]]
    start = time.perf_counter()
    results = model.predict_pairs([claims[c].text for c in claim_ids], [data.bodies[b] for b in body_ids], pairs, evidence=1)
    seconds = time.perf_counter() - start
    predicted: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for (ci, _bi), r in zip(pairs, results, strict=True):
        predicted[claim_ids[ci]].append((r.label, False))
    out: dict[str, Any] = {"joined_claims": len(claim_ids), "bodies": len(body_ids), "seconds": round(seconds, 1)}
    subsets = {
        "all_joined": claim_ids,
        "held_out_bodies_only": [c for c in claim_ids if all(b in held_out for b in joined[c])],
    }
    for name, ids in subsets.items():
        items = [(claims[c].truth, inputs_from_stances(predicted[c])) for c in ids]
        gold_same = [(claims[c].truth, _gold_inputs(claims[c])) for c in ids]
        out[name] = {"predicted": evaluate_inputs(items, rules), "gold_stances_same_claims": evaluate_inputs(gold_same, rules)}
    out["note"] = "all_joined includes bodies the stance model was trained on (optimistic); held_out_bodies_only does not"
    return out


def _gold_inputs(claim: EmergentClaim) -> StatusInputs:
    """Status inputs from Emergent's own article stances, one vote per outlet."""
    from claimwatch.attribution.analyze import headline_hedged

    per_outlet: dict[str, tuple[str, bool]] = {}
    for stance, headline, outlet in claim.articles:
        per_outlet.setdefault(outlet or headline, (stance, headline_hedged(headline)))
    return inputs_from_stances(list(per_outlet.values()))
