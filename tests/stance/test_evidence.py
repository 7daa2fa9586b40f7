"""Evidence selection: best matches plus the best refuting sentence, shared by the display and the cross-encoder."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from claimwatch.records import Sentence
from claimwatch.stance.cross import cross_input
from claimwatch.stance.evidence import evidence_indices

TEXTS = [
    "A video shows a man catching a shark with his bare hands.",  # 0: best match
    "The clip was shared two million times on Facebook.",  # 1
    "The man, a fisherman from Florida, says it happened last week.",  # 2
    "Weather was calm that day.",  # 3
    "Experts say the video is a hoax made with editing software.",  # 4: refutes, low similarity
    "He has fished for 20 years.",  # 5
]
SIMS = np.array([0.82, 0.41, 0.55, 0.05, 0.31, 0.36], dtype=np.float32)


def _sentences() -> list[Sentence]:
    out, pos = [], 0
    for text in TEXTS:
        out.append(Sentence(text=text, start=pos, end=pos + len(text)))
        pos += len(text) + 1
    return out


def test_refuting_sentence_replaces_the_last_best_match() -> None:
    # Best three matches are 0, 2, 1; the hoax sentence (0.31) beats match 5 (0.36) for the last slot.
    assert evidence_indices(SIMS, _sentences(), 4) == [0, 2, 1, 4]
    assert evidence_indices(SIMS, _sentences(), 1) == [0]


def test_without_a_refuting_sentence_the_next_match_is_taken() -> None:
    sentences = _sentences()
    sentences[4] = Sentence(text="Experts examined the video frame by frame.", start=sentences[4].start, end=sentences[4].end)
    assert evidence_indices(SIMS, sentences, 4) == [0, 2, 1, 5]


def test_far_weak_refutation_is_not_evidence() -> None:
    # A denial about something else (dissimilar and far from the best matches) must not be picked.
    sims = SIMS.copy()
    sims[4] = 0.1
    sentences = _sentences() + [Sentence(text="Officials denied a separate report about taxes.", start=400, end=446)]
    sims = np.append(sims, 0.12).astype(np.float32)
    assert evidence_indices(sims, sentences, 4) == [0, 2, 1, 5]


def test_cross_encoder_reads_the_evidence_in_reading_order() -> None:
    excerpt = cross_input(_sentences(), SIMS)
    assert excerpt == " ".join(TEXTS[i] for i in (0, 1, 2, 4))


@given(
    st.lists(st.tuples(st.floats(0.0, 1.0, allow_nan=False), st.booleans()), min_size=1, max_size=30),
)
def test_the_cross_encoder_reads_every_sentence_shown_by_default(rows: list[tuple[float, bool]]) -> None:
    # Display shows 3 sentences, the cross-encoder reads 4: the 3 must be among the 4.
    sims = np.array([s for s, _ in rows], dtype=np.float32)
    sentences = [Sentence(text=f"Sentence {i} {'is a hoax' if r else 'says so'}.", start=0, end=1) for i, (_, r) in enumerate(rows)]
    assert set(evidence_indices(sims, sentences, 3)) <= set(evidence_indices(sims, sentences, 4))
