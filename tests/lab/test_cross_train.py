"""Polarity augmentation of the cross-encoder's training data (runs without the train extra)."""

from __future__ import annotations

from collections import Counter

from claimwatch.lab.cross_train import AUGMENT_SHARE, NEGATION_TEMPLATES, augment_polarity

CLAIMS = [f"Paul Rudd tackled airport attacker number {i}" for i in range(300)]


def test_flipped_copies_negate_the_claim_and_flip_the_stance() -> None:
    labels = ["agree", "disagree", "discuss"] * 100
    excerpts = [f"excerpt {i}" for i in range(300)]
    claims, out_excerpts, out_labels = augment_polarity(CLAIMS, excerpts, labels)
    # the originals come first, untouched
    assert claims[:300] == CLAIMS and out_excerpts[:300] == excerpts and out_labels[:300] == labels
    added = list(zip(claims[300:], out_excerpts[300:], out_labels[300:], strict=True))
    assert added
    source = {e: (c, lab) for c, e, lab in zip(CLAIMS, excerpts, labels, strict=True)}
    for claim, excerpt, label in added:
        original_claim, original_label = source[excerpt]
        assert claim != original_claim and original_claim in claim
        assert any(claim == t.format(c=original_claim) for t in NEGATION_TEMPLATES)
        assert label == {"agree": "disagree", "disagree": "agree", "discuss": "discuss"}[original_label]
    # every disagree pair is copied (they are rare); agree about half; discuss a few
    copied = Counter(source[e][1] for _, e, _ in added)
    assert copied["disagree"] == 100
    assert 30 <= copied["agree"] <= 70
    assert copied["discuss"] <= 35
    assert AUGMENT_SHARE["disagree"] == 1.0


def test_questions_are_not_negated_and_augmentation_is_deterministic() -> None:
    claims = ["Is Paul Rudd the airport hero?", "Paul Rudd is the airport hero."]
    once = augment_polarity(claims, ["a", "b"], ["disagree", "disagree"])
    assert once == augment_polarity(claims, ["a", "b"], ["disagree", "disagree"])
    # the question gets no copy; the statement's copy drops its full stop inside the template
    assert once[0][2] in {t.format(c="Paul Rudd is the airport hero") for t in NEGATION_TEMPLATES}
    assert len(once[0]) == 3 and once[2] == ["disagree", "disagree", "agree"]
