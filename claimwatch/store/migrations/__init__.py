"""Alembic migrations of the claimwatch schema (applied by `Store` on open; `alembic revision` adds one)."""
