"""The audit trail, and small pieces of sync state (last payment import, mailbox position)."""

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
