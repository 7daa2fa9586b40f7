"""FNC-1 loading and the topic-disjoint folds."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimwatch.errors import InputError
from claimwatch.lab.fnc import body_folds, load_fnc, topic_components, topic_folds
from tests.conftest import FNC_BODIES, FNC_STANCES, need


def test_topic_folds_are_disjoint_and_cover_everything() -> None:
    data = load_fnc(need(FNC_BODIES), need(FNC_STANCES))
    assert len(data.pairs) == 49972 and len(data.bodies) == 1683
    body_topic, head_topic = topic_components(data.pairs)
    folds = topic_folds(data)
    assert sum(len(f) for f in folds) == len(set(body_topic.values()))
    for i, f in enumerate(folds):
        for g in folds[i + 1 :]:
            assert not f & g
    # a related pair never crosses topics, so test topics' related headlines are unseen in training
    for h, b, s in data.pairs:
        if s != "unrelated":
            assert body_topic[b] == head_topic[h]
    assert sum(len(f) for f in body_folds(data)) == 1683


def test_bad_fnc_files(tmp_path: Path) -> None:
    bodies = tmp_path / "b.csv"
    stances = tmp_path / "s.csv"
    bodies.write_text("Body ID,articleBody\n1,text\n")
    stances.write_text("Headline,Body ID,Stance\nx,1,maybe\n")
    with pytest.raises(InputError, match="unknown stance 'maybe'"):
        load_fnc(bodies, stances)
    stances.write_text("Headline,Body ID,Stance\nx,2,agree\n")
    with pytest.raises(InputError, match="Body ID 2"):
        load_fnc(bodies, stances)
    with pytest.raises(InputError, match="no such file"):
        load_fnc(tmp_path / "nope.csv", stances)
