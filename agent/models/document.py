"""One attachment (or bare e-invoice) and what was extracted from it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Field, SQLModel

from agent.models.base import json_field, utc_field


class DocumentStatus(StrEnum):
    EXTRACTED = "extracted"
    RECORDED = "recorded"  # became an invoice or credit note
    DUPLICATE = "duplicate"  # the same business document was already recorded
    REVIEW = "review"  # extracted but doubtful: a task asks finance, nothing is sent to the customer
    FAILED = "failed"  # unreadable: the error says why; the file is kept
    UNSUPPORTED = "unsupported"  # not a document type we read (winmail.dat, images without OCR...)
    REJECTED = "rejected"  # a person set it aside on review: kept, recorded nowhere


class Document(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    inbound_id: int | None = Field(default=None, foreign_key="inbound_message.id", index=True)
    filename: str
    content_type: str = Field(default="application/octet-stream", max_length=120)
    content_hash: str = Field(index=True, max_length=64)
    raw_path: str
    kind: str | None = Field(default=None, max_length=20, description="invoice or credit_note")
    method: str | None = Field(default=None, max_length=20, description="facturx, ubl, text, llm")
    confidence: float | None = None
    extraction: dict[str, Any] = json_field()
    status: str = Field(default=DocumentStatus.EXTRACTED, max_length=20)
    error: str | None = None
    created_at: datetime = utc_field()


class Layout(SQLModel, table=True):
    """A billing tool's layout, learnt from a validated document: where each field sat (its label and
    place), so that the next document of that layout is read with more confidence and no LLM call."""

    id: int | None = Field(default=None, primary_key=True)
    fingerprint: str = Field(unique=True, index=True, max_length=64)
    fields: dict[str, Any] = json_field()  # field -> "label|place", as validated
    validations: int = 0
    validated_by: str = Field(
        max_length=20, description="xml or llm (the reading that agreed with the text), or person"
    )
    last_document_id: int | None = Field(default=None, foreign_key="document.id")
    first_validated_at: datetime = utc_field()
    last_validated_at: datetime = utc_field()
