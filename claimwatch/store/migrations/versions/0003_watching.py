"""Watching: sources with their polling state, claim status history (events), alerts and their deliveries,
and the time each stance last changed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("stance_results") as batch:
        # when the pair last changed in a way a dossier shows (became or stopped being related, or its
        # article's attributions changed): the watcher re-evaluates claims with changes after their watermark
        batch.add_column(sa.Column("changed", TZ))
        batch.create_index("ix_stance_results_changed", ["changed"])
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.String(2048), nullable=False, unique=True),
        sa.Column("name", sa.String(512)),
        sa.Column("every_s", sa.Integer, nullable=False),
        sa.Column("etag", sa.String(512)),
        sa.Column("last_modified", sa.String(128)),
        sa.Column("last_success", TZ),
        sa.Column("last_error", sa.Text),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_poll", TZ, nullable=False, index=True),
        sa.Column("created", TZ, nullable=False),
    )
    op.create_table(
        "claim_states",
        sa.Column("claim_id", sa.Integer, sa.ForeignKey("claims.id"), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("denials", sa.JSON, nullable=False),
        sa.Column("confirmations", sa.JSON, nullable=False),
        sa.Column("updated", TZ, nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("claim_id", sa.Integer, sa.ForeignKey("claims.id"), nullable=False, index=True),
        sa.Column("at", TZ, nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("from_status", sa.String(16)),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("articles", sa.JSON, nullable=False),
        sa.Column("new_denials", sa.JSON, nullable=False),
        sa.Column("new_confirmations", sa.JSON, nullable=False),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("claim_id", sa.Integer, sa.ForeignKey("claims.id"), index=True),
        sa.Column("webhook", sa.String(2048), nullable=False),
        sa.Column("secret", sa.String(512)),
        sa.Column("created", TZ, nullable=False),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), nullable=False, index=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id"), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("next_try", TZ, nullable=False, index=True),
        sa.Column("delivered_at", TZ),
        sa.UniqueConstraint("alert_id", "event_id"),
    )


def downgrade() -> None:
    for table in ("deliveries", "alerts", "events", "claim_states", "sources"):
        op.drop_table(table)
    with op.batch_alter_table("stance_results") as batch:
        batch.drop_index("ix_stance_results_changed")
        batch.drop_column("changed")
