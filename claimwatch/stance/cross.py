"""The cross-encoder: all-MiniLM-L6-v2 fine-tuned on FNC-1 to tell agree / disagree / discuss apart.

It reads the claim and the article's best-matching sentences together (one input, attention across
both), which the similarity + cue features cannot do: it is what lets the model see that a sentence
contradicts a claim. Shipped as an int8 ONNX graph (`model/cross.onnx`) run by ONNX Runtime on the
CPU; trained by `claimwatch.stance.cross_train` (PyTorch, only needed to retrain).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from claimwatch.errors import ModelError
from claimwatch.records import Sentence
from claimwatch.stance.evidence import evidence_indices

CROSS_FILE = "cross.onnx"
CROSS_LABELS = ("agree", "disagree", "discuss")
MAX_TOKENS = 160  # claim + 4 sentences (about 30 % of inputs are cut); measured: longer inputs cost time without gain
TOP_SENTENCES = 4


def cross_input(sentences: Sequence[Sentence], sims: np.ndarray, k: int = TOP_SENTENCES) -> str:
    """The article side of the input: its k evidence sentences (best matches + best refuting one), in reading order."""
    return " ".join(sentences[i].text for i in sorted(evidence_indices(sims, sentences, k)))


def load_tokenizer() -> Tokenizer:
    """MiniLM's WordPiece tokenizer, set up for (claim, article) pairs truncated on the article side."""
    tok = Tokenizer.from_str(resources.files("claimwatch.nlp").joinpath("data/minilm-tokenizer.json").read_text("utf-8"))
    tok.no_padding()
    tok.enable_truncation(MAX_TOKENS, strategy="only_second")
    return tok


class CrossEncoder:
    """Agree / disagree / discuss probabilities for (claim, article excerpt) pairs."""

    def __init__(self, path: Path, sha256: str | None = None, threads: int | None = None, batch_size: int = 1) -> None:
        if not path.is_file():
            raise ModelError(f"no cross-encoder at {path}; run `claimwatch train stance` to build one")
        self.path = path
        data = path.read_bytes()
        if sha256 and hashlib.sha256(data).hexdigest() != sha256:
            raise ModelError(f"{path} does not match the checksum recorded in the model's meta.json; retrain or reinstall")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(data, sess_options=opts, providers=["CPUExecutionProvider"])
        self.tokenizer = load_tokenizer()
        # One pair per run: int8 dynamic quantisation scales activations per batch, so batching made a
        # pair's probabilities depend on its neighbours (up to 0.04); results must not depend on the batch.
        self.batch_size = batch_size

    def predict(self, claims: Sequence[str], excerpts: Sequence[str]) -> np.ndarray:
        """Probabilities (n, 3) in CROSS_LABELS order."""
        out = np.zeros((len(claims), len(CROSS_LABELS)), dtype=np.float32)
        if not len(claims):
            return out
        encodings = self.tokenizer.encode_batch(list(zip(claims, excerpts, strict=True)))
        order = np.argsort([len(e.ids) for e in encodings])  # similar lengths together: less padding
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            types = np.zeros_like(ids)
            for row, i in enumerate(idx):
                n = len(encodings[i].ids)
                ids[row, :n], mask[row, :n], types[row, :n] = encodings[i].ids, 1, encodings[i].type_ids
            (logits,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
            e = np.exp(logits - logits.max(axis=1, keepdims=True))
            out[idx] = e / e.sum(axis=1, keepdims=True)
        return out
