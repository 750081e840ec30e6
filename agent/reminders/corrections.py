"""Correcting a recorded invoice: its amount due, due date, number or customer, with the reason.

A document is read once; what was recorded from it may be wrong (a misread amount, the due date of
another invoice, the wrong customer). Finance corrects it here (the workspace's invoice page): the
correction is one audit event naming the person, with every field's old and new value and the reason,
and one recorded change of the schedule (`agent.reminders.changes`) whose cause names both.

What it does to the steps:

- **amount due**: the balance follows (the e-mails read it when they are written, so a waiting step
  says the new figure); an invoice the correction settles loses its waiting steps, one it reopens (a
  paid invoice whose amount was too low) gets its plan again;
- **due date** or **customer**: the waiting steps are laid out again from the new date, for the new
  customer's contact, language and time zone (`steering.replan`): a step whose date has passed is
  skipped, never caught up, and a template that already went out is never sent again;
- **number**: nothing to move; the next e-mail says the new number.

A step already sent or being sent is never touched. Refused, with the reason and nothing changed: an
invoice cancelled, a correction that changes nothing, an amount under what was already paid or
credited against the invoice, a number the customer already has, a change of customer for an invoice
with money set against it (that money is the first customer's), no reason given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from agent import audit
from agent.ledger.records import allocated_to_invoice, refresh_status
from agent.models import Account, Invoice
from agent.models.ledger import InvoiceStatus
from agent.reminders.changes import recorded_change
from agent.reminders.schedule import follow_money, plan_reminders
from agent.reminders.steering import ReviewRefused, replan
from agent.settings import Settings

SETTLED = (InvoiceStatus.PAID, InvoiceStatus.CREDITED)
OPEN = (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID)


@dataclass(frozen=True)
class Correction:
    """What a person changes; None leaves a field as it is."""

    amount_due: Decimal | None = None
    due_date: date | None = None
    number: str | None = None
    account: Account | None = None  # the right customer


def _changes(session: Session, invoice: Invoice, wanted: Correction) -> dict[str, tuple[Any, Any]]:
    changes: dict[str, tuple[Any, Any]] = {}
    if wanted.amount_due is not None and wanted.amount_due != invoice.amount_due:
        if wanted.amount_due <= 0:
            raise ReviewRefused("an amount due must be more than zero")
        if wanted.amount_due != wanted.amount_due.quantize(Decimal("0.01")):
            raise ReviewRefused(f"{wanted.amount_due}: at most two decimals")
        allocated = allocated_to_invoice(session, invoice.id or 0)
        if wanted.amount_due < allocated:
            raise ReviewRefused(
                f"{allocated} {invoice.currency} were already paid or credited against this invoice: an "
                "amount due under that would need a refund, not a correction"
            )
        changes["amount_due"] = (invoice.amount_due, wanted.amount_due)
    if wanted.due_date is not None and wanted.due_date != invoice.due_date:
        if wanted.due_date < invoice.issue_date:
            raise ReviewRefused(
                f"the due date {wanted.due_date} is before the issue date {invoice.issue_date}"
            )
        changes["due_date"] = (invoice.due_date, wanted.due_date)
    account_id = wanted.account.id if wanted.account is not None else invoice.account_id
    if wanted.account is not None and account_id != invoice.account_id:
        if allocated_to_invoice(session, invoice.id or 0) != 0:
            raise ReviewRefused(
                "money was already set against this invoice for its customer: undo that first, or cancel "
                "this invoice and record it again for the right customer"
            )
        old = session.get(Account, invoice.account_id)
        changes["customer"] = (old.name if old else invoice.account_id, wanted.account.name)
    number = (wanted.number or "").strip()
    if number and number != invoice.number:
        changes["number"] = (invoice.number, number)
    if number or "customer" in changes:
        taken = session.exec(
            select(Invoice.id).where(
                Invoice.account_id == account_id, Invoice.number == (number or invoice.number),
                Invoice.id != invoice.id,
            )
        ).first()  # fmt: skip
        if taken is not None:
            raise ReviewRefused(f"this customer already has an invoice numbered {number or invoice.number}")
    return changes


def correct_invoice(
    session: Session,
    *,
    invoice: Invoice,
    correction: Correction,
    settings: Settings,
    at: datetime,
    actor: str,
    reason: str,
) -> dict[str, tuple[Any, Any]]:
    """Correct the invoice and replan its waiting steps; returns each field changed with (old, new)."""
    if invoice.status == InvoiceStatus.CANCELLED:
        raise ReviewRefused(f"invoice {invoice.number} is cancelled: nothing to correct")
    if not reason.strip():
        raise ReviewRefused("say why the invoice is corrected")
    changes = _changes(session, invoice, correction)
    if not changes:
        raise ReviewRefused("nothing to correct: every value is the one recorded")
    said = "; ".join(f"{name} {old} → {new}" for name, (old, new) in changes.items())
    cause = f"corrected by {actor} ({said}): {reason.strip()}"
    with recorded_change(session, invoice_id=invoice.id or 0, at=at, cause=cause):
        was = invoice.status
        if "amount_due" in changes:
            if invoice.total_gross == invoice.amount_due:  # no prepayment: the total is the amount due
                invoice.total_gross = changes["amount_due"][1]
            invoice.amount_due = changes["amount_due"][1]
        if "due_date" in changes:
            invoice.due_date = changes["due_date"][1]
        if "number" in changes:
            invoice.number = changes["number"][1]
        if "customer" in changes and correction.account is not None:
            invoice.account_id = correction.account.id or 0
        session.add(invoice)
        session.flush()
        if "amount_due" in changes and allocated_to_invoice(session, invoice.id or 0) > 0:
            schedule = follow_money(session=session, at=at)
            refresh_status(
                session, invoice, tolerance=settings.reminders.balance_tolerance, schedule=schedule
            )
        reopened = was in SETTLED and invoice.status in OPEN
        moved = reopened or bool({"due_date", "customer"} & set(changes))
        if (
            invoice.status in OPEN
            and moved
            and not plan_reminders(session, invoice=invoice, settings=settings, at=at)
        ):
            replan(session, invoice=invoice, settings=settings, at=at, reason=cause)
    audit.record(
        session, at=at, entity="invoice", entity_id=invoice.id, action="corrected",
        message=f"Invoice {invoice.number} {cause}", actor=actor, reason=reason.strip(),
        changes={name: [str(old), str(new)] for name, (old, new) in changes.items()},
    )  # fmt: skip
    return changes
