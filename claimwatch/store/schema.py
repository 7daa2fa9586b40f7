"""SQLAlchemy 2 schema: articles and their versions, claims, attributions, stance results."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Float, ForeignKey, Integer, LargeBinary, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """Timezone-aware now, for timestamps."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is timezone-aware on every backend: stored in UTC, read back with tzinfo=UTC.

    PostgreSQL keeps the zone itself; SQLite has no zone type, so without this it returned naive
    datetimes. A naive value written by a caller is taken to be UTC already."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of all tables."""

    type_annotation_map = {datetime: UTCDateTime}


class ArticleRow(Base):
    """An article; `text` is its current version, older versions live in `article_versions`."""

    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str | None] = mapped_column(String(2048), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    outlet: Mapped[str | None] = mapped_column(String(512), index=True)
    author: Mapped[str | None] = mapped_column(String(512))
    published: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    origin: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), index=True)
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    analysed_version: Mapped[int | None] = mapped_column(Integer)
    # Per-article fault isolation: the last failure of a stage at the current version, and how many runs failed.
    analysis_error: Mapped[str | None] = mapped_column(Text)
    analysis_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    match_error: Mapped[str | None] = mapped_column(Text)
    match_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    versions: Mapped[list[ArticleVersionRow]] = relationship(back_populates="article", order_by="ArticleVersionRow.version")
    attributions: Mapped[list[AttributionRow]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="AttributionRow.id"
    )


class ArticleVersionRow(Base):
    """Every text an article has had (a re-fetched URL whose text changed adds a version)."""

    __tablename__ = "article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    article: Mapped[ArticleRow] = relationship(back_populates="versions")


class ClaimRow(Base):
    """A tracked claim."""

    __tablename__ = "claims"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64), unique=True)
    origin: Mapped[str] = mapped_column(String(64), default="manual")
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last edit of the text
    deleted: Mapped[datetime | None] = mapped_column(UTCDateTime)  # soft delete: hidden, never removed


class AttributionRow(Base):
    """An attributed statement found in an article version."""

    __tablename__ = "attributions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[str] = mapped_column(Text)
    cue: Mapped[str] = mapped_column(String(256))
    content: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    hedged: Mapped[bool] = mapped_column(default=False)
    denial: Mapped[bool] = mapped_column(default=False)
    confirmation: Mapped[bool] = mapped_column(default=False)
    channel: Mapped[str | None] = mapped_column(Text)
    offsets: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    source_role: Mapped[str | None] = mapped_column(Text)  # "the health ministry's spokesman" beside the name
    resolved_from: Mapped[str | None] = mapped_column(Text)  # the pronoun or role noun the source was resolved from
    article: Mapped[ArticleRow] = relationship(back_populates="attributions")


class StanceRow(Base):
    """The stance of an article (at a version) towards a claim."""

    __tablename__ = "stance_results"
    __table_args__ = (UniqueConstraint("claim_id", "article_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    article_version: Mapped[int] = mapped_column(Integer, default=1)
    label: Mapped[str] = mapped_column(String(16), index=True)
    probabilities: Mapped[dict[str, float]] = mapped_column(JSON)
    evidence: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    model_version: Mapped[str] = mapped_column(String(128))
    similarity: Mapped[float | None] = mapped_column(Float)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Last change a dossier would show (became or stopped being related; its article's attributions changed).
    changed: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class CheckworthyRow(Base):
    """A check-worthy sentence of an article version (input to claim discovery)."""

    __tablename__ = "checkworthy"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    text: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    attributed: Mapped[bool] = mapped_column(default=False)


class EmbeddingRow(Base):
    """A cached sentence embedding (float16), keyed by text hash and model: new claims reuse article work."""

    __tablename__ = "embeddings"
    __table_args__ = (UniqueConstraint("key", "model"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40))
    model: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class SourceRow(Base):
    """A watched feed, page or file, with its polling state."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    name: Mapped[str | None] = mapped_column(String(512))
    every_s: Mapped[int] = mapped_column(Integer)
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    last_success: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_poll: Mapped[datetime] = mapped_column(UTCDateTime, index=True, default=utcnow)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ClaimStateRow(Base):
    """The last evaluated status of a claim and its denying / confirming sources (what events are diffed against)."""

    __tablename__ = "claim_states"
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    denials: Mapped[list[str]] = mapped_column(JSON)
    confirmations: Mapped[list[str]] = mapped_column(JSON)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # the newest stance change this state has seen


class EventRow(Base):
    """A change of a claim: its status moved, or a new source denied or confirmed it."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True, default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    articles: Mapped[list[int]] = mapped_column(JSON)
    new_denials: Mapped[list[str]] = mapped_column(JSON)
    new_confirmations: Mapped[list[str]] = mapped_column(JSON)


class AlertRow(Base):
    """A webhook that receives the events of one claim (or of all claims when claim_id is NULL)."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), index=True)
    webhook: Mapped[str] = mapped_column(String(2048))
    secret: Mapped[str | None] = mapped_column(String(512))
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeliveryRow(Base):
    """One event for one alert: pending until POSTed successfully, retried with backoff, then failed."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("alert_id", "event_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    next_try: Mapped[datetime] = mapped_column(UTCDateTime, index=True, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReviewRow(Base):
    """A reviewer's verdict on a claim (append-only; the newest is the claim's verdict)."""

    __tablename__ = "claim_reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    verdict: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(256))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StanceCorrectionRow(Base):
    """A reviewer's stance for a (claim, article) pair; matching never overwrites it."""

    __tablename__ = "stance_corrections"
    __table_args__ = (UniqueConstraint("claim_id", "article_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    label: Mapped[str] = mapped_column(String(16))
    by: Mapped[str] = mapped_column(String(256))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExclusionRow(Base):
    """An article a reviewer excluded from a claim's dossier (it does not count towards the status)."""

    __tablename__ = "claim_exclusions"
    __table_args__ = (UniqueConstraint("claim_id", "article_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    by: Mapped[str] = mapped_column(String(256))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditRow(Base):
    """One human change to a claim (append-only)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    by: Mapped[str] = mapped_column(String(256))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    article_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
