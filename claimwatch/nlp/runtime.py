"""What the embedder and the cross-encoder share: a checked ONNX Runtime session, and MiniLM's tokenizer."""

from __future__ import annotations

import hashlib
import os
from importlib import resources
from pathlib import Path

import onnxruntime as ort
from tokenizers import Tokenizer

from claimwatch.errors import ModelError


def load_session(
    path: Path, sha256: str | None, what: str, missing_hint: str, mismatch_hint: str, threads: int | None = None
) -> ort.InferenceSession:
    """A CPU session on the graph at `path`, refused (ModelError with the hint) when the file is missing or not the pinned one."""
    if not path.is_file():
        raise ModelError(f"no {what} at {path}; {missing_hint}")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if sha256 and digest != sha256:
        raise ModelError(f"{path} does not match the checksum pinned for the {what} (sha256 {digest[:12]}…); {mismatch_hint}")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(data, sess_options=opts, providers=["CPUExecutionProvider"])


def minilm_tokenizer(max_tokens: int, strategy: str = "longest_first") -> Tokenizer:
    """all-MiniLM-L6-v2's WordPiece tokenizer (bundled tokenizer.json), unpadded, truncated to max_tokens."""
    tok = Tokenizer.from_str(resources.files("claimwatch.nlp").joinpath("data/minilm-tokenizer.json").read_text("utf-8"))
    tok.no_padding()  # the shipped tokenizer.json pads to 128; both models run one input at a time and need none
    tok.enable_truncation(max_tokens, strategy=strategy)
    return tok
