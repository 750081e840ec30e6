"""Files sent to `POST /api/documents`: one batch per request, one row per file.

A batch records what was asked and decided at once (the file's name, size, content hash, the sender's own
reference and account hint; refused, a duplicate, or accepted). An accepted file's bytes are kept in the
raw store before the answer, and it becomes one synthetic inbound message (`inbound_id`), processed by the
same graph as a mailed document. What became of it (processed, waiting for a person, quarantined) is read
from that message, its document and their rows when asked (agent/web/api/batches.py), never copied here.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from agent.models.base import utc_field


class Acceptance(StrEnum):
    ACCEPTED = "accepted"  # kept, and handed to the graph as its own message
    REFUSED = "refused"  # empty, an executable, a type relance does not read: `code` and `reason` say
    DUPLICATE = "duplicate"  # the same bytes were received before: `duplicate_of_*` says where


class ApiBatch(SQLModel, table=True):
    __tablename__ = "api_batch"

    id: str = Field(primary_key=True, max_length=32, description="Random, unguessable: the batch's name")
    submitted_by: str = Field(max_length=320, description="The token owner's e-mail (or 'payments token')")
    token_id: int | None = Field(default=None, description="The API token used; kept after it is revoked")
    created_at: datetime = utc_field()


class ApiBatchFile(SQLModel, table=True):
    __tablename__ = "api_batch_file"
    __table_args__ = (UniqueConstraint("batch_id", "position", name="uq_api_batch_file_position"),)

    id: int | None = Field(default=None, primary_key=True)
    batch_id: str = Field(foreign_key="api_batch.id", max_length=32, index=True)
    position: int = Field(description="Its place in the request, from 0")
    filename: str = Field(max_length=255)
    declared_type: str = Field(default="", max_length=120, description="The content type the client gave")
    detected_type: str | None = Field(default=None, max_length=20, description="pdf, xml, png, jpeg, tiff")
    size: int
    content_hash: str = Field(max_length=64, index=True, description="sha256 of the file's bytes")
    raw_path: str | None = Field(default=None, description="The bytes in the raw store (accepted files)")
    reference: str | None = Field(default=None, max_length=200, description="The sender's own reference")
    account_hint: str | None = Field(default=None, max_length=200)
    acceptance: str = Field(max_length=20)
    code: str | None = Field(default=None, max_length=40, description="Why refused, in one word")
    reason: str | None = None
    duplicate_of_document: int | None = Field(default=None, description="An earlier document, same bytes")
    duplicate_of_file: int | None = Field(default=None, description="An earlier uploaded file, same bytes")
    inbound_id: int | None = Field(default=None, foreign_key="inbound_message.id", index=True)
