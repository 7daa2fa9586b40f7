"""`claimwatch bench status`: the status rules against Emergent's claim truth (true / false / unknown).

Two views: with Emergent's gold article stances (for / against / observing = agree / disagree /
discuss), and with stances our model predicts for the FNC-1 bodies that join an Emergent claim
(FNC-1 headline = Emergent article headline). Predicted stances go through the dossier's own code
(`make_entry`, `mentions`, `status_inputs`): confidence threshold, direction check of the evidence
and of the denials and confirmations quoted in the bodies (attributions extracted with spaCy here,
as ingest does). Status maps to truth as confirmed -> true, denied -> false, disputed and
unverified -> unknown. Claims are split in two halves by a hash of their id: the rule thresholds
are chosen on the "dev" half only (`tune_rules`) and reported on "test". The stance model never
saw the bodies of some claims (`held_out_bodies`); on the others its stances are optimistic.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import itertools
import random
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from claimwatch.errors import InputError
from claimwatch.lab.fnc import FncData
from claimwatch.records import Article, Attribution, DossierEntry, SourceMention, StatusInputs
from claimwatch.track.dossier import count_entry, make_entry, mentions, status_inputs
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


BOOTSTRAP_SAMPLES = 1000


def macro_f1_interval(gold: list[str], predicted: list[str], samples: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> list[float]:
    """95 % bootstrap interval of macro-F1 over the claims (resampled with replacement, fixed seed): how far the
    figure could move on another draw of claims of the same kind; 35 claims leave it wide."""
    if not gold:
        return [0.0, 0.0]
    rng = random.Random(seed)
    n = len(gold)
    values = []
    for _ in range(samples):
        idx = [rng.randrange(n) for _ in range(n)]
        values.append(score([gold[i] for i in idx], [predicted[i] for i in idx])["macro_f1"])
    values.sort()
    return [values[int(0.025 * samples)], values[min(samples - 1, int(0.975 * samples))]]


def evaluate_inputs(items: list[tuple[str, StatusInputs]], rules: StatusRules, interval: bool = False) -> dict[str, Any]:
    """Score the rules on (truth, inputs) items; `interval` adds the macro-F1's 95 % bootstrap interval."""
    predicted = [TO_TRUTH[decide_status(inputs, rules)[0]] for _, inputs in items]
    gold = [t for t, _ in items]
    result = score(gold, predicted)
    if interval:
        result["macro_f1_ci95"] = macro_f1_interval(gold, predicted)
    return result


MIN_CONFIDENCES = (0.0, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)
OPPOSITE_AS: tuple[Literal["disagree", "uncertain"], ...] = ("disagree", "uncertain")


def rule_grid() -> list[StatusRules]:
    """The thresholds tried when tuning."""
    return [
        StatusRules(deny_min=dm, deny_ratio=dr, confirm_min=cm, confirm_share=cs, hedged_support=hs, min_confidence=mc, opposite_as=oa)
        for mc, oa, dm, dr, cm, cs, hs in itertools.product(
            MIN_CONFIDENCES,
            OPPOSITE_AS,
            (1, 2),
            (0.25, 0.5, 1.0, 2.0),
            (2, 3, 4, 5, 6, 7),
            (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7),
            (False, True),
        )
    ]


def tune_rules(gold_dev: list[tuple[str, StatusInputs]], predicted_dev: PredictedSet | None = None) -> tuple[StatusRules, dict[str, float]]:
    """The grid's best rules on the dev half (ties: the earlier, simpler rules). Without predicted stances, by
    macro-F1 with gold stances; with them, by the mean macro-F1 of three views of the dev half: gold stances,
    our model's stances, and our model's stances on the claims whose bodies it never saw (the realistic case)."""
    best, best_score, best_parts = DEFAULT_RULES, -1.0, {}
    views: dict[tuple[float, str], tuple[list[tuple[str, StatusInputs]], list[tuple[str, StatusInputs]]]] = {}
    for rules in rule_grid():
        parts = {"gold": evaluate_inputs(gold_dev, rules)["macro_f1"]}
        if predicted_dev is not None:
            key = (rules.min_confidence, rules.opposite_as)
            if key not in views:
                views[key] = (predicted_dev.items(rules), predicted_dev.items(rules, held_out_only=True))
            parts["predicted"] = evaluate_inputs(views[key][0], rules)["macro_f1"]
            parts["predicted_unseen_bodies"] = evaluate_inputs(views[key][1], rules)["macro_f1"]
        elif (rules.min_confidence, rules.opposite_as) != (0.0, "disagree"):
            continue  # gold stances are certain and have no evidence: these thresholds change nothing
        mean = sum(parts.values()) / len(parts)
        if mean > best_score + 1e-9:
            best, best_score, best_parts = rules, mean, parts
    return best, {k: round(v, 3) for k, v in best_parts.items()} | {"mean": round(best_score, 3)}


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


def bench_status(
    emergent_csv: Path,
    bodies_csv: Path | None = None,
    stances_csv: Path | None = None,
    tune: bool = False,
    attributions: bool = True,
) -> dict[str, Any]:
    """Status accuracy / macro-F1 on Emergent with gold stances, and with predicted stances where FNC-1 joins."""
    claims = load_emergent(emergent_csv)
    gold = gold_items(claims)
    rules = DEFAULT_RULES
    result: dict[str, Any] = {"rules": rules.__dict__}
    predicted = None
    if bodies_csv is not None and stances_csv is not None:
        predicted = predict_joined(claims, bodies_csv, stances_csv, attributions)
    if tune:
        tuned, dev_scores = tune_rules(gold["dev"], predicted.subset("dev") if predicted is not None else None)
        result["tuned_on_dev"] = {"rules": tuned.__dict__, "dev_macro_f1": dev_scores, "test": evaluate_inputs(gold["test"], tuned)}
    result["gold_stances"] = {split: evaluate_inputs(gold[split], rules, interval=True) for split in ("dev", "test", "all")}
    result["always_unknown"] = score([t for t, _ in gold["all"]], ["unknown"] * len(gold["all"]))
    result["vote_baseline"] = score([t for t, _ in gold["all"]], [_vote(i) for _, i in gold["all"]])
    if predicted is not None:
        result["predicted_stances"] = predicted.report(rules)
    return result


def _vote(inputs: StatusInputs) -> str:
    """The simple vote baseline: the majority of for / against / observing decides true / false / unknown."""
    votes = {"true": inputs.agree, "false": inputs.disagree, "unknown": inputs.discuss}
    return max(votes, key=lambda k: (votes[k], k == "unknown"))


@dataclass
class PredictedClaim:
    """An Emergent claim's joined FNC-1 bodies as dossier entries (our model's stances) and the sources in them."""

    claim: EmergentClaim
    entries: list[DossierEntry]
    reported: list[SourceMention]
    against: list[SourceMention]
    supporting: list[SourceMention]
    held_out: bool  # the stance model never saw any of its bodies


@dataclass
class PredictedSet:
    """Predicted-stance views of the joined claims."""

    claims: list[PredictedClaim]
    meta: dict[str, Any] = field(default_factory=dict)

    def subset(self, split: str | None = None, held_out_only: bool = False) -> PredictedSet:
        """The claims of one half ("dev" / "test", None = both), optionally only those with unseen bodies."""
        chosen = [c for c in self.claims if (split is None or c.claim.split == split) and (c.held_out or not held_out_only)]
        return PredictedSet(chosen, self.meta)

    def items(self, rules: StatusRules, held_out_only: bool = False) -> list[tuple[str, StatusInputs]]:
        """(truth, status inputs) per claim, the entries counted under `rules` as a dossier counts them."""
        out = []
        for c in self.claims:
            if held_out_only and not c.held_out:
                continue
            entries = [count_entry(dataclasses.replace(e), rules) for e in c.entries]
            out.append((c.claim.truth, status_inputs(entries, c.reported, c.against, c.supporting, c.claim.text, rules)))
        return out

    def report(self, rules: StatusRules) -> dict[str, Any]:
        """Scores per subset, with Emergent's gold stances on the same claims beside them."""
        out: dict[str, Any] = dict(self.meta)
        subsets = {
            "all_joined": self.subset(),
            "held_out_bodies_only": self.subset(held_out_only=True),
            "dev_half": self.subset("dev"),
            "test_half": self.subset("test"),
            "dev_half_held_out_bodies": self.subset("dev", held_out_only=True),
            "test_half_held_out_bodies": self.subset("test", held_out_only=True),
        }
        for name, sub in subsets.items():
            gold_same = [(c.claim.truth, _gold_inputs(c.claim)) for c in sub.claims]
            out[name] = {
                "predicted": evaluate_inputs(sub.items(rules), rules, interval=True),
                "gold_stances_same_claims": evaluate_inputs(gold_same, rules, interval=True),
            }
        out["note"] = (
            "all_joined and the halves include bodies the stance model was trained on (optimistic); the *held_out_bodies* "
            "subsets do not. held_out_bodies_only spans both halves: its dev claims were used for tuning; "
            "test_half_held_out_bodies is the unbiased figure"
        )
        return out


def predict_joined(claims: dict[str, EmergentClaim], bodies_csv: Path, stances_csv: Path, attributions: bool = True) -> PredictedSet:
    """Stances predicted by the shipped model for the joined FNC-1 bodies against each claim's text (with the
    evidence a dossier stores), the bodies' attributions (spaCy, as ingest), made into dossier entries."""
    from claimwatch.engine.local import EVIDENCE_SIMILARITY
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
    texts = [data.bodies[b] for b in body_ids]
    results = model.predict_pairs([claims[c].text for c in claim_ids], texts, pairs, also_above=EVIDENCE_SIMILARITY)
    seconds = time.perf_counter() - start
    found: dict[int, list[Attribution]] = {b: [] for b in body_ids}
    if attributions:
        from claimwatch.attribution.analyze import analyze_texts

        found = {b: a.attributions for b, a in zip(body_ids, analyze_texts(texts), strict=True)}
    by_claim: dict[str, list[DossierEntry]] = defaultdict(list)
    for (ci, bi), r in zip(pairs, results, strict=True):
        if r.label != "unrelated":
            body = body_ids[bi]
            entry = make_entry(Article(text="", id=body), r, found[body], claims[claim_ids[ci]].text, StatusRules(min_confidence=0.0))
            by_claim[claim_ids[ci]].append(entry)
    predicted = []
    for c in claim_ids:
        entries = by_claim.get(c, [])
        reported, against, supporting = mentions(entries, claims[c].text)
        held = all(b in held_out for b in joined[c])
        predicted.append(PredictedClaim(claims[c], entries, reported, against, supporting, held))
    meta = {
        "joined_claims": len(claim_ids),
        "bodies": len(body_ids),
        "seconds": round(seconds, 1),
        "attributions": attributions,
    }
    return PredictedSet(predicted, meta)


def _gold_inputs(claim: EmergentClaim) -> StatusInputs:
    """Status inputs from Emergent's own article stances, one vote per outlet."""
    from claimwatch.attribution.analyze import headline_hedged

    per_outlet: dict[str, tuple[str, bool]] = {}
    for stance, headline, outlet in claim.articles:
        per_outlet.setdefault(outlet or headline, (stance, headline_hedged(headline)))
    return inputs_from_stances(list(per_outlet.values()))
