"""The documents waiting for finance's check, as the workspace's review queue shows them, and one document
beside the values read from it: each with its confidence, source and place on the page, and written as
a person types it back into the form (dates ISO, amounts with a dot), so that what they leave untouched
is not taken for a correction.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, func, select

from agent.documents.corrections import REQUIRED, SHOWN
from agent.documents.locations import field_value
from agent.documents.schema import ExtractedDocument
from agent.models import Document, InboundMessage, Task
from agent.models.document import DocumentStatus
from agent.models.task import TaskKind
from agent.views.invoice import _fields as fields_read


def count_review(session: Session) -> int:
    statement = select(func.count()).select_from(Document).where(Document.status == DocumentStatus.REVIEW)
    return int(session.exec(statement).one())


def review_queue(session: Session, *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """Documents in review, oldest first (the longest waiting on top), with the task asking and why: two
    statements whatever the queue's length."""
    found = list(
        session.exec(
            select(Document, InboundMessage.sender, InboundMessage.received_at)
            .outerjoin(InboundMessage, col(InboundMessage.id) == col(Document.inbound_id))
            .where(Document.status == DocumentStatus.REVIEW)
            .order_by(col(Document.created_at), col(Document.id))
            .offset(offset)
            .limit(limit)
        )
    )
    asking = {
        t.document_id: t
        for t in session.exec(
            select(Task).where(
                Task.kind == TaskKind.REVIEW, col(Task.document_id).in_([d.id for d, _s, _r in found])
            )
        )
    }
    rows = []
    for document, sender, received_at in found:
        extraction = document.extraction or {}
        task = asking.get(document.id)
        rows.append(
            {
                "id": document.id,
                "file": document.filename,
                "sender": sender,
                "received_at": received_at or document.created_at,
                "number": extraction.get("number"),
                "customer": (extraction.get("customer") or {}).get("name"),
                "amount_due": extraction.get("amount_due"),
                "currency": extraction.get("currency"),
                "due_date": extraction.get("due_date"),
                "confidence": document.confidence,
                "reasons": readable(task.details.get("reasons", [])) if task else [],
                "task": task.token if task else None,
            }
        )
    return rows


def readable(reasons: list[str]) -> list[str]:
    """The task's reasons with field keys in words ("due_date is uncertain" -> "due date is uncertain")."""
    shown = []
    for reason in reasons:
        for name in sorted(SHOWN, key=len, reverse=True):
            reason = reason.replace(name, name.replace("_", " "))
        shown.append(reason)
    return shown


def typed(name: str, value: object) -> str:
    """A value as a person would type it back: what the form shows, and what an untouched field sends."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def review_detail(session: Session, document_id: int) -> dict[str, Any] | None:
    """One document in review (or decided already): the values read, field by field, for the form."""
    document = session.get(Document, document_id)
    if document is None:
        return None
    try:
        reading: ExtractedDocument | None = ExtractedDocument.model_validate(document.extraction)
    except ValueError:  # a failed document has no reading: the page shows the file and the error
        reading = None
    read = {row["field"]: row for row in fields_read(session, document)} if reading else {}
    task = session.exec(
        select(Task).where(Task.kind == TaskKind.REVIEW, Task.document_id == document_id)
    ).first()
    inbound = session.get(InboundMessage, document.inbound_id) if document.inbound_id else None
    fields = []
    for name in SHOWN:
        value = field_value(reading, name) if reading else None
        row = read.get(name, {})
        fields.append(
            {
                "field": name,
                "value": value,
                "typed": typed(name, value),
                "required": name in REQUIRED,
                "confidence": row.get("confidence"),
                "source": row.get("source"),
                "where": row.get("where"),
            }
        )
    return {
        "document": document,
        "in_review": document.status == DocumentStatus.REVIEW,
        "fields": fields,
        "currency": (reading.currency if reading else None) or "EUR",
        "warnings": list(reading.warnings) if reading else [],
        "task": task,
        "reasons": readable(task.details.get("reasons", [])) if task else [],
        "inbound": inbound,
    }
