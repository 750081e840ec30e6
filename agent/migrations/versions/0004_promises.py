"""promises to pay: paused_until and promised_for on invoices

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agent.models.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paused_until", agent.models.types.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("promised_for", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.drop_column("promised_for")
        batch_op.drop_column("paused_until")
