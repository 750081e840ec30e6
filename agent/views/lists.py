"""The lists the CLI prints and the workspace shows: invoices, accounts, tasks, steps, events, intake.

Each is a few statements for the whole list (never one per row): the pages show thousands of rows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, func, select

from agent.ledger.accounts import valid_contact
from agent.ledger.records import account_net_balance
from agent.models import Account, Allocation, AuditEvent, Document, InboundMessage, Invoice, Reminder, Task
from agent.views.invoice_filters import InvoiceFilters, apply


def balances(session: Session, invoices: list[Invoice]) -> dict[int, Decimal]:
    """Open balance per invoice id, in one statement for all of them: amount due minus allocations. Summed
    in Python, because money is exact text on SQLite (no SQL arithmetic on it)."""
    ids = [i.id for i in invoices]
    allocated: dict[int, Decimal] = {}
    for invoice_id, amount in session.exec(
        select(Allocation.invoice_id, Allocation.amount).where(col(Allocation.invoice_id).in_(ids))
    ):
        allocated[invoice_id] = allocated.get(invoice_id, Decimal("0.00")) + amount
    return {i.id or 0: i.amount_due - allocated.get(i.id or 0, Decimal("0.00")) for i in invoices}


def invoices(
    session: Session,
    *,
    search: str | None = None,
    status: str | None = None,
    account_id: int | None = None,
    filters: InvoiceFilters | None = None,
    zone: str = "UTC",
    promised_ids: list[int] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Invoices by due date with their customer and open balance: two statements whatever the count.

    `search` matches the invoice number or the customer's name (any part, any case); `filters` are the
    page's (agent.views.invoice_filters: `zone` is the company's, for days; `promised_ids` the invoices of
    a promise filter)."""
    statement = (
        select(Invoice, Account.name)
        .join(Account, col(Account.id) == col(Invoice.account_id))
        .order_by(col(Invoice.due_date), col(Invoice.id))
        .offset(offset)
        .limit(limit)
    )
    chosen = _chosen(filters, search=search, status=status, account_id=account_id)
    statement = apply(statement, chosen, zone=zone, promised_ids=promised_ids)
    found = session.exec(statement).all()
    open_balances = balances(session, [invoice for invoice, _ in found])
    return [
        {
            "id": invoice.id,
            "number": invoice.number,
            "account": name,
            "account_id": invoice.account_id,
            "issue_date": invoice.issue_date.isoformat(),
            "due_date": invoice.due_date.isoformat(),
            "currency": invoice.currency,
            "total_gross": str(invoice.total_gross),
            "amount_due": str(invoice.amount_due),
            "balance": str(open_balances[invoice.id or 0]),
            "status": invoice.status,
            "paused": invoice.paused,
        }
        for invoice, name in found
    ]


def count_invoices(
    session: Session,
    *,
    search: str | None = None,
    status: str | None = None,
    account_id: int | None = None,
    filters: InvoiceFilters | None = None,
    zone: str = "UTC",
    promised_ids: list[int] | None = None,
) -> int:
    statement = (
        select(func.count()).select_from(Invoice).join(Account, col(Account.id) == col(Invoice.account_id))
    )
    chosen = _chosen(filters, search=search, status=status, account_id=account_id)
    return int(session.exec(apply(statement, chosen, zone=zone, promised_ids=promised_ids)).one())


def _chosen(
    filters: InvoiceFilters | None, *, search: str | None, status: str | None, account_id: int | None
) -> InvoiceFilters:
    """The filters given, or those of the older keyword arguments (kept for their callers)."""
    if filters is not None:
        return filters
    return InvoiceFilters(search=search, status=status, account_id=account_id)


def accounts(session: Session) -> list[dict[str, Any]]:
    rows = []
    for account in session.exec(select(Account).order_by(col(Account.name))):
        contact = valid_contact(session, account.id or 0)
        rows.append(
            {
                "id": account.id,
                "name": account.name,
                "vat_id": account.vat_id,
                "country": account.country,
                "currency": account.currency,
                "net_balance": str(account_net_balance(session, account.id or 0)),
                "contact": None
                if contact is None
                else {
                    "name": contact.name,
                    "email": contact.email,
                    "language": contact.language,
                    "language_inferred": contact.language_inferred,
                },
            }
        )
    return rows


def tasks(session: Session, *, include_closed: bool = False) -> list[dict[str, Any]]:
    statement = select(Task).order_by(col(Task.id))
    if not include_closed:
        statement = statement.where(Task.status == "open")
    return [
        {
            "id": t.id,
            "kind": t.kind,
            "status": t.status,
            "token": t.token,
            "title": t.title,
            "addressee": t.addressee,
            "created_at": t.created_at.isoformat(),
            "resolution": t.resolution,
            "details": t.details,
        }
        for t in session.exec(statement)
    ]


def reminders(session: Session) -> list[dict[str, Any]]:
    rows = []
    statement = (
        select(Reminder, Invoice)
        .where(Reminder.invoice_id == Invoice.id)
        .order_by(col(Invoice.number), col(Reminder.step))
    )
    for reminder, invoice in session.exec(statement):
        rows.append(
            {
                "invoice": invoice.number,
                "step": reminder.step_name,
                "planned_at": reminder.planned_at.isoformat(),
                "language": reminder.language,
                "state": reminder.state,
                "reason": reminder.reason,
                "sent_at": reminder.sent_at.isoformat() if reminder.sent_at else None,
            }
        )
    return rows


def timeline(session: Session) -> list[dict[str, Any]]:
    events = session.exec(select(AuditEvent).order_by(col(AuditEvent.at), col(AuditEvent.id))).all()
    return [
        {"at": e.at.isoformat(), "entity": e.entity, "action": e.action, "message": e.message} for e in events
    ]


def inbound(session: Session, *, message_id: int | None = None) -> list[dict[str, Any]]:
    """Inbound messages (a batch each) with every file's status and error."""
    rows = []
    statement = select(InboundMessage).order_by(col(InboundMessage.id))
    if message_id is not None:
        statement = statement.where(InboundMessage.id == message_id)
    for message in session.exec(statement):
        documents = session.exec(select(Document).where(Document.inbound_id == message.id)).all()
        rows.append(
            {
                "id": message.id,
                "received_at": message.received_at.isoformat(),
                "sender": message.sender,
                "subject": message.subject,
                "kind": message.kind,
                "status": message.status,
                "error": message.error,
                "documents": [
                    {
                        "id": d.id,
                        "file": d.filename,
                        "status": d.status,
                        "method": d.method,
                        "kind": d.kind,
                        "confidence": d.confidence,
                        "error": d.error,
                        "number": d.extraction.get("number"),
                        "customer": (d.extraction.get("customer") or {}).get("name"),
                        "amount_due": d.extraction.get("amount_due"),
                        "currency": d.extraction.get("currency"),
                        "due_date": d.extraction.get("due_date"),
                    }
                    for d in documents
                ],
            }
        )
    return rows


def documents(
    session: Session, *, include_settled: bool = False, document_id: int | None = None
) -> list[dict[str, Any]]:
    """Documents waiting for finance's check (or every document, or one): what was read, and the task
    asking."""
    statement = select(Document).order_by(col(Document.id))
    if document_id is not None:
        statement = statement.where(Document.id == document_id)
    elif not include_settled:
        statement = statement.where(Document.status == "review")
    found = list(session.exec(statement))
    ids = [d.id for d in found]
    asking = {
        t.document_id: t
        for t in session.exec(select(Task).where(Task.kind == "review", col(Task.document_id).in_(ids)))
    }
    rows = []
    for d in found:
        task = asking.get(d.id)
        rows.append(
            {
                "id": d.id,
                "file": d.filename,
                "status": d.status,
                "method": d.method,
                "number": d.extraction.get("number"),
                "customer": (d.extraction.get("customer") or {}).get("name"),
                "amount_due": d.extraction.get("amount_due"),
                "currency": d.extraction.get("currency"),
                "due_date": d.extraction.get("due_date"),
                "confidence": round(d.confidence, 2) if d.confidence is not None else None,
                "task": task.token if task else None,
                "reasons": task.details.get("reasons", []) if task else [],
            }
        )
    return rows
