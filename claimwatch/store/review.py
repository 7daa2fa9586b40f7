"""Store methods for human review and for working pages: verdicts, stance corrections, exclusions, claim
edits and soft deletes (each recorded in an append-only audit trail), the claims list (status filter,
sort, full-text search, pagination), full-text article search and the outlet record.

Nothing a reviewer enters is ever overwritten: a verdict adds a review (the newest is the verdict), a
correction replaces the previous correction of the same pair but the audit trail keeps both, and a
deleted claim is hidden, not removed. Matching never touches these tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import ColumnElement, Select, and_, case, delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from claimwatch.errors import InputError, NotFoundError
from claimwatch.records import (
    CLAIM_STATUSES,
    STANCE_LABELS,
    VERDICTS,
    Article,
    AuditEntry,
    Claim,
    ClaimSummary,
    OutletRecord,
    Review,
    StanceCorrection,
    content_hash,
)
from claimwatch.store.schema import (
    ArticleRow,
    AuditRow,
    ClaimRow,
    ClaimStateRow,
    EventRow,
    ExclusionRow,
    ReviewRow,
    StanceCorrectionRow,
    StanceRow,
    utcnow,
)

if TYPE_CHECKING:
    from claimwatch.settings import Settings

ClaimSort = Literal["last-change", "articles", "newest", "oldest"]
CLAIM_SORTS: tuple[ClaimSort, ...] = ("last-change", "articles", "newest", "oldest")
MAX_NAME = 256
MAX_NOTE = 10_000
_TOKEN = re.compile(r"\w+", re.UNICODE)


def claim_from_row(r: ClaimRow) -> Claim:
    return Claim(id=r.id, text=r.text, created=r.created, origin=r.origin, updated=r.updated)


def _audit(r: AuditRow) -> AuditEntry:
    return AuditEntry(
        id=r.id,
        claim_id=r.claim_id,
        action=r.action,  # type: ignore[arg-type]
        by=r.by,
        at=r.at,
        article_id=r.article_id,
        before=r.before,
        after=r.after,
        note=r.note,
    )


def _review(r: ReviewRow) -> Review:
    return Review(id=r.id, claim_id=r.claim_id, verdict=r.verdict, by=r.by, note=r.note, at=r.at)  # type: ignore[arg-type]


def _who(by: str) -> str:
    by = " ".join((by or "").split())
    if not by:
        raise InputError("--by", "say who is reviewing (a name or handle)")
    if len(by) > MAX_NAME:
        raise InputError("--by", f"a reviewer name of at most {MAX_NAME} characters")
    return by


def _note(note: str | None) -> str:
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise InputError("--note", f"a note of at most {MAX_NOTE:,} characters")
    return note


def fts_terms(query: str, limit: int = 12) -> list[str]:
    """The words of a search query (punctuation and search syntax dropped: every word must match)."""
    return _TOKEN.findall(query.lower())[:limit]


class ReviewStore:
    """Mixed into `Store`: human review, the claims list and the outlet record."""

    settings: Settings

    if TYPE_CHECKING:  # provided by Store

        @property
        def dialect(self) -> str: ...

        def session(self) -> Session: ...

        def writing(self, what: str, serialise: bool = False) -> AbstractContextManager[Session]: ...

    # -- review ---------------------------------------------------------------------------------

    def _live_claim(self, session: Session, claim_id: int) -> ClaimRow:
        row = session.get(ClaimRow, claim_id) if 0 < claim_id < 2**63 else None
        if row is None:
            raise NotFoundError(f"no claim with id {claim_id}")
        if row.deleted is not None:
            raise NotFoundError(f"claim {claim_id} was deleted (claims restore {claim_id} brings it back)")
        return row

    def review_claim(
        self,
        claim_id: int,
        by: str,
        verdict: str | None = None,
        note: str | None = None,
        stances: dict[int, str] | None = None,
        exclude: Iterable[int] = (),
        include: Iterable[int] = (),
    ) -> list[AuditEntry]:
        """Record a reviewer's verdict, note, stance corrections and exclusions in one transaction, each
        with an audit entry; returns the new audit entries. Stance label "machine" removes a correction."""
        by, note = _who(by), _note(note)
        stances, exclude, include = dict(stances or {}), list(dict.fromkeys(exclude)), list(dict.fromkeys(include))
        if verdict is not None and verdict not in VERDICTS:
            raise InputError("--verdict", f"{verdict!r} is not a verdict; choose one of {', '.join(VERDICTS)}")
        for article_id, label in stances.items():
            if label not in (*STANCE_LABELS, "machine"):
                raise InputError("--stance", f"{article_id}={label!r}: choose one of {', '.join(STANCE_LABELS)} (or machine)")
        if set(exclude) & set(include):
            raise InputError("--exclude", "an article cannot be excluded and included at once")
        if verdict is None and not note and not stances and not exclude and not include:
            raise InputError("review", "nothing to record: give a verdict, a note, a stance correction or an exclusion")
        now = utcnow()
        entries: list[AuditRow] = []
        with self.writing("review") as session:
            self._live_claim(session, claim_id)
            for article_id in {*stances, *exclude, *include}:
                if not 0 < article_id < 2**63 or session.get(ArticleRow, article_id) is None:
                    raise NotFoundError(f"no article with id {article_id}")
            if verdict is not None:
                previous = session.scalar(
                    select(ReviewRow.verdict).where(ReviewRow.claim_id == claim_id).order_by(ReviewRow.id.desc()).limit(1)
                )
                session.add(ReviewRow(claim_id=claim_id, verdict=verdict, note=note, by=by, at=now))
                entries.append(AuditRow(claim_id=claim_id, action="review", by=by, at=now, before=previous, after=verdict, note=note))
            elif note:
                entries.append(AuditRow(claim_id=claim_id, action="note", by=by, at=now, note=note))
            for article_id, label in stances.items():
                row = session.scalar(
                    select(StanceCorrectionRow).where(
                        StanceCorrectionRow.claim_id == claim_id, StanceCorrectionRow.article_id == article_id
                    )
                )
                machine = session.scalar(select(StanceRow.label).where(StanceRow.claim_id == claim_id, StanceRow.article_id == article_id))
                before = row.label if row is not None else machine
                if label == "machine":
                    if row is None:
                        continue
                    session.delete(row)
                    after = machine
                elif row is None:
                    session.add(StanceCorrectionRow(claim_id=claim_id, article_id=article_id, label=label, by=by, at=now))
                    after = label
                else:
                    row.label, row.by, row.at = label, by, now
                    after = label
                entries.append(
                    AuditRow(
                        claim_id=claim_id, action="stance", by=by, at=now, article_id=article_id, before=before, after=after, note=note
                    )
                )
            for article_id in exclude:
                excluded = session.scalar(
                    select(ExclusionRow.id).where(ExclusionRow.claim_id == claim_id, ExclusionRow.article_id == article_id)
                )
                if excluded is None:
                    session.add(ExclusionRow(claim_id=claim_id, article_id=article_id, by=by, at=now))
                    entries.append(AuditRow(claim_id=claim_id, action="exclude", by=by, at=now, article_id=article_id, note=note))
            for article_id in include:
                gone = session.execute(delete(ExclusionRow).where(ExclusionRow.claim_id == claim_id, ExclusionRow.article_id == article_id))
                if getattr(gone, "rowcount", 0):
                    entries.append(AuditRow(claim_id=claim_id, action="include", by=by, at=now, article_id=article_id, note=note))
            session.add_all(entries)
            session.flush()
            return [_audit(r) for r in entries]

    def edit_claim(self, claim_id: int, new_text: str, by: str, note: str | None = None) -> tuple[Claim, bool]:
        """Change a claim's wording; returns (claim, changed). Its machine stances were scored against the
        old wording, so they are dropped (matching scores the pairs again); reviews and corrections stay."""
        by, note = _who(by), _note(note)
        new_text = " ".join(new_text.split())
        if len(new_text) < 3:
            raise InputError("claim", "a claim needs some text (3 characters or more)")
        h = content_hash(new_text)
        try:
            with self.writing("claim edit") as session:
                row = self._live_claim(session, claim_id)
                if row.text == new_text:
                    return claim_from_row(row), False
                other = session.scalar(select(ClaimRow.id).where(ClaimRow.text_hash == h, ClaimRow.id != claim_id))
                if other is not None:
                    raise InputError("claim", f"claim {other} already has this text")
                now = utcnow()
                session.add(AuditRow(claim_id=claim_id, action="edit", by=by, at=now, before=row.text, after=new_text, note=note))
                row.text, row.text_hash, row.updated = new_text, h, now
                session.execute(delete(StanceRow).where(StanceRow.claim_id == claim_id))
                session.flush()
                return claim_from_row(row), True
        except IntegrityError:  # the same text was added by another writer meanwhile
            raise InputError("claim", "another claim already has this text") from None

    def delete_claim(self, claim_id: int, by: str, note: str | None = None) -> Claim:
        """Hide a claim (soft delete: its record, reviews and audit trail are kept; `restore_claim` undoes it)."""
        by, note = _who(by), _note(note)
        with self.writing("claim delete") as session:
            row = self._live_claim(session, claim_id)
            now = utcnow()
            row.deleted = now
            session.add(AuditRow(claim_id=claim_id, action="delete", by=by, at=now, note=note))
            return claim_from_row(row)

    def restore_claim(self, claim_id: int, by: str, note: str | None = None) -> Claim:
        """Bring a deleted claim back."""
        by, note = _who(by), _note(note)
        with self.writing("claim restore") as session:
            row = session.get(ClaimRow, claim_id) if 0 < claim_id < 2**63 else None
            if row is None:
                raise NotFoundError(f"no claim with id {claim_id}")
            if row.deleted is None:
                raise InputError(f"claim {claim_id}", "is not deleted")
            row.deleted = None
            session.add(AuditRow(claim_id=claim_id, action="restore", by=by, at=utcnow(), note=note))
            return claim_from_row(row)

    def reviews(self, claim_id: int) -> list[Review]:
        """A claim's reviews, newest first (the first is its verdict)."""
        with self.session() as session:
            rows = session.scalars(select(ReviewRow).where(ReviewRow.claim_id == claim_id).order_by(ReviewRow.id.desc()))
            return [_review(r) for r in rows]

    def latest_reviews(self, claim_ids: Sequence[int] | None = None) -> dict[int, Review]:
        """The verdict (newest review) of each claim that has one."""
        newest = select(func.max(ReviewRow.id)).group_by(ReviewRow.claim_id)
        with self.session() as session:
            query = select(ReviewRow).where(ReviewRow.id.in_(newest))
            if claim_ids is not None:
                query = query.where(ReviewRow.claim_id.in_(list(claim_ids)))
            return {r.claim_id: _review(r) for r in session.scalars(query)}

    def stance_corrections(self, claim_id: int) -> dict[int, StanceCorrection]:
        """Reviewer stances of a claim, by article id."""
        with self.session() as session:
            rows = session.scalars(select(StanceCorrectionRow).where(StanceCorrectionRow.claim_id == claim_id))
            return {
                r.article_id: StanceCorrection(claim_id=r.claim_id, article_id=r.article_id, label=r.label, by=r.by, at=r.at)  # type: ignore[arg-type]
                for r in rows
            }

    def exclusions(self, claim_id: int) -> set[int]:
        """Articles a reviewer excluded from a claim."""
        with self.session() as session:
            return set(session.scalars(select(ExclusionRow.article_id).where(ExclusionRow.claim_id == claim_id)))

    def article_reviews(self, article_id: int) -> tuple[dict[int, StanceCorrection], set[int]]:
        """Reviewer corrections of one article's stances, by claim id, and the claims it is excluded from."""
        with self.session() as session:
            rows = session.scalars(select(StanceCorrectionRow).where(StanceCorrectionRow.article_id == article_id))
            corrections = {
                r.claim_id: StanceCorrection(claim_id=r.claim_id, article_id=r.article_id, label=r.label, by=r.by, at=r.at)  # type: ignore[arg-type]
                for r in rows
            }
            excluded = set(session.scalars(select(ExclusionRow.claim_id).where(ExclusionRow.article_id == article_id)))
            return corrections, excluded

    def audit(self, claim_id: int, limit: int = 1000) -> list[AuditEntry]:
        """A claim's audit trail, newest first."""
        with self.session() as session:
            rows = session.scalars(
                select(AuditRow).where(AuditRow.claim_id == claim_id).order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit)
            )
            return [_audit(r) for r in rows]

    def deleted_claims(self) -> list[Claim]:
        """Claims that were deleted (hidden), oldest first."""
        with self.session() as session:
            return [claim_from_row(r) for r in session.scalars(select(ClaimRow).where(ClaimRow.deleted.is_not(None)).order_by(ClaimRow.id))]

    # -- effective stances ----------------------------------------------------------------------

    def _effective(self) -> Select[tuple[int, int, str]]:
        """(claim id, article id, label) after review: a correction replaces the model's label (also for a
        pair the model never scored), excluded articles are left out. Live claims only."""
        machine = select(
            StanceRow.claim_id, StanceRow.article_id, func.coalesce(StanceCorrectionRow.label, StanceRow.label).label("label")
        ).outerjoin(
            StanceCorrectionRow,
            and_(StanceCorrectionRow.claim_id == StanceRow.claim_id, StanceCorrectionRow.article_id == StanceRow.article_id),
        )
        unscored = select(StanceCorrectionRow.claim_id, StanceCorrectionRow.article_id, StanceCorrectionRow.label).where(
            ~select(StanceRow.id)
            .where(StanceRow.claim_id == StanceCorrectionRow.claim_id, StanceRow.article_id == StanceCorrectionRow.article_id)
            .exists()
        )
        both = machine.union_all(unscored).subquery()
        excluded = (
            select(ExclusionRow.id).where(ExclusionRow.claim_id == both.c.claim_id, ExclusionRow.article_id == both.c.article_id).exists()
        )
        return select(both.c.claim_id, both.c.article_id, both.c.label).where(both.c.label != "unrelated", ~excluded)

    # -- the claims list ------------------------------------------------------------------------

    def _claim_search(self, terms: list[str]) -> ColumnElement[bool]:
        if self.dialect == "sqlite":
            match = " ".join(f'"{t}"' for t in terms)
            return ClaimRow.id.in_(select(text("rowid")).select_from(text("claims_fts")).where(text("claims_fts MATCH :q")).params(q=match))
        if self.dialect == "postgresql":
            return text("to_tsvector('english', claims.text) @@ plainto_tsquery('english', :q)").bindparams(q=" ".join(terms))  # type: ignore[return-value]
        return and_(*(ClaimRow.text.ilike(f"%{t}%") for t in terms))

    def claim_summaries(
        self,
        q: str | None = None,
        status: str | None = None,
        verdict: str | None = None,
        sort: str = "last-change",
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[ClaimSummary], int]:
        """A page of the claims list and the number of claims that match: full-text search over the claim
        text, filter by machine status and/or verdict ("none" = not reviewed), sorted by the last change
        (status event or human change), by the number of independent related articles, or by age."""
        if status is not None and status not in CLAIM_STATUSES:
            raise InputError("--status", f"{status!r} is not a status; choose one of {', '.join(CLAIM_STATUSES)}")
        if verdict is not None and verdict not in (*VERDICTS, "none"):
            raise InputError("--verdict", f"{verdict!r} is not a verdict; choose one of {', '.join(VERDICTS)} or none")
        if sort not in CLAIM_SORTS:
            raise InputError("--sort", f"{sort!r}: choose one of {', '.join(CLAIM_SORTS)}")
        eff = self._effective().subquery()
        independent = (
            select(eff.c.claim_id, func.count().label("n"))
            .join(ArticleRow, ArticleRow.id == eff.c.article_id)
            .where(ArticleRow.duplicate_of.is_(None))
            .group_by(eff.c.claim_id)
            .subquery()
        )
        last_event = select(EventRow.claim_id, func.max(EventRow.at).label("at")).group_by(EventRow.claim_id).subquery()
        last_audit = select(AuditRow.claim_id, func.max(AuditRow.at).label("at")).group_by(AuditRow.claim_id).subquery()
        newest_review = select(func.max(ReviewRow.id)).group_by(ReviewRow.claim_id)
        verdicts = select(ReviewRow.claim_id, ReviewRow.verdict).where(ReviewRow.id.in_(newest_review)).subquery()
        event_at = func.coalesce(last_event.c.at, ClaimRow.created)
        audit_at = func.coalesce(last_audit.c.at, ClaimRow.created)
        last_change = case((event_at > audit_at, event_at), else_=audit_at)
        state = func.coalesce(ClaimStateRow.status, "unverified")
        articles = func.coalesce(independent.c.n, 0)
        query = (
            select(ClaimRow, state, articles, verdicts.c.verdict, last_change)
            .outerjoin(ClaimStateRow, ClaimStateRow.claim_id == ClaimRow.id)
            .outerjoin(independent, independent.c.claim_id == ClaimRow.id)
            .outerjoin(last_event, last_event.c.claim_id == ClaimRow.id)
            .outerjoin(last_audit, last_audit.c.claim_id == ClaimRow.id)
            .outerjoin(verdicts, verdicts.c.claim_id == ClaimRow.id)
            .where(ClaimRow.deleted.is_(None))
        )
        if q and (terms := fts_terms(q)):
            query = query.where(self._claim_search(terms))
        elif q:
            return [], 0
        if status is not None:
            query = query.where(state == status)
        if verdict == "none":
            query = query.where(verdicts.c.verdict.is_(None))
        elif verdict is not None:
            query = query.where(verdicts.c.verdict == verdict)
        order: dict[str, list[Any]] = {
            "last-change": [last_change.desc(), ClaimRow.id.desc()],
            "articles": [articles.desc(), ClaimRow.id.desc()],
            "newest": [ClaimRow.id.desc()],
            "oldest": [ClaimRow.id],
        }
        with self.session() as session:
            total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
            rows = session.execute(query.order_by(*order[sort]).limit(limit).offset(min(offset, 2**62))).all()
            summaries = [
                ClaimSummary(claim=claim_from_row(c), status=s, articles=int(n), verdict=v, last_change=_aware(at))
                for c, s, n, v, at in rows
            ]
        return summaries, total

    # -- full-text article search ---------------------------------------------------------------

    def search_articles(self, query: str, limit: int = 20, offset: int = 0) -> list[Article]:
        """Articles matching every word of `query` (full-text: SQLite FTS5 with stemming, PostgreSQL
        tsvector), best match first."""
        from claimwatch.store.store import article_from_row

        terms = fts_terms(query)
        if not terms:
            return []
        with self.session() as session:
            if self.dialect == "sqlite":
                ranked = session.execute(
                    text(
                        "SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q ORDER BY bm25(articles_fts, 4.0, 1.0), rowid DESC LIMIT :n OFFSET :o"
                    ),
                    {"q": " ".join(f'"{t}"' for t in terms), "n": limit, "o": offset},
                ).all()
            elif self.dialect == "postgresql":
                ranked = session.execute(
                    text(
                        "SELECT id FROM articles, plainto_tsquery('english', :q) query "
                        "WHERE to_tsvector('english', coalesce(title, '') || ' ' || text) @@ query "
                        "ORDER BY ts_rank(to_tsvector('english', coalesce(title, '') || ' ' || text), query) DESC, id DESC LIMIT :n OFFSET :o"
                    ),
                    {"q": " ".join(terms), "n": limit, "o": offset},
                ).all()
            else:  # pragma: no cover - only SQLite and PostgreSQL are supported
                ranked = []
            ids = [int(r[0]) for r in ranked]
            rows = {r.id: r for r in session.scalars(select(ArticleRow).where(ArticleRow.id.in_(ids)))}
            return [article_from_row(rows[i]) for i in ids if i in rows]

    # -- outlets --------------------------------------------------------------------------------

    def outlet_records(self, outlet: str | None = None) -> list[OutletRecord]:
        """Per outlet: the claims it reported first, agreed with and disagreed with (after review), and
        how each ended: the reviewed verdict, else the machine status. Most active outlets first."""
        eff = self._effective().subquery()
        with self.session() as session:
            rows = session.execute(
                select(eff.c.claim_id, eff.c.article_id, eff.c.label, ArticleRow.outlet, ArticleRow.published, ClaimRow.text)
                .join(ArticleRow, ArticleRow.id == eff.c.article_id)
                .join(ClaimRow, ClaimRow.id == eff.c.claim_id)
                .where(ClaimRow.deleted.is_(None))
                .order_by(eff.c.claim_id, eff.c.article_id)
            ).all()
            states = dict(session.execute(select(ClaimStateRow.claim_id, ClaimStateRow.status)).all())
        verdicts = self.latest_reviews()
        first: dict[int, tuple[tuple[int, datetime, int], str | None]] = {}
        by_outlet: dict[str, dict[str, Any]] = {}
        texts: dict[int, str] = {}
        for claim_id, article_id, label, name, published, claim_text in rows:
            texts[claim_id] = claim_text
            when = _aware(published)
            key = (0, when.replace(tzinfo=None), article_id) if when else (1, datetime.max, article_id)
            if claim_id not in first or key < first[claim_id][0]:
                first[claim_id] = (key, name)
            if not name:
                continue
            o = by_outlet.setdefault(name, {"articles": set(), "agree": set(), "disagree": set()})
            o["articles"].add(article_id)
            if label in ("agree", "disagree"):
                o[label].add(claim_id)

        def item(claim_id: int) -> dict[str, Any]:
            review = verdicts.get(claim_id)
            outcome = review.verdict if review else states.get(claim_id, "unverified")
            return {"claim_id": claim_id, "claim": texts[claim_id], "outcome": outcome, "reviewed": review is not None}

        records = []
        for name, o in by_outlet.items():
            if outlet is not None and name != outlet:
                continue
            firsts = sorted(c for c, (_, who) in first.items() if who == name)
            records.append(
                OutletRecord(
                    outlet=name,
                    articles=len(o["articles"]),
                    first=[item(c) for c in firsts],
                    agreed=[item(c) for c in sorted(o["agree"])],
                    disagreed=[item(c) for c in sorted(o["disagree"])],
                )
            )
        if outlet is not None and not records:
            raise NotFoundError(f"no outlet named {outlet!r} has articles about a tracked claim")
        return sorted(records, key=lambda r: (-r.articles, r.outlet.lower()))


def _aware(value: datetime | str | None) -> datetime | None:
    """SQLite returns computed timestamps (max, case) as text or naive datetimes: read them back in UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
