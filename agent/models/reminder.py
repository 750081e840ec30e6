"""The stored schedule: one row per planned reminder step of one invoice.

States: planned -> sending -> sent | failed | ambiguous; planned -> skipped | cancelled | paused.
The unique (invoice_id, step) key is what makes a double send impossible. A dispatcher first claims a
batch of planned steps (`claimed_by`, `claimed_until`: a lease, so a dead worker's batch is taken over
after it), then moves each e-mail's steps from `planned` to `sending` in one committed UPDATE right before
that e-mail's own SMTP exchange: after a crash only the e-mail in flight can be in doubt.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from agent.models.base import utc_field
from agent.models.types import UtcDateTime


class ReminderState(StrEnum):
    PLANNED = "planned"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    AMBIGUOUS = "ambiguous"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    PAUSED = "paused"


PENDING_STATES = (ReminderState.PLANNED, ReminderState.PAUSED)


class Reminder(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("invoice_id", "step", name="uq_reminder_invoice_step"),
        # "What is due now": state = planned and planned_at <= now, oldest first, an index range scan.
        Index("ix_reminder_state_planned_at", "state", "planned_at"),
        # The claims now held (a few among millions of rows): the gauges count them from this index.
        Index(
            "ix_reminder_claimed_until",
            "claimed_until",
            sqlite_where=text("claimed_by IS NOT NULL"),
            postgresql_where=text("claimed_by IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    plan: str = Field(max_length=60)
    step: int = Field(description="Position of the step in its plan, from 0")
    step_name: str = Field(max_length=60)
    template: str = Field(max_length=60)
    tone: str = Field(default="courteous", max_length=20)
    planned_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False, index=True))
    language: str = Field(max_length=8, description="Frozen when planned; shown in the schedule")
    state: str = Field(default=ReminderState.PLANNED, max_length=20, index=True)
    reason: str | None = Field(default=None, description="Why the step is in its state, in words")
    message_id: str | None = None
    sent_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field()
    claimed_by: str | None = Field(default=None, max_length=200, description="The worker dispatching it")
    claimed_until: datetime | None = utc_field(nullable=True)
