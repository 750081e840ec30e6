"""The audit trail, small pieces of sync state (last payment import, mailbox position), and the leases
by which several workers share the work (see agent/db.py `claim_lease`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from agent.models.base import json_field, utc_field


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_field(index=True)
    entity: str = Field(max_length=30, index=True)
    entity_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=60)
    message: str = Field(description="What happened, in words a person can read")
    detail: dict[str, Any] = json_field()


class SyncState(SQLModel, table=True):
    __tablename__ = "sync_state"

    name: str = Field(primary_key=True, max_length=60)
    value: str
    updated_at: datetime = utc_field()


class WorkLease(SQLModel, table=True):
    """A piece of work one worker holds until `until`: the mailbox reader, a scheduled job's run, one
    payment file. Taken or renewed by one conditional upsert (agent/db.py `claim_lease`); a worker that
    dies loses it when `until` passes."""

    __tablename__ = "work_lease"

    name: str = Field(primary_key=True, max_length=200)
    holder: str = Field(max_length=200)
    until: datetime = utc_field()
    taken_at: datetime = utc_field()
