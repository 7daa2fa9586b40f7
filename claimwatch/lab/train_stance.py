"""Reproducible training and benchmarking of the stance model on FNC-1-layout data.

Training reports cross-validated figures (5 folds by body, 5 topic-disjoint folds) and then fits
the shipped model on everything except one fixed topic-disjoint hold-out fold (and the bodies used
by `claimwatch demo`), so the hold-out figures in the artifact, and the CI quality gate on them,
measure topics the shipped model has never seen.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from claimwatch.errors import InputError
from claimwatch.lab.fnc import FncData, body_folds, load_fnc, topic_components, topic_folds
from claimwatch.lab.metrics import evaluate
from claimwatch.nlp.embed import CachedEmbedder, Embedder
from claimwatch.records import STANCE_LABELS
from claimwatch.stance import model as m
from claimwatch.stance.cross import cross_input
from claimwatch.stance.features import FEATURE_NAMES, body_reps, claim_reps

HOLDOUT_FOLD = 0
K_FOLDS = 5
Log = Callable[[str], None]


def demo_body_ids() -> set[int]:
    """FNC-1 bodies bundled with `claimwatch demo`: kept out of the shipped model's training."""
    sample = resources.files("claimwatch.demo").joinpath("sample.jsonl").read_text("utf-8")
    return {int(json.loads(line)["fnc_body_id"]) for line in sample.splitlines() if line.strip()}


def _index(data: FncData) -> tuple[list[str], list[int], list[tuple[int, int]], np.ndarray]:
    heads = sorted({h for h, _, _ in data.pairs})
    bids = sorted(data.bodies)
    hi = {h: i for i, h in enumerate(heads)}
    bi = {b: i for i, b in enumerate(bids)}
    pairs = [(hi[h], bi[b]) for h, b, _ in data.pairs]
    y = np.array([STANCE_LABELS.index(s) for _, _, s in data.pairs])
    return heads, bids, pairs, y


def fold_masks(data: FncData, fold: int) -> tuple[np.ndarray, np.ndarray]:
    """(test, train) masks for one topic-disjoint fold: test = bodies of the fold's topics; train
    excludes every pair touching one of its bodies or headlines."""
    body_topic, head_topic = topic_components(data.pairs)
    topics = topic_folds(data, K_FOLDS)[fold]
    test = np.array([body_topic[b] in topics for _, b, _ in data.pairs])
    train = np.array([body_topic[b] not in topics and head_topic[h] not in topics for h, b, _ in data.pairs])
    return test, train


def holdout_mask(data: FncData) -> tuple[np.ndarray, np.ndarray]:
    """(test, train) masks of the fixed topic-disjoint hold-out fold the shipped model never sees."""
    return fold_masks(data, HOLDOUT_FOLD)


def _without_demo(data: FncData, train: np.ndarray, demo: set[int]) -> np.ndarray:
    """The training mask less every pair on a body bundled with `claimwatch demo`."""
    return train & np.array([b not in demo for _, b, _ in data.pairs])


def holdout_body_ids(data: FncData) -> set[int]:
    """Bodies the shipped model never saw in training (hold-out topics and the demo's bodies)."""
    _, train = holdout_mask(data)
    seen = {b for (_, b, _), t in zip(data.pairs, train, strict=True) if t}
    return (set(data.bodies) - seen) | demo_body_ids()


def _cross_validate(data: FncData, X: np.ndarray, y: np.ndarray, kind: str) -> dict[str, Any]:
    gold: list[str] = []
    pred: list[str] = []
    by_body = body_folds(data, K_FOLDS) if kind == "body" else []
    for k in range(K_FOLDS):
        if kind == "topic":
            test, train = fold_masks(data, k)
        else:
            test = np.array([b in by_body[k] for _, b, _ in data.pairs])
            train = ~test
        booster = m.fit(X[train], y[train])
        gold += [STANCE_LABELS[i] for i in y[test]]
        pred += [STANCE_LABELS[i] for i in np.asarray(booster.predict(X[test])).argmax(axis=1)]
    return evaluate(gold, pred)


@dataclass
class _Prepared:
    """FNC-1 featurised once: feature rows, labels and the cross-encoder's excerpts for every pair."""

    data: FncData
    heads: list[str]
    pairs: list[tuple[int, int]]
    y: np.ndarray
    X: np.ndarray
    excerpts: list[str]
    embedder: Embedder
    seconds: float


def _prepare(bodies_csv: Path, stances_csv: Path, cache_dir: Path | None, log: Log) -> _Prepared:
    t0 = time.perf_counter()
    data = load_fnc(bodies_csv, stances_csv)
    embedder: Embedder = CachedEmbedder(cache_dir / "embeddings.npz") if cache_dir else Embedder()
    heads, bids, pairs, y = _index(data)
    log(f"featurising {len(pairs)} pairs ({len(bids)} bodies, {len(heads)} headlines)")
    b_reps = body_reps([data.bodies[b] for b in bids], embedder)
    feats = m.featurise(claim_reps(heads, embedder), b_reps, pairs)
    excerpts = [cross_input(b_reps[bi].sentences, sims) for (_, bi), sims in zip(pairs, feats.sims, strict=True)]
    return _Prepared(data, heads, pairs, y, feats.X, excerpts, embedder, time.perf_counter() - t0)


def _fit_two_stage(
    prep: _Prepared, train: np.ndarray, test: np.ndarray, out_dir: Path, cross: bool, augment: bool, log: Log
) -> tuple[Any, dict[str, Any], dict[str, Any] | None]:
    """Fit the LightGBM stage (and the cross-encoder) on `train`; score `test` with each stage.

    Returns the booster, metrics {"lightgbm_only", "two_stage"} on the test rows, and the
    cross-encoder's metadata (with the test figures at several mixing weights), or None.
    """
    y = prep.y
    booster = m.fit(prep.X[train], y[train])
    lgb_test = np.asarray(booster.predict(prep.X[test]))
    gold_test = [STANCE_LABELS[i] for i in y[test]]
    metrics = {"lightgbm_only": evaluate(gold_test, [STANCE_LABELS[i] for i in lgb_test.argmax(axis=1)])}
    log(f"test topics, LightGBM stage: FNC {metrics['lightgbm_only']['fnc_score']} macro-F1 {metrics['lightgbm_only']['macro_f1']}")
    if not cross:
        metrics["two_stage"] = metrics["lightgbm_only"]
        return booster, metrics, None
    from claimwatch.lab.cross_train import train_cross
    from claimwatch.stance.cross import CrossEncoder

    related_train = [i for i in np.flatnonzero(train) if STANCE_LABELS[y[i]] != "unrelated"]
    log(f"fine-tuning the cross-encoder on {len(related_train)} related pairs (PyTorch, CPU)")
    cross_meta = train_cross(
        [prep.heads[prep.pairs[i][0]] for i in related_train],
        [prep.excerpts[i] for i in related_train],
        [STANCE_LABELS[y[i]] for i in related_train],
        out_dir,
        log,
        augment=augment,
    )
    cross_meta["weight"] = m.CROSS_WEIGHT
    encoder = CrossEncoder(out_dir / cross_meta["file"])
    test_idx = np.flatnonzero(test)
    # The cross-encoder runs once; the mix at each weight is arithmetic on its probabilities.
    rows = m.cross_rows(lgb_test)
    ce = (
        encoder.predict([prep.heads[prep.pairs[test_idx[i]][0]] for i in rows], [prep.excerpts[test_idx[i]] for i in rows])
        if rows
        else None
    )
    cross_meta["test_by_weight"] = {}
    for weight in sorted({0.0, 0.3, 0.5, 0.7, 1.0, m.CROSS_WEIGHT}):
        mixed = m.mix_related(lgb_test, rows, ce, weight)
        alt = evaluate(gold_test, [STANCE_LABELS[i] for i in mixed.argmax(axis=1)])
        cross_meta["test_by_weight"][str(weight)] = {k: alt[k] for k in ("fnc_score", "macro_f1", "f1")}
        if weight == m.CROSS_WEIGHT:
            metrics["two_stage"] = alt
    log(f"test topics, two stages: FNC {metrics['two_stage']['fnc_score']} macro-F1 {metrics['two_stage']['macro_f1']}")
    return booster, metrics, cross_meta


def train_stance(
    bodies_csv: Path,
    stances_csv: Path,
    out_dir: Path,
    cache_dir: Path | None = None,
    cross_validate: bool = True,
    log: Log = print,
    cross: bool = True,
    augment: bool = True,
) -> dict[str, Any]:
    """Train, evaluate and save the stance model (LightGBM stage, then the cross-encoder); returns the metadata."""
    t0 = time.perf_counter()
    prep = _prepare(bodies_csv, stances_csv, cache_dir, log)
    data = prep.data
    metrics: dict[str, Any] = {}
    if cross_validate:
        for kind in ("body", "topic"):
            metrics[f"cv_{kind}"] = _cross_validate(data, prep.X, prep.y, kind)
            log(f"cv by {kind}: FNC {metrics[f'cv_{kind}']['fnc_score']} macro-F1 {metrics[f'cv_{kind}']['macro_f1']}")
    test, train = holdout_mask(data)
    demo = demo_body_ids()
    train = _without_demo(data, train, demo)
    t1 = time.perf_counter()
    booster, fold_metrics, cross_meta = _fit_two_stage(prep, train, test, out_dir, cross, augment, log)
    t_fit = time.perf_counter() - t1
    metrics["holdout_lightgbm_only"] = fold_metrics["lightgbm_only"]
    metrics["holdout"] = fold_metrics["two_stage"]
    meta = {
        "version": f"stance-lgbm{'+cross' if cross else ''}-{data.sha256[:8]}-{int(m.ROUNDS)}",
        "features": FEATURE_NAMES,
        "labels": list(STANCE_LABELS),
        "embedder": prep.embedder.version,
        "training_data": {"bodies": bodies_csv.name, "stances": stances_csv.name, "sha256": data.sha256},
        "training_pairs": int(train.sum()),
        "excluded": {"holdout": {"k": K_FOLDS, "fold": HOLDOUT_FOLD, "pairs": int(test.sum())}, "demo_bodies": sorted(demo)},
        "params": m.PARAMS,
        "rounds": m.ROUNDS,
        "balance_power": m.BALANCE_POWER,
        "metrics": metrics,
        "cross": cross_meta,
        "seconds": {"featurise": round(prep.seconds, 1), "fit_final": round(t_fit, 1), "total": round(time.perf_counter() - t0, 1)},
    }
    if not cross:
        (out_dir / "cross.onnx").unlink(missing_ok=True)  # a LightGBM-only artifact must not carry a stale stage
    m.StanceModel(booster, meta, prep.embedder).save(out_dir)
    log(f"wrote {out_dir / m.MODEL_FILE}")
    return meta


def evaluate_fold(
    bodies_csv: Path,
    stances_csv: Path,
    fold: int,
    out_dir: Path,
    cache_dir: Path | None = None,
    augment: bool = True,
    log: Log = print,
) -> dict[str, Any]:
    """Train both stages without one topic-disjoint fold and score them on it (what each stage adds).

    The shipped model is this for fold HOLDOUT_FOLD; other folds give independent figures (fold 0
    has only 24 disagree pairs) and are where the mixing weight may be chosen without touching the hold-out.
    """
    if not 0 <= fold < K_FOLDS:
        raise InputError(f"fold {fold}", f"must be between 0 and {K_FOLDS - 1}")
    prep = _prepare(bodies_csv, stances_csv, cache_dir, log)
    test, train = fold_masks(prep.data, fold)
    train = _without_demo(prep.data, train, demo_body_ids())
    t0 = time.perf_counter()
    _, metrics, cross_meta = _fit_two_stage(prep, train, test, out_dir, True, augment, log)
    return {
        "fold": fold,
        "augment": augment,
        "test_pairs": int(test.sum()),
        "test_counts": {lab: int((prep.y[test] == i).sum()) for i, lab in enumerate(STANCE_LABELS)},
        "metrics": metrics,
        "by_weight": cross_meta["test_by_weight"] if cross_meta else {},
        "seconds": round(time.perf_counter() - t0, 1),
    }


def bench_stance(bodies_csv: Path, stances_csv: Path, model: m.StanceModel, holdout: bool = False) -> dict[str, Any]:
    """Run the model end to end (featurisation included, nothing cached) and score it with FNC-1 metrics."""
    data = load_fnc(bodies_csv, stances_csv)
    rows = list(data.pairs)
    if holdout:
        test, _ = holdout_mask(data)
        rows = [r for r, keep in zip(rows, test, strict=True) if keep]
    heads = sorted({h for h, _, _ in rows})
    bids = sorted({b for _, b, _ in rows})
    hi = {h: i for i, h in enumerate(heads)}
    bi = {b: i for i, b in enumerate(bids)}
    start = time.perf_counter()
    results = model.predict_pairs(heads, [data.bodies[b] for b in bids], [(hi[h], bi[b]) for h, b, _ in rows], evidence=1)
    seconds = time.perf_counter() - start
    report = evaluate([s for _, _, s in rows], [r.label for r in results])
    report["pairs_per_second"] = round(len(rows) / seconds, 1)
    report["seconds"] = round(seconds, 2)
    report["model_version"] = model.version
    report["subset"] = "holdout topics" if holdout else "all pairs"
    return report


__all__ = ["bench_stance", "demo_body_ids", "evaluate_fold", "fold_masks", "holdout_body_ids", "holdout_mask", "load_fnc", "train_stance"]
