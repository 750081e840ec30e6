"""One document's values as they stand, each with where it came from: read from the e-invoice XML or
from a line of the page (with the reader's confidence), confirmed or given by a person at the check, or
corrected later on the recorded invoice (who, when, why).

`relance documents show` prints this for a document that is no longer in review: the values of the
record, not those of the first reading, and none of the first reading's warnings as if still open
(they were answered: the check's outcome says how).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from agent.documents.corrections import PERSON, SHOWN, field_labels, show
from agent.documents.locations import field_value
from agent.documents.schema import ExtractedDocument
from agent.models import Account, AuditEvent, CreditNote, Document, Invoice, Task

READERS = {
    "facturx": "the Factur-X/ZUGFeRD XML",
    "ubl": "the e-invoice XML (UBL)",
    "text": "the PDF's text",
    "ocr": "the scanned page (OCR)",
    "llm": "the LLM",
}
# A field of the recorded invoice a correction names (agent.reminders.corrections), as a shown field.
CORRECTED_FIELDS = {
    "amount_due": "amount_due",
    "due_date": "due_date",
    "number": "number",
    "customer": "customer_name",
}
RECORDED = {*CORRECTED_FIELDS.values(), "issue_date", "currency", "document_type"}  # read from the record
RECORD_NAMES = ("customer_name", "document_type")  # the record says them another way
ALWAYS = ("number", "due_date", "amount_due", "customer_name")  # shown even when nothing was read


@dataclass(frozen=True)
class Origin:
    field: str
    label: str
    value: str
    origin: str

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "label": self.label, "value": self.value, "origin": self.origin}


def _person(event: AuditEvent) -> str:
    actor = event.detail.get("actor")
    return actor if actor and actor != "relance" else "a person"


def _day(at: datetime) -> str:
    return f"{at:%Y-%m-%d}"


def _record(session: Session, document: Document) -> Invoice | CreditNote | None:
    for model in (Invoice, CreditNote):
        found = session.exec(select(model).where(model.document_id == document.id)).first()
        if found is not None:
            return found
    return None


def _recorded_value(session: Session, record: Invoice | CreditNote, name: str) -> object:
    if name == "customer_name":
        account = session.get(Account, record.account_id)
        return account.name if account else None
    if name == "document_type":
        return "invoice" if isinstance(record, Invoice) else "credit_note"
    return getattr(record, name, None)


def document_origins(session: Session, document: Document, *, language: str) -> dict[str, Any]:
    """What `documents show` says of a settled document: its record, each value with its origin, and
    how its check ended (None when it was never checked)."""
    reading = ExtractedDocument.model_validate(document.extraction)
    record = _record(session, document)
    labels = field_labels(language)
    checked = session.exec(
        select(AuditEvent)
        .where(AuditEvent.entity == "document", AuditEvent.entity_id == document.id)
        .where(col(AuditEvent.action).in_(("confirmed", "rejected")))
        .order_by(col(AuditEvent.id).desc())
    ).first()
    given = set((checked.detail.get("after") or {}) if checked and checked.action == "confirmed" else {})
    corrected = _corrections(session, record)
    rows = []
    for name in SHOWN:
        value = field_value(reading, name)
        if record is not None and name in RECORDED and (name in RECORD_NAMES or hasattr(record, name)):
            value = _recorded_value(session, record, name)
        if value is None and name not in ALWAYS:
            continue
        origin = corrected.get(name) or _origin(name, reading, checked, given)
        rows.append(Origin(name, labels[name], show(name, value, language), origin))
    task = session.exec(
        select(Task)
        .where(Task.kind == "review", Task.document_id == document.id)
        .order_by(col(Task.id).desc())
    ).first()
    return {
        "record": None if record is None else {
            "kind": "invoice" if isinstance(record, Invoice) else "credit_note",
            "id": record.id,
            "number": record.number,
            "status": getattr(record, "status", None),
        },
        "fields": rows,
        "check": task.resolution if task is not None and task.status != "open" else None,
    }  # fmt: skip


def _corrections(session: Session, record: Invoice | CreditNote | None) -> dict[str, str]:
    """Each field corrected on the recorded invoice, with its last correction: who, when, from what, why."""
    if not isinstance(record, Invoice):
        return {}
    events = session.exec(
        select(AuditEvent)
        .where(AuditEvent.entity == "invoice", AuditEvent.entity_id == record.id)
        .where(AuditEvent.action == "corrected")
        .order_by(col(AuditEvent.id))
    )
    said: dict[str, str] = {}
    for event in events:
        for changed, (old, _new) in (event.detail.get("changes") or {}).items():
            if changed in CORRECTED_FIELDS:
                reason = event.detail.get("reason") or "no reason given"
                said[CORRECTED_FIELDS[changed]] = (
                    f"corrected on the invoice by {_person(event)} on {_day(event.at)} (was {old}): {reason}"
                )
    return said


def _origin(name: str, reading: ExtractedDocument, checked: AuditEvent | None, given: set[str]) -> str:
    if checked is not None and name in given:
        return f"given by {_person(checked)} at the check on {_day(checked.at)}"
    where = reading.locations.get(name)
    read = READERS.get(reading.source, reading.source)
    if where is not None:
        read = f"read from {read}, page {where.page}, line {where.line}: “{where.text.strip()}”"
    else:
        read = f"read from {read}"
    sure = reading.confidence.get(name)
    if checked is not None and checked.action == "confirmed":
        return f"{read}; confirmed by {_person(checked)} at the check on {_day(checked.at)}"
    if sure is not None and sure < PERSON:
        return f"{read} (confidence {sure:.2f})"
    return read
