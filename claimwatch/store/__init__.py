"""Storage stage: SQLAlchemy 2 schema and the `Store` facade."""

from claimwatch.store.store import Store

__all__ = ["Store"]
