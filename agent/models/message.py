"""Mail in and out. Every inbound message is kept raw on disk (by content hash) before anything else."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from agent.models.base import utc_field


class InboundStatus(StrEnum):
    RECEIVED = "received"  # stored raw, not processed yet (a crash here is re-processed on restart)
    PROCESSED = "processed"
    WAITING = "waiting"  # its graph is interrupted, e.g. waiting for finance to name a contact
    IGNORED = "ignored"  # kept and visible, but nothing to do (auto-reply, unrelated mail)
    QUARANTINED = "quarantined"  # not allowed or not readable: a person must look
    FAILED = "failed"


class InboundKind(StrEnum):
    DOCUMENTS = "documents"
    TASK_REPLY = "task_reply"
    OTHER = "other"


class InboundMessage(SQLModel, table=True):
    __tablename__ = "inbound_message"
    __table_args__ = (
        Index(
            "ix_inbound_message_claimed_until",
            "claimed_until",
            sqlite_where=text("claimed_by IS NOT NULL"),
            postgresql_where=text("claimed_by IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(index=True, max_length=998)
    content_hash: str = Field(unique=True, max_length=64, description="sha256 of the raw RFC 822 bytes")
    raw_path: str = Field(description="Where the raw bytes are kept, relative to the raw store")
    sender: str = Field(default="", max_length=320)
    subject: str = Field(default="")
    received_at: datetime = utc_field()
    kind: str | None = Field(default=None, max_length=20)
    status: str = Field(default=InboundStatus.RECEIVED, max_length=20, index=True)
    error: str | None = None
    thread_id: str | None = Field(default=None, description="The graph thread that processes this message")
    # The worker running its graph thread, until when: two workers never run one thread at once.
    claimed_by: str | None = Field(default=None, max_length=200)
    claimed_until: datetime | None = utc_field(nullable=True)


class OutboundMessage(SQLModel, table=True):
    """Every e-mail the agent sends, keyed by a deterministic Message-ID so a retry is recognised."""

    __tablename__ = "outbound_message"

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(unique=True, max_length=998)
    purpose: str = Field(max_length=30, description="reminder, task, task_confirmation")
    recipient: str = Field(max_length=320)
    subject: str
    language: str = Field(max_length=8)
    sent_at: datetime = utc_field()
    raw_path: str | None = None
