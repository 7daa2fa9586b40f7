"""The store: SQLite by default (WAL mode), any SQLAlchemy 2 URL (e.g. PostgreSQL) otherwise."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Engine, create_engine, delete, event, func, inspect, or_, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from claimwatch.errors import NotFoundError, StoreError
from claimwatch.ingest.dedup import NearDuplicateIndex, from_bytes, minhash, signature_bytes
from claimwatch.records import (
    Article,
    Attribution,
    CheckworthyClaim,
    Claim,
    Evidence,
    IngestReport,
    StanceResult,
    content_hash,
)
from claimwatch.settings import Settings
from claimwatch.store.schema import (
    ArticleRow,
    ArticleVersionRow,
    AttributionRow,
    Base,
    CheckworthyRow,
    ClaimRow,
    EmbeddingRow,
    StanceRow,
)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """WAL lets readers (the web server) work while a batch is written; FKs keep links honest."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _add_missing_columns(engine: Engine) -> None:
    """Add nullable columns introduced after a database was created, so older databases keep their data."""
    existing = inspect(engine)
    with engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            have = {c["name"] for c in existing.get_columns(table.name)}
            for column in table.columns:
                if column.name not in have and column.nullable:
                    kind = column.type.compile(dialect=engine.dialect)
                    conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))


def article_from_row(row: ArticleRow) -> Article:
    """Record view of a stored article."""
    return Article(
        id=row.id,
        text=row.text,
        title=row.title,
        outlet=row.outlet,
        author=row.author,
        published=row.published,
        url=row.url,
        origin=row.origin,
        language=row.language,
        duplicate_of=row.duplicate_of,
        version=row.version,
    )


def attribution_from_row(row: AttributionRow) -> Attribution:
    """Record view of a stored attribution."""
    return Attribution(
        source=row.source,
        cue=row.cue,
        content=row.content,
        kind=row.kind,  # type: ignore[arg-type]
        hedged=row.hedged,
        denial=row.denial,
        confirmation=row.confirmation,
        channel=row.channel,
        **{k: int(v) for k, v in (row.offsets or {}).items()},  # type: ignore[arg-type]
    )


_OFFSET_FIELDS = (
    "source_start",
    "source_end",
    "cue_start",
    "cue_end",
    "content_start",
    "content_end",
    "sentence_index",
)


class Store:
    """Typed access to the database; every write method is one transaction."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        url = settings.db_url
        try:
            self.engine: Engine = create_engine(url, future=True)
            if url.startswith("sqlite"):
                event.listen(self.engine, "connect", _sqlite_pragmas)
            Base.metadata.create_all(self.engine)
            _add_missing_columns(self.engine)
        except SQLAlchemyError as exc:
            raise StoreError(
                f"cannot open database {settings.db}: {exc.__class__.__name__}: {exc.orig if hasattr(exc, 'orig') else exc}"
            ) from None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._index: NearDuplicateIndex | None = None

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def session(self) -> Session:
        """A new ORM session (callers use it as a context manager)."""
        return self._sessions()

    # -- articles ---------------------------------------------------------------------------

    def _near_dup_index(self, session: Session) -> NearDuplicateIndex:
        """LSH index of stored originals, loaded once per Store and kept up to date by add_articles."""
        if self._index is None:
            index = NearDuplicateIndex(self.settings.near_duplicate_threshold, self.settings.minhash_permutations)
            rows = session.execute(
                select(ArticleRow.id, ArticleRow.minhash).where(ArticleRow.duplicate_of.is_(None), ArticleRow.minhash.is_not(None))
            )
            for article_id, sig in rows:
                assert sig is not None  # filtered in the query
                index.add(article_id, from_bytes(sig, self.settings.minhash_permutations))
            self._index = index
        return self._index

    def add_articles(self, articles: Iterable[Article], report: IngestReport | None = None) -> IngestReport:
        """Store a batch in one transaction: exact re-ingests are skipped, changed URLs get a new
        version, syndicated copies are stored and linked to the first copy."""
        report = report or IngestReport()
        try:
            with self.session() as session, session.begin():
                index = self._near_dup_index(session)
                for article in articles:
                    h = content_hash(article.text)
                    existing = session.scalar(select(ArticleVersionRow.article_id).where(ArticleVersionRow.content_hash == h))
                    if existing is not None:
                        article.id = existing
                        report.duplicates.append(existing)
                        continue
                    sig = minhash(article.text, self.settings.minhash_permutations)
                    if article.url:
                        same_url = session.scalar(select(ArticleRow).where(ArticleRow.url == article.url).order_by(ArticleRow.id).limit(1))
                        if same_url is not None:
                            self._add_version(session, same_url, article, h, sig)
                            report.new_versions.append(same_url.id)
                            continue
                    original = index.match(sig)
                    row = ArticleRow(
                        url=article.url,
                        title=article.title,
                        outlet=article.outlet,
                        author=article.author,
                        published=article.published,
                        origin=article.origin,
                        language=article.language,
                        text=article.text,
                        content_hash=h,
                        version=1,
                        duplicate_of=original,
                        minhash=signature_bytes(sig),
                    )
                    session.add(row)
                    session.flush()
                    session.add(ArticleVersionRow(article_id=row.id, version=1, text=article.text, content_hash=h, title=article.title))
                    article.id, article.duplicate_of = row.id, original
                    if original is None:
                        index.add(row.id, sig)
                        report.ingested.append(row.id)
                    else:
                        report.near_duplicates.append((row.id, original))
                session.flush()
        except SQLAlchemyError as exc:
            self._index = None  # the index may hold ids of the rolled-back batch
            raise StoreError(
                f"cannot write to {self.settings.db}: {exc.__class__.__name__}; the batch was rolled back, nothing stored was changed"
            ) from None
        return report

    def _add_version(self, session: Session, row: ArticleRow, article: Article, h: str, sig: Any) -> None:
        """A re-fetched URL whose text changed: keep the old text as a version, make the new one current."""
        row.version += 1
        session.add(ArticleVersionRow(article_id=row.id, version=row.version, text=article.text, content_hash=h, title=article.title))
        row.text, row.content_hash, row.minhash = article.text, h, signature_bytes(sig)
        row.title = article.title or row.title
        row.author = article.author or row.author
        row.published = article.published or row.published
        article.id, article.version = row.id, row.version

    def get_article(self, article_id: int) -> Article:
        """One article by id."""
        with self.session() as session:
            row = session.get(ArticleRow, article_id)
            if row is None:
                raise NotFoundError(f"no article with id {article_id}")
            return article_from_row(row)

    def article_versions(self, article_id: int) -> list[dict[str, Any]]:
        """Version history of an article (version number, date, hash)."""
        with self.session() as session:
            rows = session.scalars(
                select(ArticleVersionRow).where(ArticleVersionRow.article_id == article_id).order_by(ArticleVersionRow.version)
            )
            return [{"version": r.version, "fetched_at": r.fetched_at.isoformat(), "content_hash": r.content_hash} for r in rows]

    def list_articles(self, limit: int = 50, offset: int = 0, outlet: str | None = None) -> list[Article]:
        """Articles, newest id first."""
        with self.session() as session:
            query = select(ArticleRow).order_by(ArticleRow.id.desc()).limit(limit).offset(offset)
            if outlet:
                query = query.where(ArticleRow.outlet == outlet)
            return [article_from_row(r) for r in session.scalars(query)]

    def count_articles(self) -> int:
        """Number of stored articles (syndicated copies included)."""
        with self.session() as session:
            return int(session.scalar(select(func.count(ArticleRow.id))) or 0)

    def article_version_index(self) -> list[tuple[int, int]]:
        """(id, current version) of every stored article, in id order."""
        with self.session() as session:
            return [(i, v) for i, v in session.execute(select(ArticleRow.id, ArticleRow.version).order_by(ArticleRow.id))]

    def all_article_ids(self) -> list[int]:
        """Ids of all stored articles in order."""
        with self.session() as session:
            return list(session.scalars(select(ArticleRow.id).order_by(ArticleRow.id)))

    # -- attributions -----------------------------------------------------------------------

    def save_attributions(
        self, article_id: int, version: int, attributions: Sequence[Attribution], checkworthy: Sequence[CheckworthyClaim] = ()
    ) -> None:
        """Replace an article's attributions (and check-worthy sentences) with those found in `version` of its text."""
        with self.session() as session, session.begin():
            row = session.get(ArticleRow, article_id)
            if row is None:
                raise NotFoundError(f"no article with id {article_id}")
            session.execute(delete(CheckworthyRow).where(CheckworthyRow.article_id == article_id))
            for c in checkworthy:
                session.add(
                    CheckworthyRow(
                        article_id=article_id,
                        version=version,
                        text=c.text,
                        score=c.score,
                        start=c.start,
                        end=c.end,
                        attributed=c.attribution_index is not None,
                    )
                )
            row.attributions.clear()
            for a in attributions:
                row.attributions.append(
                    AttributionRow(
                        version=version,
                        source=a.source,
                        cue=a.cue,
                        content=a.content,
                        kind=a.kind,
                        hedged=a.hedged,
                        denial=a.denial,
                        confirmation=a.confirmation,
                        channel=a.channel,
                        offsets={k: getattr(a, k) for k in _OFFSET_FIELDS},
                    )
                )
            row.analysed_version = version

    def attributions(self, article_id: int) -> list[Attribution]:
        """Stored attributions of an article."""
        with self.session() as session:
            rows = session.scalars(select(AttributionRow).where(AttributionRow.article_id == article_id).order_by(AttributionRow.id))
            return [attribution_from_row(r) for r in rows]

    def unanalysed_article_ids(self) -> list[int]:
        """Articles whose current version has not been analysed yet."""
        with self.session() as session:
            query = select(ArticleRow.id).where(
                (ArticleRow.analysed_version.is_(None)) | (ArticleRow.analysed_version != ArticleRow.version)
            )
            return list(session.scalars(query.order_by(ArticleRow.id)))

    # -- claims -----------------------------------------------------------------------------

    def add_claim(self, text: str, origin: str = "manual") -> Claim:
        """Track a claim (adding the same text twice returns the existing claim)."""
        text = " ".join(text.split())
        if not text:
            raise StoreError("a claim needs some text")
        h = content_hash(text)
        with self.session() as session, session.begin():
            row = session.scalar(select(ClaimRow).where(ClaimRow.text_hash == h))
            if row is None:
                row = ClaimRow(text=text, text_hash=h, origin=origin)
                session.add(row)
                session.flush()
            return Claim(id=row.id, text=row.text, created=row.created, origin=row.origin)

    def list_claims(self) -> list[Claim]:
        """All tracked claims, oldest first."""
        with self.session() as session:
            rows = session.scalars(select(ClaimRow).order_by(ClaimRow.id))
            return [Claim(id=r.id, text=r.text, created=r.created, origin=r.origin) for r in rows]

    def get_claim(self, claim_id: int) -> Claim:
        """One claim by id."""
        with self.session() as session:
            row = session.get(ClaimRow, claim_id)
            if row is None:
                raise NotFoundError(f"no claim with id {claim_id}")
            return Claim(id=row.id, text=row.text, created=row.created, origin=row.origin)

    # -- stances ----------------------------------------------------------------------------

    def save_stances(self, results: Sequence[StanceResult], versions: dict[int, int] | None = None) -> None:
        """Upsert stance results (one per claim and article) in one transaction."""
        versions = versions or {}
        with self.session() as session, session.begin():
            # Fetch the rows being replaced in one query per chunk (a SELECT per pair dominated re-matching).
            existing: dict[tuple[int, int], StanceRow] = {}
            claim_ids = sorted({r.claim_id for r in results if r.claim_id is not None})
            article_ids = sorted({r.article_id for r in results if r.article_id is not None})
            for start in range(0, len(article_ids), 500):
                query = select(StanceRow).where(
                    StanceRow.claim_id.in_(claim_ids), StanceRow.article_id.in_(article_ids[start : start + 500])
                )
                existing.update({(row.claim_id, row.article_id): row for row in session.scalars(query)})
            for r in results:
                assert r.claim_id is not None and r.article_id is not None
                row = existing.get((r.claim_id, r.article_id))
                if row is None:
                    row = StanceRow(claim_id=r.claim_id, article_id=r.article_id)
                    session.add(row)
                row.label = r.label
                row.probabilities = r.probabilities
                row.evidence = [e.to_dict() for e in r.evidence]
                row.model_version = r.model_version
                row.similarity = r.similarity
                row.article_version = versions.get(r.article_id, 1)

    def stances(self, claim_id: int | None = None, article_id: int | None = None, related_only: bool = False) -> list[StanceResult]:
        """Stored stance results, filtered by claim and/or article (and to related stances)."""
        with self.session() as session:
            query = select(StanceRow).order_by(StanceRow.claim_id, StanceRow.article_id)
            if related_only:
                query = query.where(StanceRow.label != "unrelated")
            if claim_id is not None:
                query = query.where(StanceRow.claim_id == claim_id)
            if article_id is not None:
                query = query.where(StanceRow.article_id == article_id)
            return [
                StanceResult(
                    label=r.label,  # type: ignore[arg-type]
                    probabilities=dict(r.probabilities),
                    evidence=[Evidence(**e) for e in r.evidence],  # type: ignore[arg-type]
                    claim_id=r.claim_id,
                    article_id=r.article_id,
                    model_version=r.model_version,
                    similarity=r.similarity,
                )
                for r in session.scalars(query)
            ]

    def scored_pairs(self) -> set[tuple[int, int, int]]:
        """(claim id, article id, article version) already scored: lets matching do only new work."""
        with self.session() as session:
            rows = session.execute(select(StanceRow.claim_id, StanceRow.article_id, StanceRow.article_version))
            return {(c, a, v) for c, a, v in rows}

    def stance_counts(self) -> dict[int, dict[str, int]]:
        """Per claim id, the number of articles by stance label."""
        with self.session() as session:
            rows = session.execute(select(StanceRow.claim_id, StanceRow.label, func.count()).group_by(StanceRow.claim_id, StanceRow.label))
            counts: dict[int, dict[str, int]] = {}
            for claim_id, label, n in rows:
                counts.setdefault(claim_id, {})[label] = n
            return counts

    # -- lookups for tracking and serving ---------------------------------------------------

    def get_articles(self, article_ids: Iterable[int]) -> dict[int, Article]:
        """Articles by id, in one query."""
        ids = list(set(article_ids))
        found: dict[int, Article] = {}
        with self.session() as session:
            for start in range(0, len(ids), 500):
                for row in session.scalars(select(ArticleRow).where(ArticleRow.id.in_(ids[start : start + 500]))):
                    found[row.id] = article_from_row(row)
        return found

    def copies_of(self, article_ids: Iterable[int]) -> dict[int, list[int]]:
        """Syndicated copies (near-duplicates) stored for each original article id."""
        ids = list(set(article_ids))
        copies: dict[int, list[int]] = {}
        with self.session() as session:
            for start in range(0, len(ids), 500):
                rows = session.execute(
                    select(ArticleRow.id, ArticleRow.duplicate_of)
                    .where(ArticleRow.duplicate_of.in_(ids[start : start + 500]))
                    .order_by(ArticleRow.id)
                )
                for copy_id, original in rows:
                    if original is not None:
                        copies.setdefault(original, []).append(copy_id)
        return copies

    def search_articles(self, query: str, limit: int = 20) -> list[Article]:
        """Articles whose title or text contains every word of `query` (case-insensitive), newest first."""
        words = [w for w in query.split() if w][:8]
        if not words:
            return []
        with self.session() as session:
            stmt = select(ArticleRow).order_by(ArticleRow.id.desc()).limit(limit)
            for w in words:
                pattern = f"%{w.replace('%', '').replace('_', '')}%"
                stmt = stmt.where(or_(ArticleRow.title.ilike(pattern), ArticleRow.text.ilike(pattern)))
            return [article_from_row(r) for r in session.scalars(stmt)]

    def checkworthy_sentences(self, min_score: float = 0.0) -> list[tuple[int, str, float, bool]]:
        """(article id, sentence, score, attributed) of check-worthy sentences of current, original articles."""
        with self.session() as session:
            rows = session.execute(
                select(CheckworthyRow.article_id, CheckworthyRow.text, CheckworthyRow.score, CheckworthyRow.attributed)
                .join(ArticleRow, ArticleRow.id == CheckworthyRow.article_id)
                .where(CheckworthyRow.score >= min_score, CheckworthyRow.version == ArticleRow.version)
                .order_by(CheckworthyRow.article_id, CheckworthyRow.id)
            )
            return [(a, t, float(sc), bool(att)) for a, t, sc, att in rows]

    # -- embedding cache --------------------------------------------------------------------

    def get_embeddings(self, keys: Sequence[str], model: str) -> dict[str, bytes]:
        """Cached vectors (raw float16 bytes) for the keys that have one."""
        found: dict[str, bytes] = {}
        with self.session() as session:
            for start in range(0, len(keys), 500):
                rows = session.execute(
                    select(EmbeddingRow.key, EmbeddingRow.vector).where(
                        EmbeddingRow.model == model, EmbeddingRow.key.in_(keys[start : start + 500])
                    )
                )
                found.update({k: v for k, v in rows})
        return found

    def put_embeddings(self, vectors: dict[str, bytes], model: str) -> None:
        """Cache vectors (one transaction); keys already present are left alone."""
        if not vectors:
            return
        have = self.get_embeddings(list(vectors), model)
        with self.session() as session, session.begin():
            session.add_all(EmbeddingRow(key=k, model=model, vector=v) for k, v in vectors.items() if k not in have)
