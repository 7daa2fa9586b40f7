"""The cross-encoder: all-MiniLM-L6-v2 fine-tuned on FNC-1 to tell agree / disagree / discuss apart.

It reads the claim and the article's best-matching sentences together (one input, attention across
both), which the similarity + cue features cannot do: it is what lets the model see that a sentence
contradicts a claim. Shipped as an int8 ONNX graph (`model/cross.onnx`) run by ONNX Runtime on the
CPU; trained by `claimwatch.lab.cross_train` (PyTorch, only needed to retrain).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from claimwatch.nlp.runtime import load_session, minilm_tokenizer
from claimwatch.records import Sentence
from claimwatch.stance.evidence import evidence_indices

CROSS_FILE = "cross.onnx"
CROSS_LABELS = ("agree", "disagree", "discuss")
MAX_TOKENS = 160  # claim + 4 sentences (about 30 % of inputs are cut); measured: longer inputs cost time without gain
TOP_SENTENCES = 4


def cross_input(sentences: Sequence[Sentence], sims: np.ndarray, k: int = TOP_SENTENCES) -> str:
    """The article side of the input: its k evidence sentences (best matches + best refuting one), in reading order."""
    return " ".join(sentences[i].text for i in sorted(evidence_indices(sims, sentences, k)))


class CrossEncoder:
    """Agree / disagree / discuss probabilities for (claim, article excerpt) pairs."""

    def __init__(self, path: Path, sha256: str | None = None, threads: int | None = None) -> None:
        self.path = path
        self.session = load_session(
            path, sha256, "cross-encoder", "run `claimwatch train stance` to build one", "retrain or reinstall", threads
        )
        # Pairs truncated on the article side: the claim is always read whole.
        self.tokenizer = minilm_tokenizer(MAX_TOKENS, strategy="only_second")

    def predict(self, claims: Sequence[str], excerpts: Sequence[str]) -> np.ndarray:
        """Probabilities (n, 3) in CROSS_LABELS order."""
        # One pair per run: int8 dynamic quantisation scales activations over the whole input, so batching
        # made a pair's probabilities depend on its neighbours (up to 0.04); results must not depend on the batch.
        out = np.zeros((len(claims), len(CROSS_LABELS)), dtype=np.float32)
        for row, enc in enumerate(self.tokenizer.encode_batch(list(zip(claims, excerpts, strict=True)))):
            ids = np.asarray([enc.ids], dtype=np.int64)
            types = np.asarray([enc.type_ids], dtype=np.int64)
            (logits,) = self.session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": types})
            e = np.exp(logits[0] - logits[0].max())
            out[row] = e / e.sum()
        return out
