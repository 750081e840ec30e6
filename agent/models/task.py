"""A question to a person in finance. Tasks are how uncertainty leaves the machine."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Field, SQLModel

from agent.models.base import json_field, utc_field


class TaskKind(StrEnum):
    CONTACT_REQUEST = "contact_request"  # the account has no (valid) contact: who do we write to?
    REVIEW = "review"  # a document or a reply we are not sure about
    PAYMENT_MATCH = "payment_match"  # a payment we could not allocate
    PLAN_END = "plan_end"  # the last step went out long ago and the invoice is still open: what now?
    DIGEST = "digest"  # the weekly digest: born closed; its token makes finance's orders in reply trusted


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class Task(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=30)
    status: str = Field(default=TaskStatus.OPEN, max_length=20, index=True)
    token: str = Field(unique=True, max_length=40, description="Quoted in the e-mail; a reply must carry it")
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    document_id: int | None = Field(default=None, foreign_key="document.id")
    addressee: str = Field(max_length=320, description="Who was asked; only they may answer")
    title: str
    details: dict[str, Any] = json_field()
    message_id: str | None = Field(default=None, description="Message-ID of the e-mail that asked")
    resolution: str | None = None
    created_at: datetime = utc_field()
    closed_at: datetime | None = utc_field(nullable=True)
