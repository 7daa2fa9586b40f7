"""Claim coverage: how far matching has gone for each claim, so that a pair below the retrieval threshold
needs no stance row (a new claim is retrieved through the sentence vector index, not scored per article).

A database upgraded from an earlier revision has no coverage yet: its first matching run finds every
pair already scored (it has a row per pair) and records the coverage.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claim_coverage",
        sa.Column("claim_id", sa.Integer, sa.ForeignKey("claims.id"), primary_key=True),
        sa.Column("text_hash", sa.String(64), nullable=False),  # the claim's text the coverage is for
        sa.Column("upto", sa.Integer, nullable=False),  # every article version id <= upto was considered
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("claim_coverage")
