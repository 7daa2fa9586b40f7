"""The sentence vector index: a new claim's retrieval over every stored article's sentences in one search.

Matching keeps retrieval first: only (claim, article) pairs whose best claim-sentence cosine reaches
`settings.retrieval_threshold` go through the stance model. For new articles that costs a matrix product
with the tracked claims; for a new claim it would cost one product per stored article. This index holds
the sentence vectors of every current article version (exactly the float16 vectors cached in the store,
for exactly the sentences the stance model embeds), so a new claim is one exact inner-product search
(FAISS `IndexFlatIP`: no approximation, no recall to lose) that returns the article versions whose best
sentence comes within `MARGIN` of the threshold. Those candidates are then scored by the stance model as
before, which applies the threshold itself, so results are identical to scoring every article.

The index is derived data: it is rebuilt from the store's cached vectors whenever it is missing, stale
or unreadable, and it never writes to the database. On disk it is a chain of immutable segment files,
`seg-<lo>-<hi>-<check>-<crc>.faiss`, each holding the current article versions with ids in (lo, hi]
(plus earlier ones whose vectors were missing at the time); `check` is the start of the content hash
of its newest version, which ties the segment to this database, and `crc` the CRC-32 of its entry ids
(checked in full on opening; the vectors are checked by a sample of their norms). A segment is written
to a temporary file and renamed, so a crash leaves either the whole file or none; files are memory-
mapped when opened, so opening is instant and processes share the pages. Small segments are merged as
the index grows.

Which (claim, article) pairs matching has already considered is not derived: it is recorded in the
database (`ClaimCoverageRow`, one row per claim), because a pair below the threshold leaves no stance row.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import logging
import os
import re
import tempfile
import weakref
import zlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Mapped, mapped_column

from claimwatch.store.schema import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from claimwatch.settings import Settings

log = logging.getLogger(__name__)

FORMAT = 1  # bump when what an entry means changes (sentence splitting, key layout): old indexes are rebuilt
DIM = 384
SENTENCE_BITS = 6  # an entry's id is version id << 6 | sentence index (the stance model embeds <= 60 sentences)
# Candidates are searched this far below the threshold: the index and numpy sum in different orders
# (differences ~1e-7), and the stance model applies the exact threshold to every candidate.
MARGIN = 1e-3
FLUSH = 262_144  # vectors per segment while rebuilding (1.5 MB of float32 vectors per 1,000)
MERGE_RATIO = 2  # merge the newest segment into the one before it while that one is at most this much larger
_SEGMENT = re.compile(r"^seg-(\d{12})-(\d{12})-([0-9a-f]{12})-([0-9a-f]{8})\.faiss$")


class ClaimCoverageRow(Base):
    """How far matching has gone for a claim: every article version with id <= `upto` was considered
    against the claim's text as it was (`text_hash`); pairs below the retrieval threshold leave no stance row."""

    __tablename__ = "claim_coverage"
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64))
    upto: Mapped[int] = mapped_column(Integer)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VersionSource(Protocol):
    """What the index reads from the store (implemented by `claimwatch.store.Store`)."""

    def version_texts(self, lo: int, hi: int, extra: Sequence[int] = ()) -> Iterator[list[tuple[int, str]]]:
        """(version id, text) of current, matchable article versions in (lo, hi] and in `extra`, in chunks."""
        ...

    def current_versions(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """(article id, version id) of current, matchable article versions with id in (lo, hi]."""
        ...

    def version_hashes(self, version_ids: Sequence[int]) -> dict[int, str]:
        """Content hash of each stored article version."""
        ...

    def get_embeddings(self, keys: Sequence[str], model: str) -> dict[str, bytes]:
        """Cached vectors (float16 bytes) by key."""
        ...


def index_root(settings: Settings) -> Path:
    """The index directory: `settings.vector_index`, else beside a SQLite database (DB.index), else ./claimwatch-index."""
    if settings.vector_index:
        return Path(settings.vector_index).expanduser().resolve()
    url = make_url(settings.db_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database + ".index")
    return Path("claimwatch-index").resolve()


def index_directory(settings: Settings, model: str) -> Path:
    """This database's and this embedder's folder inside the index directory (several databases may share one)."""
    url = make_url(settings.db_url)
    identity = f"{FORMAT}|{model}|{url.render_as_string(hide_password=True)}"
    return index_root(settings) / f"v{FORMAT}-{hashlib.sha1(identity.encode('utf-8')).hexdigest()[:16]}"


def body_sentences(text: str) -> list[str]:
    """The sentences the stance model embeds for an article (`claimwatch.stance.features.body_sentences`)."""
    from claimwatch.stance import features

    return [s.text for s in features.body_sentences(text)]


def _faiss() -> Any:
    import faiss

    return faiss


class Segment:
    """One immutable segment file, memory-mapped: an `IndexIDMap` over an exact `IndexFlatIP`."""

    def __init__(self, path: Path, lo: int, hi: int, check: str, index: Any) -> None:
        self.path, self.lo, self.hi, self.check, self.index = path, lo, hi, check, index
        faiss = _faiss()
        self.ids = faiss.vector_to_array(index.id_map).astype(np.int64) if index.ntotal else np.zeros(0, dtype=np.int64)

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    @property
    def newest(self) -> int:
        """The highest version id it holds (0 when empty)."""
        return int(self.ids.max() >> SENTENCE_BITS) if self.size else 0

    def chunks(self, rows: int = 65_536) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Its (ids, vectors) in blocks, so a merge never holds two copies of a large segment."""
        for first in range(0, self.size, rows):
            n = min(rows, self.size - first)
            yield self.ids[first : first + n], self.index.index.reconstruct_n(first, n)

    def versions(self) -> np.ndarray:
        """The version ids it holds (sorted, unique)."""
        return _distinct(self.ids >> SENTENCE_BITS)

    def vectors(self) -> np.ndarray:
        """All its vectors (float32 copies of the cached float16 values)."""
        return self.index.index.reconstruct_n(0, self.size) if self.size else np.zeros((0, DIM), dtype=np.float32)

    @classmethod
    def open(cls, path: Path) -> Segment:
        """Open a segment file (memory-mapped), checking its shape; raises ValueError if it is not a sound segment."""
        match = _SEGMENT.match(path.name)
        if match is None:
            raise ValueError("not a segment file name")
        lo, hi, check, crc = int(match[1]), int(match[2]), match[3], match[4]
        faiss = _faiss()
        try:
            index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
        except Exception as exc:  # whatever FAISS makes of a damaged file, it is not a segment
            raise ValueError(f"unreadable: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
        inner = getattr(index, "index", None)
        if not isinstance(index, faiss.IndexIDMap) or inner is None or index.d != DIM or index.metric_type != faiss.METRIC_INNER_PRODUCT:
            raise ValueError("not an inner-product index of sentence vectors")
        segment = cls(path, lo, hi, check, index)
        if len(segment.ids) != segment.size or (
            segment.size and (len(_distinct(segment.ids)) != segment.size or segment.newest > hi or segment.ids.min() < 0)
        ):
            raise ValueError("entry ids repeated or out of range")
        if _crc(segment.ids) != crc:
            raise ValueError("entry ids damaged")
        if segment.size:  # sentence vectors are unit length: a damaged body shows in the norms (a sample of them)
            step = max(1, segment.size // 256)
            sample = np.stack(
                [index.index.reconstruct(int(i)) for i in range(0, segment.size, step)] + [index.index.reconstruct(segment.size - 1)]
            )
            with np.errstate(all="ignore"):
                sound = bool(np.all(np.abs(np.linalg.norm(sample, axis=1) - 1.0) < 1e-2))
            if not sound:
                raise ValueError("vectors are not unit length")
        return segment

    @classmethod
    def write(cls, folder: Path, lo: int, hi: int, check: str, blocks: Iterable[tuple[np.ndarray, np.ndarray]]) -> Segment:
        """Write a segment of (ids, vectors) blocks atomically (temporary file, fsync, rename) and open it."""
        faiss = _faiss()
        index = faiss.IndexIDMap(faiss.IndexFlatIP(DIM))
        for ids, vectors in blocks:
            if len(ids):
                index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.ascontiguousarray(ids, dtype=np.int64))
        crc = _crc(faiss.vector_to_array(index.id_map).astype(np.int64) if index.ntotal else np.zeros(0, dtype=np.int64))
        path = folder / f"seg-{lo:012d}-{hi:012d}-{check}-{crc}.faiss"
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".faiss")
        os.close(fd)
        try:
            os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the index from other users of the database
            faiss.write_index(index, tmp)
            del index
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        with contextlib.suppress(OSError):  # make the rename durable
            dir_fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        return cls.open(path)


class SentenceIndex:
    """The sentence vectors of a database's current article versions, searchable by cosine.

    `upto` is the highest article version id the index has been brought up to; every current, matchable
    version at or below it is either in the index or in `absent` (its vectors were not cached yet, e.g.
    its matching failed), so a search plus `absent` covers all of them.
    """

    def __init__(self, folder: Path, model: str) -> None:
        self.folder = folder
        self.model = model  # the embedder version the cached vectors are filed under
        self.segments: list[Segment] = []
        self.absent: set[int] = set()
        self.upto = 0
        self.loaded = False

    @property
    def size(self) -> int:
        """Sentence vectors held."""
        return sum(s.size for s in self.segments)

    # -- opening ------------------------------------------------------------------------------

    def load(self, store: VersionSource) -> None:
        """Open the longest sound chain of segments from version 0, checked against the database; a
        damaged, foreign or superseded file is deleted (it is derived data) and the rest is re-read later."""
        self.segments, self.absent, self.upto = [], set(), 0
        self.folder.mkdir(parents=True, exist_ok=True)
        files: dict[int, list[tuple[int, str, Path]]] = {}
        for path in self.folder.glob("seg-*.faiss"):
            if m := _SEGMENT.match(path.name):
                files.setdefault(int(m[1]), []).append((int(m[2]), m[3], path))
            else:
                _unlink(path)
        chain: list[Segment] = []
        cur = 0
        while cur in files:
            chosen = None
            for _hi, _check, path in sorted(files.pop(cur), reverse=True):  # the longest first
                if chosen is not None:  # covered by the chosen one (left by an interrupted merge)
                    _unlink(path)
                    continue
                try:
                    segment = Segment.open(path)
                except (ValueError, OSError) as exc:
                    log.warning("vector index: dropping %s (%s)", path.name, exc)
                    _unlink(path)
                    continue
                if self._belongs(store, segment):
                    chosen = segment
                else:
                    log.warning("vector index: dropping %s (made for other data)", path.name)
                    _unlink(path)
            if chosen is None:
                break
            chain.append(chosen)
            cur = chosen.hi  # (a segment of only recovered versions has hi == lo: the loop ends, its lo was popped)
        for rest in files.values():  # files the chain covers (left by an interrupted merge) are not needed
            for hi, _check, path in rest:
                if hi <= cur:
                    _unlink(path)
        self.segments, self.upto = chain, cur
        indexed: set[int] = set()
        for segment in chain:
            indexed.update(segment.versions().tolist())
        self.absent = {vid for _aid, vid in store.current_versions(0, cur) if vid not in indexed}
        for tmp in self.folder.glob(".tmp-*.faiss"):  # a crash mid-write; writers rename within seconds
            with contextlib.suppress(OSError):
                if tmp.stat().st_mtime < _now() - 3600:
                    tmp.unlink()
        self.loaded = True

    @staticmethod
    def _belongs(store: VersionSource, segment: Segment) -> bool:
        """A segment belongs to this database when its newest version has the content hash it recorded."""
        if not segment.size:
            return segment.check == "0" * 12
        return store.version_hashes([segment.newest]).get(segment.newest, "")[:12] == segment.check

    # -- bringing up to date --------------------------------------------------------------------

    def sync(self, store: VersionSource, target: int) -> None:
        """Add the current versions with ids in (upto, target], and those absent before whose vectors are
        now cached; as one new segment (every FLUSH vectors during a rebuild), then merge small segments."""
        from claimwatch.nlp.embed import text_key

        if not self.loaded:
            self.load(store)
        if target <= self.upto and not self.absent:
            return
        target = max(target, self.upto)
        retry = set(self.absent)
        still_absent: set[int] = set()  # until the end, `absent` keeps the retried versions too
        blocks: list[tuple[np.ndarray, np.ndarray]] = []
        added: list[int] = []
        for chunk in store.version_texts(self.upto, target, sorted(retry)):
            keys = {vid: [text_key(s) for s in body_sentences(text)] for vid, text in chunk}
            cached = store.get_embeddings(sorted({k for ks in keys.values() for k in ks}), self.model)
            for vid, ks in keys.items():
                if not all(k in cached for k in ks):  # not embedded yet (its matching failed): a candidate by id
                    still_absent.add(vid)
                    continue
                added.append(vid)
                ids = (np.int64(vid) << SENTENCE_BITS) + np.arange(len(ks), dtype=np.int64)
                blocks.append((ids, np.stack([np.frombuffer(cached[k], dtype=np.float16) for k in ks]).astype(np.float32)))
            last = chunk[-1][0]
            if sum(len(i) for i, _v in blocks) >= FLUSH and last > self.upto and last not in retry:  # a rebuild: bound memory
                self._append(store, last, blocks, added)
                self.absent = retry | still_absent
                blocks, added = [], []
        if target > self.upto or added:
            self._append(store, target, blocks, added)
        self.absent = still_absent

    def _append(self, store: VersionSource, hi: int, blocks: list[tuple[np.ndarray, np.ndarray]], added: list[int]) -> None:
        """Write the blocks as the segment (upto, hi] and merge."""
        check = "0" * 12
        if added:
            newest = max(added)
            check = store.version_hashes([newest]).get(newest, "")[:12].ljust(12, "0")
        self.segments.append(Segment.write(self.folder, self.upto, hi, check, blocks))
        self.upto = hi
        self._merge()

    def _merge(self) -> None:
        """Merge the newest segments while the one before is at most MERGE_RATIO times larger: each vector is
        rewritten O(log n) times and a search visits O(log n) segments."""
        while len(self.segments) >= 2 and self.segments[-2].size <= MERGE_RATIO * max(self.segments[-1].size, 1):
            older, newer = self.segments[-2], self.segments[-1]
            check = newer.check if newer.size and newer.newest > older.newest else older.check
            merged = Segment.write(self.folder, older.lo, newer.hi, check, itertools.chain(older.chunks(), newer.chunks()))
            self.segments[-2:] = [merged]
            for old in (older, newer):
                if old.path != merged.path:
                    _unlink(old.path)

    # -- searching ------------------------------------------------------------------------------

    def search(self, queries: np.ndarray, threshold: float) -> list[dict[int, float]]:
        """For each query vector, the best cosine of every indexed version with a sentence above `threshold`
        (exhaustive: every vector is compared)."""
        found: list[dict[int, float]] = [{} for _ in range(len(queries))]
        if not len(queries):
            return found
        q = np.ascontiguousarray(queries, dtype=np.float32)
        for segment in self.segments:
            if not segment.size:
                continue
            lims, sims, labels = segment.index.range_search(q, float(threshold))
            for row in range(len(q)):
                a, b = int(lims[row]), int(lims[row + 1])
                if a == b:
                    continue
                for vid, best in _best_per_version(labels[a:b] >> SENTENCE_BITS, sims[a:b]):
                    if best > found[row].get(vid, -2.0):
                        found[row][vid] = best
        return found


_OPEN: weakref.WeakKeyDictionary[Any, SentenceIndex] = weakref.WeakKeyDictionary()


def index_of(store: Any, settings: Settings, model: str) -> SentenceIndex:
    """The sentence vector index of a store's database for the embedder `model`, opened once per store object
    (it stays loaded while the store lives, so a server searches without reopening it)."""
    index = _OPEN.get(store)
    folder = index_directory(settings, model)
    if index is None or index.model != model or index.folder != folder:
        index = _OPEN[store] = SentenceIndex(folder, model)
    return index


def _best_per_version(vids: np.ndarray, sims: np.ndarray) -> Iterable[tuple[int, float]]:
    order = np.argsort(vids, kind="stable")
    vids, sims = vids[order], sims[order]
    starts = np.flatnonzero(np.r_[True, vids[1:] != vids[:-1]])
    return zip(vids[starts].tolist(), np.maximum.reduceat(sims, starts).tolist(), strict=True)


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (sorting is ~20x faster than numpy 2's hash-based np.unique on a million ids)."""
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered


def _crc(ids: np.ndarray) -> str:
    return f"{zlib.crc32(np.ascontiguousarray(ids, dtype='<i8').tobytes()):08x}"


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _now() -> float:
    import time

    return time.time()
