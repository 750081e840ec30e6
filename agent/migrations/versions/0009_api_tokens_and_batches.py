"""api tokens and upload batches (the HTTP API)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agent.models.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("scopes", sa.String(length=60), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=16), nullable=False),
        sa.Column("created_at", agent.models.types.UtcDateTime(), nullable=False),
        sa.Column("last_used_at", agent.models.types.UtcDateTime(), nullable=True),
        sa.Column("revoked_at", agent.models.types.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["web_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
    )
    op.create_index(op.f("ix_api_token_user_id"), "api_token", ["user_id"], unique=False)
    op.create_table(
        "api_batch",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("submitted_by", sa.String(length=320), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("created_at", agent.models.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "api_batch_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("declared_type", sa.String(length=120), nullable=False),
        sa.Column("detected_type", sa.String(length=20), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("raw_path", sa.String(), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("account_hint", sa.String(length=200), nullable=True),
        sa.Column("acceptance", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("duplicate_of_document", sa.Integer(), nullable=True),
        sa.Column("duplicate_of_file", sa.Integer(), nullable=True),
        sa.Column("inbound_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["api_batch.id"]),
        sa.ForeignKeyConstraint(["inbound_id"], ["inbound_message.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("batch_id", "position", name="uq_api_batch_file_position"),
    )
    op.create_index(op.f("ix_api_batch_file_batch_id"), "api_batch_file", ["batch_id"], unique=False)
    op.create_index(op.f("ix_api_batch_file_content_hash"), "api_batch_file", ["content_hash"], unique=False)
    op.create_index(op.f("ix_api_batch_file_inbound_id"), "api_batch_file", ["inbound_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_api_batch_file_inbound_id"), table_name="api_batch_file")
    op.drop_index(op.f("ix_api_batch_file_content_hash"), table_name="api_batch_file")
    op.drop_index(op.f("ix_api_batch_file_batch_id"), table_name="api_batch_file")
    op.drop_table("api_batch_file")
    op.drop_table("api_batch")
    op.drop_index(op.f("ix_api_token_user_id"), table_name="api_token")
    op.drop_table("api_token")
