"""Near-duplicate detection of syndicated copies with datasketch MinHash + LSH."""

from __future__ import annotations

import re

import numpy as np
from datasketch import MinHash, MinHashLSH

_TOKEN = re.compile(r"\w+")
SHINGLE = 5
SCHEME = "affine32"  # datasketch >= 2 needs the hashing scheme named to rebuild stored signatures


def shingles(text: str) -> set[str]:
    """Word 5-grams of the lower-cased text (short texts fall back to single words)."""
    words = _TOKEN.findall(text.lower())
    if len(words) < SHINGLE:
        return set(words)
    return {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def minhash(text: str, num_perm: int = 128) -> MinHash:
    """MinHash signature of the text's shingles (seeded: signatures are comparable across runs)."""
    m = MinHash(num_perm=num_perm, seed=1, scheme=SCHEME)
    m.update_batch([s.encode("utf-8") for s in shingles(text)])
    return m


def signature_bytes(m: MinHash) -> bytes:
    """Serialise a signature for storage."""
    return np.asarray(m.hashvalues, dtype=np.uint64).tobytes()


def from_bytes(data: bytes, num_perm: int = 128) -> MinHash:
    """Rebuild a stored signature."""
    return MinHash(num_perm=num_perm, seed=1, scheme=SCHEME, hashvalues=np.frombuffer(data, dtype=np.uint64))


class NearDuplicateIndex:
    """LSH index over stored articles; `match()` returns the earliest near-duplicate's id."""

    def __init__(self, threshold: float = 0.8, num_perm: int = 128) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        # Candidates are verified with the estimated Jaccard below, so favour recall (few missed copies).
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=(0.1, 0.9))
        self._sigs: dict[int, MinHash] = {}

    def add(self, article_id: int, sig: MinHash) -> None:
        """Index an article signature."""
        if article_id not in self._sigs:
            self._lsh.insert(article_id, sig)
            self._sigs[article_id] = sig

    def match(self, sig: MinHash) -> int | None:
        """Earliest indexed article whose estimated Jaccard similarity reaches the threshold."""
        best = [k for k in self._lsh.query(sig) if self._sigs[k].jaccard(sig) >= self.threshold]
        return min(best) if best else None

    def __len__(self) -> int:
        return len(self._sigs)
