"""layout memory: one row per validated billing-tool layout

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agent.models.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "layout",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("validations", sa.Integer(), nullable=False),
        sa.Column("validated_by", sa.String(length=20), nullable=False),
        sa.Column("last_document_id", sa.Integer(), nullable=True),
        sa.Column("first_validated_at", agent.models.types.UtcDateTime(), nullable=False),
        sa.Column("last_validated_at", agent.models.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["last_document_id"], ["document.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_layout_fingerprint"), "layout", ["fingerprint"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_layout_fingerprint"), table_name="layout")
    op.drop_table("layout")
