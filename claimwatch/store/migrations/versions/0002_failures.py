"""Per-article fault isolation: the last analysis or matching failure of an article and how many runs failed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("analysis_error", sa.Text))
        batch.add_column(sa.Column("analysis_attempts", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("match_error", sa.Text))
        batch.add_column(sa.Column("match_attempts", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        for name in ("match_attempts", "match_error", "analysis_attempts", "analysis_error"):
            batch.drop_column(name)
