"""The store: SQLite by default (WAL mode), any SQLAlchemy 2 URL (e.g. PostgreSQL) otherwise."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, delete, event, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, defer, sessionmaker

from claimwatch.errors import InputError, NotFoundError, StoreError
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
from claimwatch.store import migrate
from claimwatch.store.review import ReviewStore, claim_from_row
from claimwatch.store.schema import (
    ArticleRow,
    ArticleVersionRow,
    AttributionRow,
    CheckworthyRow,
    ClaimRow,
    EmbeddingRow,
    StanceRow,
    utcnow,
)
from claimwatch.store.watching import WatchingStore


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """WAL lets readers (the web server) work while a batch is written; FKs keep links honest.

    The driver's own transaction handling is turned off (isolation_level None) so that the engine's
    "begin" listener decides how a transaction starts: plain BEGIN for readers, BEGIN IMMEDIATE for
    writers, which take the write lock up front instead of failing to upgrade a read snapshot."""
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.close()


BUSY_TIMEOUT_MS = 60_000  # another process's write batch is seconds at most; wait rather than fail
MAX_ID = 2**63 - 1  # ids are 64-bit signed integers; larger ones cannot exist


def _reason(exc: BaseException) -> str:
    """A database error in one line: its class and the driver's message, without SQL or parameters."""
    orig = getattr(exc, "orig", None) or exc
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
    return f"{orig.__class__.__name__}: {first}" if first else orig.__class__.__name__


def _bounded(value: str | None, limit: int) -> str | None:
    """Metadata cut to its column's width: PostgreSQL refuses longer values (and the whole batch with them)."""
    return value[: limit - 1] + "…" if value is not None and len(value) > limit else value


def _sqlite_engine(url: str, begin: str) -> Engine:
    engine = create_engine(url, future=True)
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(begin))
    return engine


def article_from_row(row: ArticleRow, with_text: bool = True) -> Article:
    """Record view of a stored article (without its text when the text was not loaded)."""
    return Article(
        id=row.id,
        text=row.text if with_text else "",
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
        source_role=row.source_role,
        resolved_from=row.resolved_from,
        **{k: int(v) for k, v in (row.offsets or {}).items()},  # type: ignore[arg-type]
    )


T = TypeVar("T")
IN_BATCH = 500  # ids per IN (...) list and rows per multi-row insert: under every driver's parameter limit


def batches(items: Sequence[T]) -> Iterator[Sequence[T]]:
    """`items` in consecutive slices of at most IN_BATCH."""
    for start in range(0, len(items), IN_BATCH):
        yield items[start : start + IN_BATCH]


_OFFSET_FIELDS = (
    "source_start",
    "source_end",
    "cue_start",
    "cue_end",
    "content_start",
    "content_end",
    "sentence_index",
)


class Store(ReviewStore, WatchingStore):
    """Typed access to the database; every write method is one transaction."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        url = settings.db_url
        try:
            if url.startswith("sqlite"):
                self.engine: Engine = _sqlite_engine(url, "BEGIN")
                self._write_engine = _sqlite_engine(url, "BEGIN IMMEDIATE")
            else:
                self.engine = self._write_engine = create_engine(url, future=True, pool_pre_ping=True)
            migrate.upgrade(self._write_engine)
        except (SQLAlchemyError, OSError, ValueError) as exc:
            raise StoreError(f"cannot open database {settings.db}: {_reason(exc)}") from None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(self._write_engine, expire_on_commit=False)
        self._index: NearDuplicateIndex | None = None
        self._index_upto = 0  # highest article id the near-duplicate index has seen

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()
        self._write_engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgresql" (or another SQLAlchemy dialect name)."""
        return self.engine.dialect.name

    def session(self) -> Session:
        """A new ORM session for reading (callers use it as a context manager)."""
        return self._sessions()

    @contextmanager
    def writing(self, what: str, serialise: bool = False) -> Iterator[Session]:
        """One write transaction: SQLite takes the write lock at BEGIN; on PostgreSQL `serialise` takes
        the advisory lock that orders ingest batches. Database errors become one StoreError line."""
        try:
            with self._write_sessions() as session, session.begin():
                if serialise and self.dialect == "postgresql":
                    session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": migrate.ADVISORY_LOCK_KEY})
                yield session
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot write {what} to {self.settings.db}: {_reason(exc)}; the transaction was rolled back") from None

    # -- articles ---------------------------------------------------------------------------

    def _near_dup_index(self, session: Session) -> NearDuplicateIndex:
        """LSH index of stored originals, loaded once per Store and brought up to date at every batch,
        so copies stored meanwhile by another process (or server) are seen too."""
        if self._index is None:
            self._index = NearDuplicateIndex(self.settings.near_duplicate_threshold, self.settings.minhash_permutations)
            self._index_upto = 0
        rows = session.execute(
            select(ArticleRow.id, ArticleRow.minhash)
            .where(ArticleRow.id > self._index_upto, ArticleRow.duplicate_of.is_(None), ArticleRow.minhash.is_not(None))
            .order_by(ArticleRow.id)
        )
        for article_id, sig in rows:
            assert sig is not None  # filtered in the query
            self._index.add(article_id, from_bytes(sig, self.settings.minhash_permutations))
        self._index_upto = max(self._index_upto, session.scalar(select(func.max(ArticleRow.id))) or 0)
        return self._index

    def add_articles(self, articles: Iterable[Article], report: IngestReport | None = None) -> IngestReport:
        """Store a batch in one transaction: exact re-ingests are skipped, changed URLs get a new
        version, syndicated copies are stored and linked to the first copy.

        Safe with several writers: the batch holds the write lock (SQLite) or the ingest advisory
        lock (PostgreSQL), and each article is its own savepoint, so a unique-key race with a writer
        that does not take the lock becomes a duplicate instead of aborting the batch."""
        report = report or IngestReport()
        outcome = IngestReport()
        try:
            with self.writing("articles", serialise=True) as session:
                index = self._near_dup_index(session)
                for article in articles:
                    try:
                        with session.begin_nested():
                            self._add_one(session, index, article, outcome)
                    except IntegrityError:
                        existing = session.scalar(
                            select(ArticleVersionRow.article_id).where(ArticleVersionRow.content_hash == content_hash(article.text))
                        )
                        if existing is None:
                            raise
                        article.id = existing
                        outcome.duplicates.append(existing)
        except StoreError:  # `writing` turned the database error into one line and rolled back
            self._index = None  # the index may hold ids of the rolled-back batch
            raise
        report.ingested += outcome.ingested
        report.duplicates += outcome.duplicates
        report.near_duplicates += outcome.near_duplicates
        report.new_versions += outcome.new_versions
        return report

    def _add_one(self, session: Session, index: NearDuplicateIndex, article: Article, report: IngestReport) -> None:
        h = content_hash(article.text)
        existing = session.scalar(select(ArticleVersionRow.article_id).where(ArticleVersionRow.content_hash == h))
        if existing is not None:
            article.id = existing
            report.duplicates.append(existing)
            return
        sig = minhash(article.text, self.settings.minhash_permutations)
        if article.url and len(article.url) > 2048:
            article.url = None  # longer than any real article URL (and than the column); the origin still names it
        if article.url:
            same_url = session.scalar(select(ArticleRow).where(ArticleRow.url == article.url).order_by(ArticleRow.id).limit(1))
            if same_url is not None:
                self._add_version(session, same_url, article, h, sig)
                report.new_versions.append(same_url.id)
                return
        original = index.match(sig)
        row = ArticleRow(
            url=article.url,
            title=article.title,
            outlet=_bounded(article.outlet, 512),
            author=_bounded(article.author, 512),
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
        session.flush()
        article.id, article.duplicate_of = row.id, original
        if original is None:
            index.add(row.id, sig)
            report.ingested.append(row.id)
        else:
            report.near_duplicates.append((row.id, original))

    def _add_version(self, session: Session, row: ArticleRow, article: Article, h: str, sig: Any) -> None:
        """A re-fetched URL whose text changed: keep the old text as a version, make the new one current."""
        row.version += 1
        session.add(ArticleVersionRow(article_id=row.id, version=row.version, text=article.text, content_hash=h, title=article.title))
        row.text, row.content_hash, row.minhash = article.text, h, signature_bytes(sig)
        row.title = article.title or row.title
        row.author = _bounded(article.author, 512) or row.author
        row.published = article.published or row.published
        row.analysis_error, row.analysis_attempts, row.match_error, row.match_attempts = None, 0, None, 0
        session.flush()
        article.id, article.version = row.id, row.version

    def get_article(self, article_id: int) -> Article:
        """One article by id."""
        if not 0 < article_id <= MAX_ID:
            raise NotFoundError(f"no article with id {article_id}")
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

    def article_version_texts(self, article_id: int) -> list[dict[str, Any]]:
        """Every version of an article with its text and title, oldest first (for the version diff)."""
        with self.session() as session:
            rows = session.scalars(
                select(ArticleVersionRow).where(ArticleVersionRow.article_id == article_id).order_by(ArticleVersionRow.version)
            )
            return [{"version": r.version, "fetched_at": r.fetched_at, "title": r.title, "text": r.text} for r in rows]

    def list_articles(self, limit: int = 50, offset: int = 0, outlet: str | None = None) -> list[Article]:
        """Articles, newest id first."""
        if offset > MAX_ID:
            return []
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
        with self.writing("attributions") as session:
            row = session.get(ArticleRow, article_id, with_for_update=True)  # PostgreSQL: one analyser per article at a time
            if row is None:
                raise NotFoundError(f"no article with id {article_id}")
            if row.version != version:
                return  # a newer version arrived meanwhile: these results describe an old text
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
                        source_role=a.source_role,
                        resolved_from=a.resolved_from,
                    )
                )
            row.analysed_version = version
            row.analysis_error, row.analysis_attempts = None, 0
            # the sources of every claim this article is about may have changed
            session.execute(
                update(StanceRow).where(StanceRow.article_id == article_id, StanceRow.label != "unrelated").values(changed=utcnow())
            )

    def mark_failed(self, stage: str, article_id: int, version: int, reason: str) -> None:
        """Record that `stage` ("analysis" or "match") failed for an article's current version; later runs
        retry it until `settings.analysis_attempts` runs have failed."""
        with self.writing(f"{stage} failure") as session:
            row = session.get(ArticleRow, article_id, with_for_update=True)
            if row is None or row.version != version:
                return
            if stage == "analysis":
                row.analysis_error, row.analysis_attempts = reason[:2000], row.analysis_attempts + 1
            else:
                row.match_error, row.match_attempts = reason[:2000], row.match_attempts + 1

    def clear_match_failure(self, article_ids: Sequence[int]) -> None:
        """Forget matching failures of articles that have now been matched."""
        if not article_ids:
            return
        with self.writing("match state") as session:
            for batch in batches(article_ids):
                session.execute(
                    update(ArticleRow)
                    .where(ArticleRow.id.in_(batch), ArticleRow.match_error.is_not(None))
                    .values(match_error=None, match_attempts=0)
                )

    def failures(self, article_id: int) -> dict[str, dict[str, Any]]:
        """The recorded failures of an article: {"analysis"|"match": {"reason", "attempts", "retried"}}."""
        with self.session() as session:
            row = session.get(ArticleRow, article_id)
            if row is None:
                raise NotFoundError(f"no article with id {article_id}")
            found = {}
            limit = self.settings.analysis_attempts
            for stage, reason, attempts in (
                ("analysis", row.analysis_error, row.analysis_attempts),
                ("match", row.match_error, row.match_attempts),
            ):
                if reason:
                    found[stage] = {"reason": reason, "attempts": attempts, "retried": attempts < limit}
            return found

    def attributions_of(self, article_ids: Iterable[int]) -> dict[int, list[Attribution]]:
        """Stored attributions of many articles, in one query per 500 ids (dossiers use a fixed number of queries)."""
        ids = sorted(set(article_ids))
        found: dict[int, list[Attribution]] = {i: [] for i in ids}
        with self.session() as session:
            for batch in batches(ids):
                rows = session.scalars(select(AttributionRow).where(AttributionRow.article_id.in_(batch)).order_by(AttributionRow.id))
                for r in rows:
                    found[r.article_id].append(attribution_from_row(r))
        return found

    def attributions(self, article_id: int) -> list[Attribution]:
        """Stored attributions of an article."""
        with self.session() as session:
            rows = session.scalars(select(AttributionRow).where(AttributionRow.article_id == article_id).order_by(AttributionRow.id))
            return [attribution_from_row(r) for r in rows]

    def unanalysed_article_ids(self) -> list[int]:
        """Articles whose current version has not been analysed yet (and has not failed too often)."""
        with self.session() as session:
            query = select(ArticleRow.id).where(
                (ArticleRow.analysed_version.is_(None)) | (ArticleRow.analysed_version != ArticleRow.version),
                ArticleRow.analysis_attempts < self.settings.analysis_attempts,
            )
            return list(session.scalars(query.order_by(ArticleRow.id)))

    # -- claims -----------------------------------------------------------------------------

    def add_claim(self, text: str, origin: str = "manual") -> Claim:
        """Track a claim (adding the same text twice returns the existing claim)."""
        return self.put_claim(text, origin)[0]

    def put_claim(self, text: str, origin: str = "manual") -> tuple[Claim, bool]:
        """Track a claim; returns (claim, created). Adding the same text again returns the existing claim."""
        text = " ".join(text.split())
        if len(text) < 3:
            raise InputError("claim", "a claim needs some text (3 characters or more)")
        h = content_hash(text)
        with self.writing("claim") as session:
            row = session.scalar(select(ClaimRow).where(ClaimRow.text_hash == h))
            created = row is None
            if row is None:
                row = ClaimRow(text=text, text_hash=h, origin=origin)
                session.add(row)
                session.flush()
            return claim_from_row(row), created

    def list_claims(self) -> list[Claim]:
        """All tracked claims (deleted ones left out), oldest first."""
        with self.session() as session:
            rows = session.scalars(select(ClaimRow).where(ClaimRow.deleted.is_(None)).order_by(ClaimRow.id))
            return [claim_from_row(r) for r in rows]

    def get_claim(self, claim_id: int) -> Claim:
        """One claim by id (a deleted claim is not found, with a message saying so)."""
        if not 0 < claim_id <= MAX_ID:
            raise NotFoundError(f"no claim with id {claim_id}")
        with self.session() as session:
            row = session.get(ClaimRow, claim_id)
            if row is None:
                raise NotFoundError(f"no claim with id {claim_id}")
            if row.deleted is not None:
                raise NotFoundError(f"claim {claim_id} was deleted (claims restore {claim_id} brings it back)")
            return claim_from_row(row)

    # -- stances ----------------------------------------------------------------------------

    def save_stances(self, results: Sequence[StanceResult], versions: dict[int, int] | None = None) -> None:
        """Upsert stance results (one per claim and article) in one transaction."""
        versions = versions or {}
        now = utcnow()
        with self.writing("stances") as session:
            # Fetch the rows being replaced in one query per chunk (a SELECT per pair dominated re-matching).
            existing: dict[tuple[int, int], StanceRow] = {}
            claim_ids = sorted({r.claim_id for r in results if r.claim_id is not None})
            article_ids = sorted({r.article_id for r in results if r.article_id is not None})
            for batch in batches(article_ids):
                query = select(StanceRow).where(StanceRow.claim_id.in_(claim_ids), StanceRow.article_id.in_(batch))
                existing.update({(row.claim_id, row.article_id): row for row in session.scalars(query)})
            for r in results:
                assert r.claim_id is not None and r.article_id is not None
                row = existing.get((r.claim_id, r.article_id))
                if row is None:
                    row = StanceRow(claim_id=r.claim_id, article_id=r.article_id)
                    session.add(row)
                if r.label != "unrelated" or (row.label not in (None, "unrelated")):
                    row.changed = now  # related now, or related before: the claim's dossier may differ
                row.label = r.label
                row.probabilities = r.probabilities
                row.evidence = [e.to_dict() for e in r.evidence]
                row.model_version = r.model_version
                row.similarity = r.similarity
                row.article_version = versions.get(r.article_id, 1)
                row.created = now

    def stances(
        self,
        claim_id: int | None = None,
        article_id: int | None = None,
        related_only: bool = False,
        article_ids: Sequence[int] | None = None,
    ) -> list[StanceResult]:
        """Stored stance results, filtered by claim and/or article (or some articles), and to related stances."""
        with self.session() as session:
            query = select(StanceRow).order_by(StanceRow.claim_id, StanceRow.article_id)
            if related_only:
                query = query.where(StanceRow.label != "unrelated")
            if claim_id is not None:
                query = query.where(StanceRow.claim_id == claim_id)
            if article_id is not None:
                query = query.where(StanceRow.article_id == article_id)
            if article_ids is not None:
                query = query.where(StanceRow.article_id.in_(list(article_ids)))
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

    def matchable_articles(self) -> list[tuple[int, int]]:
        """(id, current version) of the articles matching may work on: all but those whose matching
        failed in `settings.analysis_attempts` runs."""
        with self.session() as session:
            query = select(ArticleRow.id, ArticleRow.version).where(ArticleRow.match_attempts < self.settings.analysis_attempts)
            return [(i, v) for i, v in session.execute(query.order_by(ArticleRow.id))]

    def scored_pairs(self, article_ids: Sequence[int]) -> set[tuple[int, int, int]]:
        """(claim id, article id, article version) already scored for these articles (one chunk at a
        time, so matching never holds every scored pair of the database in memory)."""
        found: set[tuple[int, int, int]] = set()
        with self.session() as session:
            for batch in batches(article_ids):
                rows = session.execute(
                    select(StanceRow.claim_id, StanceRow.article_id, StanceRow.article_version).where(StanceRow.article_id.in_(batch))
                )
                found.update((c, a, v) for c, a, v in rows)
        return found

    def stance_counts(self) -> dict[int, dict[str, int]]:
        """Per claim id, the number of articles by stance label."""
        with self.session() as session:
            rows = session.execute(select(StanceRow.claim_id, StanceRow.label, func.count()).group_by(StanceRow.claim_id, StanceRow.label))
            counts: dict[int, dict[str, int]] = {}
            for claim_id, label, n in rows:
                counts.setdefault(claim_id, {})[label] = n
            return counts

    # -- lookups for tracking and serving ---------------------------------------------------

    def get_articles(self, article_ids: Iterable[int], with_text: bool = True) -> dict[int, Article]:
        """Articles by id, in one query per 500 ids; `with_text=False` leaves `text` empty (metadata only)."""
        ids = list(set(article_ids))
        found: dict[int, Article] = {}
        with self.session() as session:
            for batch in batches(ids):
                query = select(ArticleRow).where(ArticleRow.id.in_(batch))
                if not with_text:
                    query = query.options(defer(ArticleRow.text, raiseload=True))
                for row in session.scalars(query):
                    found[row.id] = article_from_row(row, with_text)
        return found

    def copies_of(self, article_ids: Iterable[int]) -> dict[int, list[int]]:
        """Syndicated copies (near-duplicates) stored for each original article id."""
        ids = list(set(article_ids))
        copies: dict[int, list[int]] = {}
        with self.session() as session:
            for batch in batches(ids):
                rows = session.execute(
                    select(ArticleRow.id, ArticleRow.duplicate_of).where(ArticleRow.duplicate_of.in_(batch)).order_by(ArticleRow.id)
                )
                for copy_id, original in rows:
                    if original is not None:
                        copies.setdefault(original, []).append(copy_id)
        return copies

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
            for batch in batches(keys):
                rows = session.execute(
                    select(EmbeddingRow.key, EmbeddingRow.vector).where(EmbeddingRow.model == model, EmbeddingRow.key.in_(batch))
                )
                found.update({k: v for k, v in rows})
        return found

    def put_embeddings(self, vectors: dict[str, bytes], model: str) -> None:
        """Cache vectors (one transaction); keys already present are left alone."""
        if not vectors:
            return
        rows = [{"key": k, "model": model, "vector": v} for k, v in vectors.items()]
        insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
        with self.writing("embeddings") as session:
            for batch in batches(rows):
                # Another worker may cache the same sentence at the same moment: keep whichever came first.
                session.execute(insert(EmbeddingRow).on_conflict_do_nothing(index_elements=["key", "model"]), batch)

    # -- matching progress and the sentence vector index ------------------------------------
    # A pair below the retrieval threshold leaves no stance row: what matching has considered is recorded
    # per claim (claim_coverage: every article version id <= upto), and a new claim's candidates come from
    # the vector index (claimwatch.store.vectors), which reads article versions and cached vectors here.

    def version_watermark(self) -> int:
        """The highest article version id stored (every new article and every changed text adds one). Ingest
        batches take the write lock, so every lower id is committed: the ids up to it are a stable prefix."""
        with self.session() as session:
            return int(session.scalar(select(func.max(ArticleVersionRow.id))) or 0)

    def claim_coverage(self) -> tuple[dict[int, str], dict[int, int], int]:
        """Matching progress of the live claims: (claim id -> text hash, claim id -> highest article version id
        considered against its current text (0: none), highest version id that any claim's matching reached)."""
        from claimwatch.store.vectors import ClaimCoverageRow

        hashes: dict[int, str] = {}
        coverage: dict[int, int] = {}
        with self.session() as session:
            rows = session.execute(
                select(ClaimRow.id, ClaimRow.text_hash, ClaimCoverageRow.text_hash, ClaimCoverageRow.upto)
                .outerjoin(ClaimCoverageRow, ClaimCoverageRow.claim_id == ClaimRow.id)
                .where(ClaimRow.deleted.is_(None))
            )
            for claim_id, text_hash, covered_hash, upto in rows:
                hashes[claim_id] = text_hash
                coverage[claim_id] = int(upto) if upto is not None and covered_hash == text_hash else 0
            reached = int(session.scalar(select(func.max(ClaimCoverageRow.upto))) or 0)
        return hashes, coverage, reached

    def cover_claims(self, hashes: dict[int, str], upto: int) -> None:
        """Record that these claims, with these texts (hashes), were matched against every article version up to `upto`."""
        from claimwatch.store.vectors import ClaimCoverageRow

        if not hashes:
            return
        now = utcnow()
        rows = [{"claim_id": c, "text_hash": h, "upto": upto, "updated": now} for c, h in sorted(hashes.items())]
        insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
        with self.writing("claim coverage") as session:
            for batch in batches(rows):
                stmt = insert(ClaimCoverageRow).values(batch)
                stmt = stmt.on_conflict_do_update(
                    index_elements=["claim_id"],
                    set_={"text_hash": stmt.excluded.text_hash, "upto": stmt.excluded.upto, "updated": stmt.excluded.updated},
                )
                session.execute(stmt)

    def _current_versions(self) -> Any:
        """Current versions of matchable articles: (article id, version id) rows to filter further."""
        return (
            select(ArticleRow.id, ArticleVersionRow.id)
            .join(ArticleVersionRow, (ArticleVersionRow.article_id == ArticleRow.id) & (ArticleVersionRow.version == ArticleRow.version))
            .where(ArticleRow.match_attempts < self.settings.analysis_attempts)
        )

    def current_versions(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """(article id, version id) of the current versions with id in (lo, hi] of the articles matching may
        work on (those whose matching failed in fewer than `settings.analysis_attempts` runs), by version id."""
        with self.session() as session:
            query = self._current_versions().where(ArticleVersionRow.id > lo, ArticleVersionRow.id <= hi).order_by(ArticleVersionRow.id)
            return [(a, v) for a, v in session.execute(query)]

    def failed_matches(self) -> list[int]:
        """Articles whose last matching failed and will be retried."""
        with self.session() as session:
            query = select(ArticleRow.id).where(
                ArticleRow.match_error.is_not(None), ArticleRow.match_attempts < self.settings.analysis_attempts
            )
            return list(session.scalars(query.order_by(ArticleRow.id)))

    def article_states(self, article_ids: Sequence[int]) -> dict[int, int]:
        """Current version of each of these articles that matching may work on."""
        found: dict[int, int] = {}
        with self.session() as session:
            for batch in batches(article_ids):
                rows = session.execute(
                    select(ArticleRow.id, ArticleRow.version).where(
                        ArticleRow.id.in_(batch), ArticleRow.match_attempts < self.settings.analysis_attempts
                    )
                )
                found.update({a: v for a, v in rows})
        return found

    def version_texts(self, lo: int, hi: int, extra: Sequence[int] = ()) -> Iterator[list[tuple[int, str]]]:
        """(version id, text) of the current, matchable versions with id in (lo, hi] and of those in `extra`,
        in chunks of 500 (one short read each, so a rebuild never holds every text)."""
        cursor = lo
        while True:
            with self.session() as session:
                query = self._current_versions().where(ArticleVersionRow.id > cursor, ArticleVersionRow.id <= hi)
                rows = list(
                    session.execute(
                        query.with_only_columns(ArticleVersionRow.id, ArticleVersionRow.text).order_by(ArticleVersionRow.id).limit(IN_BATCH)
                    )
                )
            if not rows:
                break
            yield [(v, t) for v, t in rows]
            cursor = rows[-1][0]
        wanted = sorted(set(extra))
        for batch in batches(wanted):
            with self.session() as session:
                query = self._current_versions().where(ArticleVersionRow.id.in_(batch))
                rows = list(
                    session.execute(query.with_only_columns(ArticleVersionRow.id, ArticleVersionRow.text).order_by(ArticleVersionRow.id))
                )
            if rows:
                yield [(v, t) for v, t in rows]

    def version_hashes(self, version_ids: Sequence[int]) -> dict[int, str]:
        """Content hash of each of these article versions."""
        found: dict[int, str] = {}
        with self.session() as session:
            for batch in batches(version_ids):
                rows = session.execute(select(ArticleVersionRow.id, ArticleVersionRow.content_hash).where(ArticleVersionRow.id.in_(batch)))
                found.update({v: h for v, h in rows})
        return found

    def live_versions(self, version_ids: Sequence[int]) -> dict[int, int]:
        """version id -> article id for those of these versions that are current, matchable and not failed."""
        ids = sorted(set(version_ids))
        found: dict[int, int] = {}
        with self.session() as session:
            for batch in batches(ids):
                query = self._current_versions().where(ArticleVersionRow.id.in_(batch), ArticleRow.match_error.is_(None))
                found.update({v: a for a, v in session.execute(query)})
        return found

    def uncovered_pairs(self, claim_id: int, lo: int, hi: int) -> int:
        """How many current, matchable, not failed versions with id in (lo, hi] have no stance row for the claim at that version."""
        scored = (
            select(StanceRow.id)
            .where(StanceRow.claim_id == claim_id, StanceRow.article_id == ArticleRow.id, StanceRow.article_version == ArticleRow.version)
            .exists()
        )
        with self.session() as session:
            query = self._current_versions().where(
                ArticleVersionRow.id > lo, ArticleVersionRow.id <= hi, ArticleRow.match_error.is_(None), ~scored
            )
            return int(session.scalar(query.with_only_columns(func.count()).order_by(None)) or 0)

    def stale_stances(self, claim_id: int, lo: int, hi: int) -> list[int]:
        """Articles with a current version id in (lo, hi] whose stance row for the claim was scored on an older version."""
        with self.session() as session:
            query = self._current_versions().where(
                ArticleVersionRow.id > lo,
                ArticleVersionRow.id <= hi,
                ArticleRow.match_error.is_(None),
                StanceRow.claim_id == claim_id,
                StanceRow.article_id == ArticleRow.id,
                StanceRow.article_version != ArticleRow.version,
            )
            return list(session.scalars(query.with_only_columns(ArticleRow.id).order_by(ArticleRow.id)))
