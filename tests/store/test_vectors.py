"""The sentence vector index: a new claim retrieved through it gets exactly the stances that scoring every
article gives; the index is derived data, rebuilt when deleted, damaged or made for other data, and kept
up to date as articles arrive; matching progress (coverage) lives in the database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from claimwatch.engine.local import match
from claimwatch.nlp.embed import EMBEDDER_VERSION, CachingEncoder
from claimwatch.records import Article
from claimwatch.settings import Settings
from claimwatch.stance import StanceModel
from claimwatch.stance.features import body_reps
from claimwatch.store import Store, vectors
from claimwatch.store.vectors import SENTENCE_BITS, Segment, SentenceIndex, body_sentences, index_directory, index_of
from tests.conftest import ROOT, synthetic_article
from tests.engine.test_match import BALE, QUAKE, WHEAT

BALE_DENIED = (
    "Sony denied on Tuesday that Christian Bale had walked away from the Steve Jobs biopic. A studio spokesperson said talks "
    "with the actor were continuing and called the Hollywood Reporter story premature."
)
CORPUS = [BALE, QUAKE, BALE_DENIED] + [synthetic_article(n) for n in range(14)]
FIRST = "Officials will review the council budget plan"
NEW = "Christian Bale will not play Steve Jobs"


@pytest.fixture(scope="module")
def model() -> StanceModel:
    return StanceModel.load()


@pytest.fixture
def vsettings(backend_settings: Settings, tmp_path: Path) -> Settings:
    """Both backends; SQLite keeps the default index folder (beside the database), PostgreSQL gets one under tmp_path."""
    if backend_settings.db_url.startswith("sqlite"):
        return backend_settings
    return backend_settings.with_(vector_index=str(tmp_path / "index"))


def _articles(texts: list[str], start: int = 0) -> list[Article]:
    return [Article(text=t, origin=f"test:{i}") for i, t in enumerate(texts, start)]


def _rows(store: Store) -> list[tuple[object, ...]]:
    """Every stored stance, keyed by texts (ids differ between databases)."""
    claims = {c.id: c.text for c in store.list_claims()}
    texts = {a.id: a.text for a in store.get_articles(store.all_article_ids()).values()}
    return sorted(
        (
            claims[s.claim_id],
            texts[s.article_id],
            s.label,
            tuple(sorted(s.probabilities.items())),
            tuple((e.text, e.score, e.start, e.end) for e in s.evidence),
            s.similarity,
            s.model_version,
        )
        for s in store.stances()
        if s.claim_id in claims and s.article_id is not None
    )


def _reference(tmp_path: Path, model: StanceModel, texts: list[str], claims: list[str]) -> list[tuple[object, ...]]:
    """Every article scored against every claim by the scan (the claims are tracked before any matching)."""
    settings = Settings(db=str(tmp_path / "reference.db"))
    with Store(settings) as store:
        store.add_articles(_articles(texts))
        for c in claims:
            store.add_claim(c)
        report = match(store, model, settings)
        assert report.pairs == len(texts) * len(claims)
        return _rows(store)


def _segments(settings: Settings) -> list[Path]:
    return sorted(index_directory(settings, EMBEDDER_VERSION).glob("seg-*.faiss"))


def _track_then_add(store: Store, settings: Settings, model: StanceModel, claim: str) -> int:
    """Match the corpus against FIRST, then add `claim` (retrieved through the index); returns the new claim's pairs."""
    store.add_articles(_articles(CORPUS))
    store.add_claim(FIRST)
    assert match(store, model, settings).pairs == len(CORPUS)
    store.add_claim(claim)
    return match(store, model, settings).pairs


def test_a_new_claim_through_the_index_gets_the_stances_of_scoring_every_article(
    vsettings: Settings, tmp_path: Path, model: StanceModel
) -> None:
    reference = _reference(tmp_path, model, CORPUS, [FIRST, NEW])
    assert any(r[0] == NEW and r[2] != "unrelated" for r in reference)  # the new claim has related articles
    with Store(vsettings) as store:
        assert _track_then_add(store, vsettings, model, NEW) == len(CORPUS)
        assert _rows(store) == reference
        segments = _segments(vsettings)
        assert segments  # the new claim went through the index
        if not vsettings.vector_index:
            assert segments[0].parent.parent == Path(vsettings.db + ".index").resolve()  # beside the SQLite database
        assert match(store, model, vsettings).pairs == 0  # misses are covered without a row each
        index = index_of(store, vsettings, EMBEDDER_VERSION)
        assert index.upto == store.version_watermark() and not index.absent
        assert index.size == sum(len(body_sentences(t)) for t in CORPUS)


def test_scoring_every_article_for_a_new_claim_gives_the_same_stances(tmp_path: Path, model: StanceModel) -> None:
    results = []
    for exhaustive in (False, True):
        settings = Settings(db=str(tmp_path / f"e{exhaustive}.db"))
        with Store(settings) as store:
            store.add_articles(_articles(CORPUS))
            store.add_claim(FIRST)
            match(store, model, settings)
            store.add_claim(NEW)
            report = match(store, model, settings, exhaustive=exhaustive)
            results.append((report.pairs, report.related, _rows(store)))
    assert results[0] == results[1]


def test_new_articles_update_the_index_and_a_later_claim_finds_them(vsettings: Settings, tmp_path: Path, model: StanceModel) -> None:
    later = [WHEAT, "A 7.1 magnitude earthquake shook northern Chile overnight, the national emergency office said."]
    claims = [FIRST, NEW, "An earthquake hit Chile"]
    reference = _reference(tmp_path, model, CORPUS + later, claims)
    with Store(vsettings) as store:
        _track_then_add(store, vsettings, model, NEW)
        store.add_articles(_articles(later, len(CORPUS)))
        assert match(store, model, vsettings).pairs == 2 * len(later)  # the new articles against both claims
        index = index_of(store, vsettings, EMBEDDER_VERSION)
        assert index.upto == store.version_watermark()  # the index followed the new articles
        store.add_claim(claims[2])
        assert match(store, model, vsettings).pairs == len(CORPUS) + len(later)
        assert _rows(store) == reference
        assert any(r[0] == claims[2] and r[1] == later[1] and r[2] != "unrelated" for r in reference)


@pytest.mark.parametrize("damage", ["deleted", "garbage", "truncated", "ids", "other-database"])
def test_a_missing_or_damaged_index_is_rebuilt_from_the_store(tmp_path: Path, model: StanceModel, damage: str) -> None:
    claims = [FIRST, NEW, "An earthquake hit Chile"]
    reference = _reference(tmp_path, model, CORPUS, claims)
    settings = Settings(db=str(tmp_path / "damaged.db"))
    with Store(settings) as store:
        _track_then_add(store, settings, model, NEW)
    [segment] = _segments(settings)
    if damage == "deleted":
        segment.unlink()
    elif damage == "garbage":
        data = bytearray(segment.read_bytes())
        data[len(data) // 2 : len(data) // 2 + 4096] = b"\x7f" * 4096  # vectors overwritten in the middle
        segment.write_bytes(bytes(data))
    elif damage == "truncated":
        segment.write_bytes(segment.read_bytes()[: segment.stat().st_size // 2])
    elif damage == "ids":  # one entry id changed (the ids are stored last): sound vectors under a wrong label
        data = bytearray(segment.read_bytes())
        data[-8] ^= 0x01
        segment.write_bytes(bytes(data))
    else:  # a segment made for another database (the same range, another newest text)
        lo, hi, _check, crc = segment.stem.split("-")[1:]
        segment.rename(segment.with_name(f"seg-{lo}-{hi}-{'0' * 12}-{crc}.faiss"))
    if damage in ("garbage", "truncated", "ids"):
        with pytest.raises(ValueError):
            Segment.open(segment)
    (segment.parent / ".tmp-crashed.faiss").write_bytes(b"IxMp half a segment")  # a crash mid-write
    with Store(settings) as store:  # a new store opens the index again, as a new process would
        store.add_claim(claims[2])
        assert match(store, model, settings).pairs == len(CORPUS)
        assert _rows(store) == reference
        index = index_of(store, settings, EMBEDDER_VERSION)
        assert index.size == sum(len(body_sentences(t)) for t in CORPUS) and not index.absent
    for path in _segments(settings):
        Segment.open(path)  # what is left on disk is sound


def test_an_article_without_cached_vectors_is_still_found_and_filled_in_later(tmp_path: Path, model: StanceModel) -> None:
    """The index is rebuilt from cached vectors; an article whose vectors are missing (as after a failed
    match) is a candidate by id for new claims, and enters the index once matching has cached them."""
    from sqlalchemy import delete

    from claimwatch.nlp.embed import cache_model, text_key
    from claimwatch.store.schema import EmbeddingRow

    claims = [FIRST, NEW, "An earthquake hit Chile"]
    reference = _reference(tmp_path, model, CORPUS, claims)
    settings = Settings(db=str(tmp_path / "holes.db"))
    with Store(settings) as store:
        _track_then_add(store, settings, model, NEW)
        quake = [text_key(s) for s in body_sentences(QUAKE)]
        with store.writing("test") as session:
            session.execute(delete(EmbeddingRow).where(EmbeddingRow.key.in_(quake), EmbeddingRow.model == cache_model(EMBEDDER_VERSION)))
    for segment in _segments(settings):
        segment.unlink()
    with Store(settings) as store:
        index = index_of(store, settings, EMBEDDER_VERSION)
        index.sync(store, store.version_watermark())
        assert len(index.absent) == 1  # the earthquake article, related to the next claim
        store.add_claim(claims[2])
        assert match(store, model, settings).pairs == len(CORPUS)
        assert _rows(store) == reference
        assert any(r[0] == claims[2] and r[1] == QUAKE and r[2] != "unrelated" for r in reference)
        assert not index.absent and index.size == sum(len(body_sentences(t)) for t in CORPUS)  # matching cached them again


def test_small_segments_are_merged_and_reopen_whole(tmp_path: Path, model: StanceModel, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(db=str(tmp_path / "merge.db"))
    with Store(settings) as store:
        store.add_claim(FIRST)
        for n in range(8):  # eight ingest batches, one matching run each
            store.add_articles(_articles([synthetic_article(100 + n)], n))
            match(store, model, settings)
        index = index_of(store, settings, EMBEDDER_VERSION)
        assert index.upto == 8 and len(index.segments) <= 4 and len(_segments(settings)) == len(index.segments)
        size = index.size
        probe = index.search(CachingEncoder(model.embedder, store).encode([FIRST]), 0.2)
    with Store(settings) as store:
        reopened = index_of(store, settings, EMBEDDER_VERSION)
        reopened.load(store)
        assert (reopened.upto, reopened.size, reopened.absent) == (8, size, set())
    for segment in _segments(settings):
        segment.unlink()
    monkeypatch.setattr(vectors, "FLUSH", 5)  # a rebuild writes a segment every 5 vectors (and merges them)
    with Store(settings) as store:
        rebuilt = index_of(store, settings, EMBEDDER_VERSION)
        rebuilt.sync(store, store.version_watermark())
        assert (rebuilt.upto, rebuilt.size, rebuilt.absent) == (8, size, set())
        assert rebuilt.search(CachingEncoder(model.embedder, store).encode([FIRST]), 0.2) == probe


def test_an_edited_claim_is_matched_again(tmp_path: Path, model: StanceModel) -> None:
    settings = Settings(db=str(tmp_path / "edit.db"))
    with Store(settings) as store:
        _track_then_add(store, settings, model, "Wheat prices fell in Chicago")
        claim = next(c for c in store.list_claims() if c.text == "Wheat prices fell in Chicago")
        assert claim.id is not None
        assert not store.stances(claim_id=claim.id, related_only=True)
        store.edit_claim(claim.id, NEW, by="test")
        assert match(store, model, settings).pairs == len(CORPUS)  # the coverage was for the old wording
        assert store.stances(claim_id=claim.id, related_only=True)


def test_a_related_article_whose_new_version_misses_the_claim_is_overwritten(tmp_path: Path, model: StanceModel) -> None:
    settings = Settings(db=str(tmp_path / "versions.db"))
    with Store(settings) as store:
        store.add_articles([Article(text=BALE, origin="a", url="https://example.org/story")])
        claim = store.add_claim(NEW)
        match(store, model, settings)
        [before] = store.stances(claim_id=claim.id)
        assert before.label != "unrelated"
        report = store.add_articles([Article(text=WHEAT, origin="b", url="https://example.org/story")])
        assert report.new_versions
        assert match(store, model, settings).pairs == 1
        [after] = store.stances(claim_id=claim.id)  # the old related row would otherwise stay in the dossier
        assert after.label == "unrelated" and after.model_version == "retrieval"


def test_the_index_holds_exactly_the_sentences_and_vectors_matching_uses(tmp_path: Path, model: StanceModel) -> None:
    settings = Settings(db=str(tmp_path / "same.db"))
    with Store(settings) as store:
        _track_then_add(store, settings, model, NEW)
        index = index_of(store, settings, EMBEDDER_VERSION)
        reps = body_reps(CORPUS, CachingEncoder(model.embedder, store))
        vectors = np.concatenate([s.vectors() for s in index.segments])
        ids = np.concatenate([s.ids for s in index.segments])
        articles = store.get_articles(store.all_article_ids())
        versions = sorted({int(i) >> SENTENCE_BITS for i in ids})
        for vid, aid, rep in zip(versions, sorted(articles), reps, strict=True):
            assert body_sentences(articles[aid].text) == [s.text for s in rep.sentences]
            rows = (ids >> SENTENCE_BITS) == vid
            assert np.array_equal(vectors[rows], rep.emb)  # the float16 vectors of the cache, bit for bit


def test_search_finds_every_vector_above_the_threshold(tmp_path: Path) -> None:
    """The index is exact: on random unit vectors it returns what numpy's exhaustive product returns."""
    rng = np.random.default_rng(7)
    n = 20_000
    vectors = rng.standard_normal((n, 384)).astype(np.float32)
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float16).astype(np.float32)
    vids = np.sort(rng.choice(np.arange(1, 10 * n), size=n // 20, replace=False))
    ids = np.concatenate([(np.int64(v) << SENTENCE_BITS) + np.arange(20, dtype=np.int64) for v in vids])
    index = SentenceIndex(tmp_path, EMBEDDER_VERSION)
    half = len(ids) // 2
    index.segments = [
        Segment.write(tmp_path, 0, int(vids[half // 20 - 1]), "0" * 12, [(ids[:half], vectors[:half])]),
        Segment.write(tmp_path, int(vids[half // 20 - 1]), int(vids[-1]), "0" * 12, [(ids[half:], vectors[half:])]),
    ]
    queries = np.concatenate([vectors[[5, 9000]] * 0.6 + vectors[[6, 9001]] * 0.4, rng.standard_normal((3, 384)).astype(np.float32)])
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    threshold = 0.1
    for q, found in zip(queries, index.search(queries, threshold), strict=True):
        sims = vectors @ q
        expected: dict[int, float] = {}
        for i in np.flatnonzero(sims > threshold):
            vid = int(ids[i] >> SENTENCE_BITS)
            expected[vid] = max(expected.get(vid, -2.0), float(sims[i]))
        assert found.keys() == expected.keys() and expected
        assert max(abs(found[v] - expected[v]) for v in expected) < 1e-5


def test_the_serving_path_does_not_load_the_index_library() -> None:
    code = "import sys, claimwatch.api.app, claimwatch.track.dossier, claimwatch.engine.pipeline; print('faiss' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"
