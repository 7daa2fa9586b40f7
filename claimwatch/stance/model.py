"""The stance model: features (features.py) + a LightGBM classifier, shipped inside the package.

`StanceModel.load()` reads the committed artifact; `train()` rebuilds it reproducibly from FNC-1.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

from claimwatch.errors import ModelError
from claimwatch.nlp.embed import Embedder, Encoder, get_embedder
from claimwatch.records import STANCE_LABELS, Evidence, StanceResult
from claimwatch.stance.cross import CrossEncoder, cross_input
from claimwatch.stance.evidence import evidence_indices
from claimwatch.stance.features import FEATURE_NAMES, BodyRep, ClaimRep, body_reps, claim_reps, pair_features

MODEL_FILE = "stance.lgb"
META_FILE = "meta.json"
MAX_EVIDENCE = 8
# Weight of the cross-encoder in the related mass. Chosen on topic fold 2 (`bench stance-fold --fold 2`),
# never on the hold-out: macro-F1 0.676 / 0.699 / 0.659 / 0.632 at 0 / 0.3 / 0.5 / 0.7 (with the current
# embedder: 0.674 / 0.701 / 0.670 / 0.644). Above 0.3 the cross-encoder's weak disagree calls
# (F1 0.23 alone) override the LightGBM stage's refute cues.
CROSS_WEIGHT = 0.3
SEED = 13
PARAMS: dict[str, Any] = {
    "objective": "multiclass",
    "num_class": 4,
    "learning_rate": 0.05,
    # Small leaves with many rows each: deeper trees learned topic-specific splits and lost
    # disagree recall on topic-disjoint folds (31 leaves/40 rows: disagree F1 0.25 vs 0.30 here).
    "num_leaves": 15,
    "min_data_in_leaf": 100,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "seed": SEED,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 2,
    "verbose": -1,
}
ROUNDS = 400
# Class weights ~ 1/frequency: fully balanced training gave the best macro-F1 and disagree F1 on
# topic-disjoint folds (power 0.5: macro-F1 0.641, disagree 0.21; power 1.0: 0.651, 0.25), at ~0.1 FNC points.
BALANCE_POWER = 1.0


def class_weights(labels: np.ndarray, power: float = BALANCE_POWER) -> np.ndarray:
    """Per-row weights ~ (1 / class frequency) ** power, normalised to mean 1."""
    counts = np.bincount(labels, minlength=len(STANCE_LABELS)).astype(float)
    per_class = (counts.sum() / np.maximum(counts, 1)) ** power
    w = per_class[labels]
    return w / w.mean()


def default_model_dir() -> Path:
    """Directory of the artifact committed inside the package."""
    return Path(str(resources.files("claimwatch.stance").joinpath("model")))


@dataclass
class Featurised:
    """Feature rows for a set of (claim, body) pairs, with per-pair sentence similarities."""

    X: np.ndarray
    sims: list[np.ndarray] = field(default_factory=list)


def featurise(claims: Sequence[ClaimRep], bodies: Sequence[BodyRep], pairs: Sequence[tuple[int, int]]) -> Featurised:
    """Feature matrix for (claim index, body index) pairs."""
    X = np.zeros((len(pairs), len(FEATURE_NAMES)), dtype=np.float32)
    sims = []
    for row, (ci, bi) in enumerate(pairs):
        X[row], s = pair_features(claims[ci], bodies[bi])
        sims.append(s)
    return Featurised(X=X, sims=sims)


class StanceModel:
    """Predicts agree / disagree / discuss / unrelated for (claim, article text) pairs, with evidence."""

    def __init__(
        self,
        booster: lgb.Booster,
        meta: dict[str, Any],
        embedder: Encoder | None = None,
        cross: CrossEncoder | None = None,
        threads: int | None = None,
    ) -> None:
        self.booster = booster
        self.meta = meta
        self.threads = threads or 2
        self.embedder = embedder or get_embedder()
        # Its features are similarities in one embedding space; another graph's vectors would mislead it.
        if meta.get("embedder") and meta["embedder"] != self.embedder.version:
            raise ModelError(
                f"the stance model was trained with embedder {meta['embedder']}, this install has {self.embedder.version}; "
                "retrain with `claimwatch train stance`"
            )
        self.cross = cross
        # A LightGBM-only artifact records "cross": null.
        self.cross_weight = float((meta.get("cross") or {}).get("weight", CROSS_WEIGHT))
        self.version = meta.get("version", "unknown")

    @classmethod
    def load(cls, model_dir: Path | None = None, threads: int | None = None) -> StanceModel:
        """Load the artifact (default: the one shipped in the package). `threads` sets the CPU threads of
        each model (default 2); a Dask worker process uses 1, since its siblings use the other cores."""
        model_dir = model_dir or default_model_dir()
        model_path, meta_path = model_dir / MODEL_FILE, model_dir / META_FILE
        if not model_path.is_file() or not meta_path.is_file():
            raise ModelError(f"no stance model in {model_dir}; run `claimwatch train stance` to build one")
        meta = json.loads(meta_path.read_text("utf-8"))
        if meta.get("features") != FEATURE_NAMES:
            raise ModelError(f"stance model in {model_dir} was trained on other features; retrain with `claimwatch train stance`")
        booster = lgb.Booster(model_str=model_path.read_text("utf-8"))
        cross = CrossEncoder(model_dir / meta["cross"]["file"], meta["cross"]["sha256"], threads) if meta.get("cross") else None
        embedder = Embedder(threads=threads) if threads else None
        return cls(booster, meta, embedder=embedder, cross=cross, threads=threads)

    def save(self, model_dir: Path) -> None:
        """Write the booster and its metadata."""
        model_dir.mkdir(parents=True, exist_ok=True)
        (model_dir / MODEL_FILE).write_text(self.booster.model_to_string(), encoding="utf-8")
        (model_dir / META_FILE).write_text(json.dumps(self.meta, indent=2) + "\n", encoding="utf-8")
        if self.cross is not None and self.cross.path.resolve() != (model_dir / self.cross.path.name).resolve():
            shutil.copyfile(self.cross.path, model_dir / self.cross.path.name)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities in STANCE_LABELS order (the LightGBM stage alone)."""
        return np.asarray(self.booster.predict(X, num_threads=self.threads))

    def apply_cross(self, proba: np.ndarray, claims: Sequence[str], excerpt: Callable[[int], str]) -> np.ndarray:
        """Second stage: re-share the related probability mass with the cross-encoder.

        Only rows the first stage does not call unrelated with P >= 0.5 can change label, so only
        those go through the cross-encoder (see `mix_related`), and only their excerpts are built
        (`excerpt(row)`): most candidate pairs are unrelated, and building an excerpt costs a pass
        over the body's sentences.
        """
        if self.cross is None or not len(proba):
            return proba
        rows = cross_rows(proba)
        if not rows:
            return proba
        ce = self.cross.predict([claims[i] for i in rows], [excerpt(i) for i in rows])
        return mix_related(proba, rows, ce, self.cross_weight)

    def predict_pairs(
        self,
        claims: Sequence[str],
        bodies: Sequence[str],
        pairs: Sequence[tuple[int, int]],
        evidence: int = 3,
        min_similarity: float | None = None,
        encoder: Encoder | None = None,
        also_above: float | None = None,
    ) -> list[StanceResult]:
        """Stance for each (claim index, body index) pair; bodies and claims are featurised once each.

        With `min_similarity`, pairs whose best claim-sentence similarity is below it are retrieval
        misses: labelled unrelated without running the classifier (model_version "retrieval"; empty
        probabilities, since no model was asked). On FNC-1, 0.3 keeps 99.4 % of related pairs and skips
        85 % of all claim x body pairs. With `also_above`, every other sentence at least that similar
        to the claim is appended to the evidence (up to MAX_EVIDENCE), so a dossier can find the
        attributions that report the claim in other words.
        """
        encoder = encoder or self.embedder
        c_reps = claim_reps(list(claims), encoder)
        if min_similarity is None:
            b_reps = body_reps(list(bodies), encoder)
            sims_of = [b_reps[bi].emb @ c_reps[ci].emb for ci, bi in pairs]
        else:
            # Retrieval needs only the sentence vectors; lexical features only for bodies in candidate pairs.
            light = body_reps(list(bodies), encoder, full=[False] * len(bodies))
            sims_of = [light[bi].emb @ c_reps[ci].emb for ci, bi in pairs]
            wanted = {bi for (_, bi), s in zip(pairs, sims_of, strict=True) if len(s) and float(s.max()) >= min_similarity}
            b_reps = list(light)
            order = sorted(wanted)
            for i, rep in zip(order, body_reps([bodies[i] for i in order], encoder), strict=True):
                b_reps[i] = rep
        best = [float(s.max()) if len(s) else 0.0 for s in sims_of]
        chosen = [i for i, b in enumerate(best) if min_similarity is None or b >= min_similarity]
        feats = featurise(c_reps, b_reps, [pairs[i] for i in chosen])
        proba = self.predict_proba(feats.X) if chosen else np.zeros((0, 4))
        if self.cross is not None and chosen:
            proba = self.apply_cross(
                proba,
                [claims[pairs[i][0]] for i in chosen],
                lambda row: cross_input(b_reps[pairs[chosen[row]][1]].sentences, sims_of[chosen[row]]),
            )
        by_pair = dict(zip(chosen, proba, strict=True))
        results = []
        for n, (_, bi) in enumerate(pairs):
            sims, sentences = sims_of[n], b_reps[bi].sentences
            if n not in by_pair:
                top = int(np.argmax(sims))
                results.append(
                    StanceResult(
                        label="unrelated",
                        probabilities={},
                        evidence=[
                            Evidence(text=sentences[top].text, score=round(best[n], 4), start=sentences[top].start, end=sentences[top].end)
                        ],
                        model_version="retrieval",
                        similarity=round(best[n], 4),
                    )
                )
                continue
            p = by_pair[n]
            label = STANCE_LABELS[int(np.argmax(p))]
            top_k = evidence_indices(sims, sentences, evidence)
            if also_above is not None:
                top_k += [int(i) for i in np.argsort(-sims) if sims[i] >= also_above and int(i) not in top_k][: MAX_EVIDENCE - len(top_k)]
            results.append(
                StanceResult(
                    label=label,
                    probabilities={lab: round(float(v), 4) for lab, v in zip(STANCE_LABELS, p, strict=True)},
                    evidence=[
                        Evidence(text=sentences[i].text, score=round(float(sims[i]), 4), start=sentences[i].start, end=sentences[i].end)
                        for i in top_k
                    ],
                    model_version=self.version,
                    similarity=round(best[n], 4),
                )
            )
        return results

    def predict(self, claim: str, bodies: Sequence[str], evidence: int = 3) -> list[StanceResult]:
        """Stance of each body towards one claim."""
        return self.predict_pairs([claim], bodies, [(0, i) for i in range(len(bodies))], evidence)


def cross_rows(proba: np.ndarray) -> list[int]:
    """Rows whose label the cross-encoder can change: those the first stage does not call unrelated with P >= 0.5."""
    return [i for i in range(len(proba)) if proba[i, 3] < 0.5]


def mix_related(proba: np.ndarray, rows: Sequence[int], cross: np.ndarray | None, weight: float) -> np.ndarray:
    """The first stage's probabilities with the related mass of `rows` re-shared: a weighted mean of the
    LightGBM's related distribution and the cross-encoder's (`cross`: agree/disagree/discuss per row)."""
    out = proba.copy()
    if cross is None or not len(rows):
        return out
    related = 1.0 - proba[rows, 3]
    lgb_related = proba[rows, :3] / np.maximum(related[:, None], 1e-9)
    out[rows, :3] = (weight * cross + (1.0 - weight) * lgb_related) * related[:, None]
    return out


def dataset_features(
    claims: list[str], bodies: list[str], pairs: list[tuple[int, int]], embedder: Encoder, cache_dir: Path | None = None
) -> np.ndarray:
    """Feature matrix for a whole data set, cached on disk by content hash (training and benchmarks rerun often)."""
    key = hashlib.sha256(json.dumps([claims, bodies, pairs, FEATURE_NAMES, embedder.version]).encode()).hexdigest()[:20]
    path = cache_dir / f"stance-features-{key}.npy" if cache_dir else None
    if path and path.is_file():
        return np.load(path)
    X = featurise(claim_reps(claims, embedder), body_reps(bodies, embedder), pairs).X
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, X)
    return X


def fit(X: np.ndarray, y: np.ndarray, rounds: int = ROUNDS, power: float = BALANCE_POWER) -> lgb.Booster:
    """Train the LightGBM classifier with fixed seeds and class weights."""
    ds = lgb.Dataset(X, label=y, weight=class_weights(y, power), feature_name=FEATURE_NAMES, free_raw_data=False)
    return lgb.train(PARAMS, ds, num_boost_round=rounds)


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """Run fn and return (result, seconds)."""
    t = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - t
