"""Alembic environment: runs on the connection `claimwatch.store.migrate` passes in (already locked)."""

from __future__ import annotations

from alembic import context

from claimwatch.store.schema import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():  # joins the caller's transaction, which holds the lock
    context.run_migrations()
