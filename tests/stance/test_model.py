"""The shipped stance model: quality gate on held-out topics, save/load, batch consistency, evidence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from claimwatch.errors import ModelError
from claimwatch.ingest.clean import clean_text
from claimwatch.stance import StanceModel
from claimwatch.stance.metrics import evaluate, fnc_score
from claimwatch.stance.train import bench_stance
from tests.conftest import FNC_BODIES, FNC_STANCES, need

# Floors pinned just under the shipped model's figures on its held-out topics (FNC 85.45,
# macro-F1 0.628, disagree F1 0.157): a regression of the model or the features fails CI.
FLOORS = {"fnc_score": 84.5, "macro_f1": 0.60, "disagree": 0.12, "agree": 0.55}


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
