"""The ONNX MiniLM embedder and the sentence splitter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from claimwatch.nlp.embed import CachedEmbedder, get_embedder
from claimwatch.nlp.sentences import split_sentences


def test_embeddings_are_unit_and_semantic() -> None:
    e = get_embedder()
    v = e.encode(["A meteorite struck Managua, Nicaragua.", "A space rock hit the capital of Nicaragua.", "The cat sat on the mat."])
    assert v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-4)
    assert v[0] @ v[1] > 0.5 > v[0] @ v[2] + 0.3


def test_batching_does_not_change_vectors() -> None:
    e = get_embedder()
    texts = ["short one.", "a much longer sentence that needs more tokens than the first one does.", "mid length text here."]
    together = e.encode(texts)
    alone = np.stack([e.encode([t])[0] for t in texts])
    assert np.allclose(together, alone, atol=1e-4)


def test_cached_embedder_persists(tmp_path: Path) -> None:
    cache = tmp_path / "emb.npz"
    first = CachedEmbedder(cache).encode(["hello world", "another text"])
    again = CachedEmbedder(cache)
    assert len(again._cache) == 2
    assert np.allclose(again.encode(["another text", "hello world"]), first[::-1])


def test_sentences_with_abbreviations_and_offsets() -> None:
    text = "A source close to Mr. Khamenei denied it. U.S. officials agreed.\n\nA new paragraph starts here! Does it?"
    sents = split_sentences(text)
    assert [s.text for s in sents] == [
        "A source close to Mr. Khamenei denied it.",
        "U.S. officials agreed.",
        "A new paragraph starts here!",
        "Does it?",
    ]
    for s in sents:
        assert text[s.start : s.end] == s.text


@given(st.text(max_size=2000))
def test_splitter_offsets_always_match(text: str) -> None:
    for s in split_sentences(text):
        assert text[s.start : s.end] == s.text and s.text.strip() == s.text and s.text
