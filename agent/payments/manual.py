"""Payments a person allocates: an offline payment (cheque, cash) recorded by hand, or a bank payment
the matcher left to finance. Either way the person names the invoices; the ledger does the rest, with
the same explanations and the same stop of reminders as an automatic match. Each is an audit event
naming the person who did it (`actor`: a workspace user, a login at the command line).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Session, select

from agent import audit
from agent.ledger.records import open_invoices
from agent.models import Account, Invoice, Payment, Task
from agent.models.ledger import InvoiceStatus
from agent.models.task import TaskKind, TaskStatus
from agent.payments.importing import allocate_to, mark_synced

SETTLED = (InvoiceStatus.PAID, InvoiceStatus.CREDITED)


class AllocationRefused(ValueError):
    """The allocation asked for is not possible; nothing was changed."""


def _invoices_of(session: Session, account: Account, numbers: list[str], currency: str) -> list[Invoice]:
    invoices = []
    for number in numbers:
        invoice = session.exec(
            select(Invoice).where(Invoice.account_id == account.id, Invoice.number == number)
        ).first()
        if invoice is None:
            raise AllocationRefused(f"{account.name} has no invoice {number}")
        if invoice.currency != currency:
            raise AllocationRefused(f"invoice {number} is in {invoice.currency}, the payment in {currency}")
        if invoice.status in SETTLED:
            raise AllocationRefused(f"invoice {number} is already {invoice.status}")
        invoices.append(invoice)
    return invoices


def record_manual_payment(
    session: Session,
    *,
    account: Account,
    amount: Decimal,
    currency: str,
    received_on: date,
    method: str,
    invoice_numbers: list[str],
    reference: str = "",
    external_id: str | None = None,
    at: datetime,
    tolerance: Decimal,
    actor: str | None = None,
) -> tuple[Payment, list[Invoice]]:
    """An offline payment applied to the invoices named, in that order; without invoices, to the
    customer's oldest open ones. What is left is account credit. The same cheque recorded twice (same
    reference, or same customer, date, amount and invoices) is refused."""
    if amount <= 0:
        raise AllocationRefused("a payment amount must be positive")
    invoices = _invoices_of(session, account, invoice_numbers, currency)
    if not invoice_numbers:  # "oldest first": the open invoices themselves, so the report names them
        invoices = [i for i in open_invoices(session, account.id or 0) if i.currency == currency]
    key = (
        external_id
        or "manual:"
        + hashlib.sha256(
            f"{account.id}|{received_on}|{amount}|{currency}|{method}|{reference}|{','.join(invoice_numbers)}".encode()
        ).hexdigest()[:24]
    )
    if session.exec(select(Payment.id).where(Payment.external_id == key)).first():
        raise AllocationRefused(f"this payment is already recorded ({key})")
    payment = Payment(
        external_id=key,
        account_id=account.id,
        received_on=received_on,
        amount=amount,
        currency=currency,
        reference=reference,
        payer=account.name,
        source="manual",
        method=method,
        created_at=at,
    )
    session.add(payment)
    session.flush()
    why = "allocated by hand" if invoices else "recorded by hand for the customer's oldest open invoices"
    touched = allocate_to(session, payment, invoices, why, at=at, tolerance=tolerance)
    audit.record(
        session,
        at=at,
        entity="payment",
        entity_id=payment.id,
        action="recorded_by_hand",
        message=f"{method} of {amount} {currency} from {account.name} received {received_on} recorded by hand"
        + (f" for {', '.join(invoice_numbers)}" if invoice_numbers else "")
        + (f" by {actor}" if actor else ""),
        actor=actor,
    )
    mark_synced(session, at)
    return payment, touched


def allocate_payment(
    session: Session,
    *,
    payment: Payment,
    invoice_numbers: list[str],
    at: datetime,
    tolerance: Decimal,
    actor: str | None = None,
) -> list[Invoice]:
    """Allocate a payment the matcher left to finance to the invoices named, in that order (each up to
    its balance, the rest account credit), and close its task."""
    if payment.status not in ("unmatched", "needs_review"):
        raise AllocationRefused(f"payment {payment.id} is already {payment.status}")
    if not invoice_numbers:
        raise AllocationRefused("name at least one invoice")
    first = session.exec(select(Invoice).where(Invoice.number == invoice_numbers[0])).all()
    if len(first) != 1:
        raise AllocationRefused(
            f"invoice {invoice_numbers[0]} " + ("not found" if not first else "exists for several customers")
        )
    account = session.get(Account, first[0].account_id)
    assert account is not None
    invoices = _invoices_of(session, account, invoice_numbers, payment.currency)
    payment.account_id = account.id
    touched = allocate_to(session, payment, invoices, "allocated by hand", at=at, tolerance=tolerance)
    for task in session.exec(
        select(Task).where(Task.kind == TaskKind.PAYMENT_MATCH, Task.status == TaskStatus.OPEN)
    ):
        if task.details.get("payment_id") == payment.id:
            task.status, task.closed_at = TaskStatus.DONE, at
            task.resolution = f"allocated by hand to {', '.join(invoice_numbers)}"  # who: the audit event
            session.add(task)
    audit.record(
        session, at=at, entity="payment", entity_id=payment.id, action="allocated_by_hand",
        message=f"Payment of {payment.amount} {payment.currency} received {payment.received_on} allocated by "
        f"hand to {', '.join(invoice_numbers)}" + (f" by {actor}" if actor else ""),
        actor=actor, invoices=invoice_numbers,
    )  # fmt: skip
    return touched
