"""work claims: leases on messages and reminder steps, the work_lease table, the due-steps index

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agent.models.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "work_lease",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("until", agent.models.types.UtcDateTime(), nullable=False),
        sa.Column("taken_at", agent.models.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    for table in ("reminder", "inbound_message"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("claimed_by", sa.String(length=200), nullable=True))
            batch_op.add_column(sa.Column("claimed_until", agent.models.types.UtcDateTime(), nullable=True))
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.create_index("ix_reminder_state_planned_at", ["state", "planned_at"], unique=False)
    for table in ("reminder", "inbound_message"):  # the claims held now: a few rows, counted by the gauges
        op.create_index(
            f"ix_{table}_claimed_until",
            table,
            ["claimed_until"],
            unique=False,
            sqlite_where=sa.text("claimed_by IS NOT NULL"),
            postgresql_where=sa.text("claimed_by IS NOT NULL"),
        )
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_account_id"), ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_account_id"))
    for table in ("inbound_message", "reminder"):
        op.drop_index(f"ix_{table}_claimed_until", table_name=table)
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.drop_index("ix_reminder_state_planned_at")
    for table in ("inbound_message", "reminder"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("claimed_until")
            batch_op.drop_column("claimed_by")
    op.drop_table("work_lease")
