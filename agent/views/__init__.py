"""Read models: what the CLI (and later the web pages) show, as plain JSON-ready dicts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from agent.ledger.accounts import valid_contact
from agent.ledger.records import account_net_balance, open_balance
from agent.models import Account, AuditEvent, Document, InboundMessage, Invoice, Reminder, Task
from agent.reminders.steps import (
    StepContext,
    build_reminder,
    group_for_one_email,
    load_contexts,
    pre_send_check,
    stale_payment_data,
    threads_of,
)
from agent.settings import Settings


def invoices(session: Session) -> list[dict[str, Any]]:
    rows = []
    for invoice in session.exec(select(Invoice).order_by(col(Invoice.due_date), col(Invoice.id))):
        account = session.get(Account, invoice.account_id)
        rows.append(
            {
                "id": invoice.id,
                "number": invoice.number,
                "account": account.name if account else None,
                "issue_date": invoice.issue_date.isoformat(),
                "due_date": invoice.due_date.isoformat(),
                "currency": invoice.currency,
                "total_gross": str(invoice.total_gross),
                "amount_due": str(invoice.amount_due),
                "balance": str(open_balance(session, invoice)),
                "status": invoice.status,
                "paused": invoice.paused,
            }
        )
    return rows


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


def schedule(session: Session, settings: Settings, *, now: datetime, days: int) -> list[dict[str, Any]]:
    """What will go out in the next `days` days, to whom, in which words (dry run: nothing is sent).

    Steps are checked and grouped exactly as the dispatcher will: the steps of one contact planned for
    the same moment show the one e-mail that lists their invoices."""
    end = now + timedelta(days=days)
    statement = (
        select(Reminder)
        .where(Reminder.state == "planned", col(Reminder.planned_at) <= end)
        .order_by(col(Reminder.planned_at), col(Reminder.id))
    )
    payment_data_hold = stale_payment_data(session, settings, now)
    rows: dict[int, dict[str, Any]] = {}
    going_out: dict[datetime, list[tuple[Reminder, StepContext]]] = {}
    due = list(session.exec(statement))
    contexts = load_contexts(session, due)
    for reminder in due:
        context = contexts[reminder.id or 0]
        verdict = pre_send_check(reminder, settings, context, payment_data_hold=payment_data_hold)
        rows[reminder.id or 0] = {
            "reminder_id": reminder.id,
            "invoice": context.invoice.number,
            "account": context.account.name,
            "step": reminder.step_name,
            "planned_at": reminder.planned_at.isoformat(),
            "language": reminder.language,
            "template": reminder.template,
            "balance": str(context.balance),
            "currency": context.invoice.currency,
            "would_send": verdict is None,
            "hold_reason": verdict.reason if verdict else None,
        }
        if verdict is None:
            going_out.setdefault(reminder.planned_at, []).append((reminder, context))
    threads = threads_of(
        session, [reminder.invoice_id for ready in going_out.values() for reminder, _ in ready]
    )
    for planned_at, ready in going_out.items():
        for group in group_for_one_email(ready):
            preview = build_reminder(
                group, settings, max(now, planned_at), message_id="<preview>", threads=threads
            )
            numbers = [context.invoice.number for _, context in group]
            for reminder, context in group:
                rows[reminder.id or 0] |= {
                    "to": str(preview["To"]),
                    "subject": str(preview["Subject"]),
                    "body": preview.get_body(preferencelist=("plain",)).get_content(),  # type: ignore[union-attr]
                    "same_email_as": [n for n in numbers if n != context.invoice.number],
                }
    return list(rows.values())


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
