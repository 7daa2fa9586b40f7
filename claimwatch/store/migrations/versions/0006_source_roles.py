"""Attributions keep who a source is and what it was resolved from: the role set off beside a named source
("Ahmed Rudaini, the health ministry's spokesman" -> role "the health ministry's spokesman") and the
pronoun or role noun a source was resolved from ("he", "the company's founder"). Both were dropped when an
analysis was stored, so the dossier and the article page could not show them.

Attributions stored before this revision have neither (NULL) until their article is analysed again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attributions") as batch:
        batch.add_column(sa.Column("source_role", sa.Text, nullable=True))
        batch.add_column(sa.Column("resolved_from", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attributions") as batch:
        batch.drop_column("resolved_from")
        batch.drop_column("source_role")
