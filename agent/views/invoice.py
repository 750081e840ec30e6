"""One invoice as the workspace's invoice page shows it: the source document and what was read from it
(value, confidence, source, where on the page), the credit notes and payments set against it, the
balance, every reminder step with its state and reason, the recorded changes with their causes (what
`relance history` prints), and the audit events of the invoice and its steps.

A fixed number of statements, whatever the invoice's history."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, or_, select

from agent.documents.corrections import SHOWN
from agent.documents.locations import field_value
from agent.documents.schema import ExtractedDocument
from agent.ledger.accounts import valid_contact
from agent.models import Account, Allocation, AuditEvent, CreditNote, Document, Invoice, Payment, Reminder
from agent.models.reminder import PENDING_STATES
from agent.reminders.changes import describe, schedule_changes
from agent.reminders.schedule import plan_name_for, recipient_of
from agent.settings import Settings


def plan_names(settings: Settings) -> list[str]:
    return sorted(path.stem for path in settings.workflows_dir.glob("*.yaml"))


def invoice_detail(session: Session, settings: Settings, invoice_id: int) -> dict[str, Any] | None:
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        return None
    account = session.get(Account, invoice.account_id)
    assert account is not None
    contact = valid_contact(session, account.id or 0)
    money = _money_set_against(session, invoice_id)
    allocated = sum((row["amount"] for row in money), Decimal("0.00"))
    steps = session.exec(
        select(Reminder).where(Reminder.invoice_id == invoice_id).order_by(col(Reminder.step))
    ).all()
    document = session.get(Document, invoice.document_id) if invoice.document_id else None
    changes = schedule_changes(session, invoice_id)
    for change in changes:
        change["summary"] = describe(change["changes"])
        change["at_instant"] = datetime.fromisoformat(change["at"])
    return {
        "invoice": invoice,
        "account": account,
        "contact": contact,
        "customer_zone": recipient_of(account, contact, settings).zone,
        "plan": plan_name_for(invoice, account, settings),
        "plans": plan_names(settings),
        "balance": invoice.amount_due - allocated,
        "allocations": money,
        "steps": steps,
        "pending_steps": [r.step_name for r in steps if r.state in PENDING_STATES],
        "document": document,
        "fields": _fields(session, document) if document else [],
        "changes": changes,
        "audit": _audit(session, invoice_id, [r.id or 0 for r in steps], document),
    }


def _money_set_against(session: Session, invoice_id: int) -> list[dict[str, Any]]:
    rows = session.exec(
        select(Allocation, CreditNote, Payment)
        .outerjoin(CreditNote, col(CreditNote.id) == col(Allocation.credit_note_id))
        .outerjoin(Payment, col(Payment.id) == col(Allocation.payment_id))
        .where(Allocation.invoice_id == invoice_id)
        .order_by(col(Allocation.id))
    ).all()
    return [
        {
            "kind": "credit_note" if credit else "payment",
            "reference": credit.number if credit else (payment.reference if payment else ""),
            "on": credit.issue_date if credit else (payment.received_on if payment else None),
            "source": "credit note" if credit else (payment.source if payment else ""),
            "amount": allocation.amount,
            "explanation": allocation.explanation,
        }
        for allocation, credit, payment in rows
    ]


def _fields(session: Session, document: Document) -> list[dict[str, Any]]:
    """Each field a person checks, as read: its value, confidence, the reading's source (or `person`
    when someone gave or corrected it on review) and where on the page it was read."""
    try:
        reading = ExtractedDocument.model_validate(document.extraction)
    except ValueError:  # a failed or foreign document has no reading to show
        return []
    corrected: set[str] = set()
    for detail in session.exec(
        select(AuditEvent.detail).where(
            AuditEvent.entity == "document",
            AuditEvent.entity_id == document.id,
            AuditEvent.action == "confirmed",
        )
    ):
        corrected |= set((detail or {}).get("after", {}))
    rows = []
    for name in SHOWN:
        value = field_value(reading, name)
        if value is None and name in ("referenced_invoice", "customer_vat_id", "total_net", "total_tax"):
            continue
        where = reading.locations.get(name)
        rows.append(
            {
                "field": name,
                "value": value,
                "confidence": reading.confidence.get(name),
                "source": "person" if name in corrected else reading.source,
                "where": None
                if where is None
                else {"page": where.page, "line": where.line, "text": where.text},
                "label": reading.provenance.get(name),
            }
        )
    return rows


def _audit(
    session: Session, invoice_id: int, reminder_ids: list[int], document: Document | None
) -> list[AuditEvent]:
    about = [
        (AuditEvent.entity == "invoice") & (AuditEvent.entity_id == invoice_id),
        (AuditEvent.entity == "reminder") & col(AuditEvent.entity_id).in_(reminder_ids),
    ]
    if document is not None:
        about.append((AuditEvent.entity == "document") & (AuditEvent.entity_id == document.id))
    return list(
        session.exec(select(AuditEvent).where(or_(*about)).order_by(col(AuditEvent.at), col(AuditEvent.id)))
    )
