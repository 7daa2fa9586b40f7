"""The shipped stance model: quality gate on held-out topics, save/load, batch consistency, evidence."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from claimwatch.errors import ModelError
from claimwatch.ingest.clean import clean_text
from claimwatch.lab.metrics import evaluate, fnc_score
from claimwatch.lab.train_stance import bench_stance
from claimwatch.stance import StanceModel
from tests.conftest import FNC_BODIES, FNC_STANCES, need

# Floors pinned just under the shipped model's figures on its held-out topics (LightGBM + cross-encoder
# at weight 0.3: FNC 87.3, macro-F1 0.661, agree F1 0.645, disagree F1 0.23 on only 24 disagree pairs):
# a regression fails CI.
FLOORS = {"fnc_score": 87.0, "macro_f1": 0.63, "disagree": 0.15, "agree": 0.60}


@pytest.fixture(scope="module")
def model() -> StanceModel:
    return StanceModel.load()


def test_quality_gate_on_heldout_topics(model: StanceModel) -> None:
    report = bench_stance(need(FNC_BODIES), need(FNC_STANCES), model, holdout=True)
    assert report["pairs"] == model.meta["excluded"]["holdout"]["pairs"]
    assert report["fnc_score"] >= FLOORS["fnc_score"], report
    assert report["macro_f1"] >= FLOORS["macro_f1"], report
    assert report["f1"]["disagree"] >= FLOORS["disagree"], report
    assert report["f1"]["agree"] >= FLOORS["agree"], report
    # the same figures the artifact recorded at training time: training is reproducible
    assert report["fnc_score"] == pytest.approx(model.meta["metrics"]["holdout"]["fnc_score"], abs=0.3)


def test_artifact_metadata(model: StanceModel) -> None:
    meta = model.meta
    assert len(meta["training_data"]["sha256"]) == 64
    assert {"cv_body", "cv_topic", "holdout"} <= set(meta["metrics"])
    assert meta["params"]["seed"] == 13 and meta["params"]["deterministic"] is True


def test_save_load_round_trip(model: StanceModel, tmp_path: Path) -> None:
    model.save(tmp_path)
    again = StanceModel.load(tmp_path)
    X = np.random.default_rng(0).normal(size=(20, len(model.meta["features"]))).astype(np.float32)
    assert np.allclose(model.predict_proba(X), again.predict_proba(X))
    assert again.version == model.version


def test_lightgbm_only_artifact_round_trip(model: StanceModel, tmp_path: Path) -> None:
    # What `train stance --no-cross` writes: "cross": null and no cross.onnx.
    lgb_only = StanceModel(model.booster, {**model.meta, "cross": None}, model.embedder)
    lgb_only.save(tmp_path)
    assert not (tmp_path / "cross.onnx").exists()
    again = StanceModel.load(tmp_path)
    assert again.cross is None
    X = np.random.default_rng(1).normal(size=(20, len(model.meta["features"]))).astype(np.float32)
    assert np.allclose(again.predict_proba(X), model.predict_proba(X))
    [result] = again.predict("The bridge collapsed after heavy rain", [BODIES[0]])
    assert result.label != "unrelated"
    assert abs(sum(result.probabilities.values()) - 1.0) < 1e-3


def test_missing_or_incompatible_artifact(tmp_path: Path, model: StanceModel) -> None:
    with pytest.raises(ModelError, match="train stance"):
        StanceModel.load(tmp_path)
    model.save(tmp_path)
    meta = (tmp_path / "meta.json").read_text().replace('"sim_max"', '"other"')
    (tmp_path / "meta.json").write_text(meta)
    with pytest.raises(ModelError, match="other features"):
        StanceModel.load(tmp_path)


BODIES = [
    "Officials confirmed on Monday that the bridge collapsed after heavy rain. Engineers said the structure had failed inspections.",
    "The viral photo of the collapsed bridge is a hoax, fact-checkers said. The image was doctored and the bridge is intact.",
    "The football club signed a new striker for the coming season, the manager announced.",
]


def test_batch_equals_one_by_one(model: StanceModel) -> None:
    claim = "A bridge collapsed after heavy rain"
    batch = model.predict(claim, BODIES)
    single = [model.predict(claim, [b])[0] for b in BODIES]
    for a, b in zip(batch, single, strict=True):
        assert a.label == b.label
        assert a.probabilities == pytest.approx(b.probabilities, abs=1e-4)
        assert [e.text for e in a.evidence] == [e.text for e in b.evidence]
    assert batch[2].label == "unrelated"
    assert batch[0].label != "unrelated" and batch[1].label != "unrelated"


def test_csmonitor_article_is_related_with_report_or_denial_evidence(model: StanceModel, csmonitor: Path) -> None:
    text = clean_text(csmonitor.read_text("utf-8")).text
    [result] = model.predict("Iran's supreme leader approved military cooperation with the US", [text])
    assert result.label != "unrelated"
    assert abs(sum(result.probabilities.values()) - 1) < 1e-3
    evidence = " ".join(e.text for e in result.evidence)
    assert "The BBC reports that Ayatollah Ali Khamenei has approved" in evidence or "quickly denied that report" in evidence
    for e in result.evidence:
        assert text[e.start : e.end] == e.text


def test_fnc_score_and_metrics() -> None:
    gold = ["agree", "unrelated", "discuss", "disagree"]
    assert fnc_score(gold, gold) == 100.0
    # related but wrong class: 0.25 of 1; unrelated right: 0.25 of 0.25
    assert fnc_score(["agree", "unrelated"], ["discuss", "unrelated"]) == pytest.approx(100 * 0.5 / 1.25)
    report = evaluate(gold, ["agree", "unrelated", "agree", "disagree"])
    assert report["f1"]["discuss"] == 0.0 and report["f1"]["agree"] == pytest.approx(2 / 3, abs=1e-4)
    assert report["confusion"]["discuss"]["agree"] == 1


def test_cross_stage_only_reshares_related_mass(model: StanceModel) -> None:
    assert model.cross is not None, "the shipped model has a cross-encoder stage"
    proba = np.array([[0.30, 0.05, 0.25, 0.40], [0.02, 0.01, 0.07, 0.90], [0.10, 0.10, 0.20, 0.60]], dtype=np.float64)
    claims = ["Christian Bale will not play Steve Jobs"] * 3
    excerpts = [
        "Christian Bale has pulled out of the Steve Jobs biopic, sources said. He will not play Jobs.",
        "Wheat prices rose in Chicago.",
        "Bale is in talks to play Jobs.",
    ]
    asked: list[int] = []

    def excerpt(row: int) -> str:
        asked.append(row)
        return excerpts[row]

    out = model.apply_cross(proba, claims, excerpt)
    assert asked == [0]  # excerpts are built only for the rows the cross-encoder reads
    assert np.allclose(out.sum(axis=1), 1.0)
    assert np.allclose(out[:, 3], proba[:, 3])  # the unrelated probability is the first stage's
    assert np.allclose(out[1:], proba[1:])  # P(unrelated) >= 0.5: the cross-encoder is not even run
    assert not np.allclose(out[0], proba[0])
    assert out[0, 0] > out[0, 2]  # the excerpt states the claim: agree overtakes discuss
    model.cross_weight, saved = 0.0, model.cross_weight
    try:
        assert np.allclose(model.apply_cross(proba, claims, excerpts.__getitem__), proba)
    finally:
        model.cross_weight = saved


def test_tampered_cross_encoder_is_refused(model: StanceModel, tmp_path: Path) -> None:
    model.save(tmp_path)
    assert StanceModel.load(tmp_path).cross is not None
    onnx = tmp_path / "cross.onnx"
    onnx.write_bytes(onnx.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ModelError, match="checksum"):
        StanceModel.load(tmp_path)


def test_mix_related_endpoints_and_untouched_rows() -> None:
    from claimwatch.stance.model import mix_related

    proba = np.array([[0.2, 0.1, 0.3, 0.4], [0.1, 0.0, 0.1, 0.8]])
    cross = np.array([[0.0, 1.0, 0.0]])
    lgb_only = mix_related(proba, [0], cross, 0.0)
    assert np.allclose(lgb_only, proba)
    cross_only = mix_related(proba, [0], cross, 1.0)
    assert np.allclose(cross_only[0], [0.0, 0.6, 0.0, 0.4])  # the related mass 0.6 goes where the cross-encoder says
    assert np.allclose(cross_only[1], proba[1])  # rows not passed are not touched
    half = mix_related(proba, [0], cross, 0.5)
    assert np.allclose(half[0], [0.1, 0.35, 0.15, 0.4]) and np.allclose(half.sum(axis=1), 1.0)
    assert np.allclose(mix_related(proba, [0], None, 0.5), proba)


def test_artifact_from_another_embedder_is_refused(tmp_path: Path, model: StanceModel) -> None:
    model.save(tmp_path)
    meta = json.loads((tmp_path / "meta.json").read_text())
    (tmp_path / "meta.json").write_text(json.dumps({**meta, "embedder": "all-MiniLM-L6-v2-int8:000000000000"}))
    with pytest.raises(ModelError, match="trained with embedder all-MiniLM-L6-v2-int8:000000000000.*train stance"):
        StanceModel.load(tmp_path)
