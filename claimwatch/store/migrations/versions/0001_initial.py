"""The schema of release 0.1: articles and their versions, claims, attributions, stances, check-worthy sentences, embeddings.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.String(2048), index=True),
        sa.Column("title", sa.Text),
        sa.Column("outlet", sa.String(512), index=True),
        sa.Column("author", sa.String(512)),
        sa.Column("published", TZ, index=True),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("language", sa.String(16)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("duplicate_of", sa.Integer, sa.ForeignKey("articles.id"), index=True),
        sa.Column("minhash", sa.LargeBinary),
        sa.Column("ingested_at", TZ, nullable=False),
        sa.Column("analysed_version", sa.Integer),
    )
    op.create_table(
        "claims",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("text_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("origin", sa.String(64), nullable=False),
        sa.Column("created", TZ, nullable=False),
    )
    op.create_table(
        "embeddings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
        sa.UniqueConstraint("key", "model"),
    )
    op.create_table(
        "article_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("title", sa.Text),
        sa.Column("fetched_at", TZ, nullable=False),
        sa.UniqueConstraint("article_id", "version"),
    )
    op.create_table(
        "attributions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("cue", sa.String(256), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("hedged", sa.Boolean, nullable=False),
        sa.Column("denial", sa.Boolean, nullable=False),
        sa.Column("confirmation", sa.Boolean, nullable=False),
        sa.Column("channel", sa.Text),
        sa.Column("offsets", sa.JSON, nullable=False),
    )
    op.create_table(
        "stance_results",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("claim_id", sa.Integer, sa.ForeignKey("claims.id"), nullable=False, index=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), nullable=False, index=True),
        sa.Column("article_version", sa.Integer, nullable=False),
        sa.Column("label", sa.String(16), nullable=False, index=True),
        sa.Column("probabilities", sa.JSON, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("model_version", sa.String(128), nullable=False),
        sa.Column("similarity", sa.Float),
        sa.Column("created", TZ, nullable=False),
        sa.UniqueConstraint("claim_id", "article_id"),
    )
    op.create_table(
        "checkworthy",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("attributed", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    for table in ("checkworthy", "stance_results", "attributions", "article_versions", "embeddings", "claims", "articles"):
        op.drop_table(table)
