"""Record received payments, whatever their source, and allocate them to invoices.

Every source (file, API, connector) ends here, so each gets the same guarantees: a payment already
known by its bank reference is not counted twice, a file already imported is recognised by its
content, a matched payment lowers balances in the same transaction that cancels the paid invoices'
pending reminders, and a payment that cannot be matched becomes a task with its candidates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session, select

from agent import audit
from agent.finance.tasks import request_review
from agent.ledger.records import allocate, apply_payment_credit, open_balance
from agent.mail.outgoing import Sender
from agent.models import Invoice, Payment, PaymentImport, SyncState
from agent.models.ledger import InvoiceStatus
from agent.models.task import TaskKind
from agent.payments.camt import is_camt, read_camt
from agent.payments.csv_file import read_csv
from agent.payments.lines import ImportReport, PaymentLine, PaymentOutcome
from agent.payments.matching import Match, match_payment
from agent.reminders.schedule import follow_money
from agent.settings import Settings

SYNC_STATE = "payments.last_sync"


def read_payment_file(data: bytes, settings: Settings, report: ImportReport) -> tuple[str, list[PaymentLine]]:
    """The file's format (camt or csv) and its payment lines; ValueError with the reason otherwise."""
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        if not is_camt(data):
            raise ValueError("XML but not an ISO 20022 CAMT.053 or CAMT.054 message")
        return "camt", read_camt(data, report)
    return "csv", read_csv(data, settings.payments.csv, report)


def allocate_to(
    session: Session, payment: Payment, invoices: list[Invoice], why: str, *, at: datetime, tolerance: Decimal
) -> list[Invoice]:
    """Pay these invoices in order; what is left is account credit for the customer's other open
    invoices, then the next one. Returns the invoices the payment touched."""

    def explain(amount: Decimal, invoice: Invoice) -> str:
        return (
            f"{amount} {payment.currency} of payment {payment.external_id} ({payment.received_on}) "
            f"applied to invoice {invoice.number}: {why}"
        )

    remaining, made = allocate(
        session,
        invoices=invoices,
        available=payment.amount,
        explain=explain,
        action="payment_applied",
        at=at,
        tolerance=tolerance,
        schedule=follow_money(session=session, at=at),
        payment=payment,
    )
    if invoices and payment.account_id is None:
        payment.account_id = invoices[0].account_id
    touched_ids = {a.invoice_id for a in made}
    if remaining > 0 and payment.account_id is not None:
        payment.status = "overpaid"  # the remainder is account credit: other open invoices, then the next one
        session.add(payment)
        session.flush()
        apply_payment_credit(
            session,
            payment=payment,
            at=at,
            tolerance=tolerance,
            schedule=follow_money(session=session, at=at),
        )
    else:
        payment.status = "matched"
    session.add(payment)
    return [i for i in invoices if i.id in touched_ids]


def record_payment(
    session: Session,
    payment: Payment,
    *,
    numbers: tuple[str, ...] = (),
    at: datetime,
    tolerance: Decimal,
) -> tuple[Match, list[Invoice]]:
    match = match_payment(session, payment, numbers)
    if not match.invoices:
        payment.status = "unmatched"
        payment.account_id = match.account.id if match.account else None
        session.add(payment)
        return match, []
    payment.account_id = match.invoices[0].account_id
    return match, allocate_to(session, payment, match.invoices, match.reason, at=at, tolerance=tolerance)


def ask_finance(
    session: Session, sender: Sender, settings: Settings, *, payment: Payment, match: Match, at: datetime
) -> None:
    """One task per payment that could not be allocated, listing what a person should look at."""
    candidates = [
        f"candidate: invoice {i.number} of {i.due_date}, open {open_balance(session, i)} {i.currency} "
        f"({i.status})"
        for i in match.candidates[:10]
    ]
    request_review(
        session,
        sender,
        settings,
        at=at,
        addressee=settings.company.finance_address,
        title=f"payment {payment.amount} {payment.currency} of {payment.received_on} "
        "not matched to an invoice",
        reasons=[
            f"why: {match.reason}",
            f"payer: {payment.payer or '?'}"
            + (f" ({payment.payer_account})" if payment.payer_account else ""),
            f"reference: {payment.reference or '-'}",
            *candidates,
            f"to allocate it: relance payments allocate {payment.id} --invoice NUMBER",
        ],
        account_id=match.account.id if match.account else None,
        kind=TaskKind.PAYMENT_MATCH,
        details={"payment_id": payment.id, "candidates": [i.number for i in match.candidates[:10]]},
    )
    payment.status = "needs_review"  # its task is open; never asked twice
    session.add(payment)


def import_lines(
    session: Session,
    lines: Iterable[PaymentLine],
    *,
    source: str,
    at: datetime,
    settings: Settings,
    sender: Sender,
    report: ImportReport | None = None,
) -> ImportReport:
    report = report or ImportReport()
    tolerance = settings.reminders.balance_tolerance
    for line in lines:
        if session.exec(select(Payment.id).where(Payment.external_id == line.external_id)).first():
            report.duplicates += 1
            report.payments.append(PaymentOutcome(line.external_id, "duplicate"))
            continue
        payment = Payment(
            external_id=line.external_id,
            received_on=line.received_on,
            amount=line.amount,
            currency=line.currency,
            reference=line.reference,
            payer=line.payer,
            payer_account=line.payer_account,
            source=source,
            method=line.method,
            created_at=at,
        )
        session.add(payment)
        session.flush()
        report.imported += 1
        match, touched = record_payment(
            session, payment, numbers=line.invoice_numbers, at=at, tolerance=tolerance
        )
        if touched:
            report.matched += 1
            report.paid_invoices += [i.number for i in touched if i.status == InvoiceStatus.PAID]
        else:
            report.unmatched += 1
            ask_finance(session, sender, settings, payment=payment, match=match, at=at)
        report.payments.append(
            PaymentOutcome(line.external_id, payment.status, [i.number for i in touched], match.reason)
        )
    mark_synced(session, at)
    return report


def import_file(
    session: Session, data: bytes, *, name: str, at: datetime, settings: Settings, sender: Sender
) -> ImportReport:
    """Import a payment file (CSV or CAMT). The same file twice is recognised and does nothing; a file
    that cannot be read raises ValueError with the reason and changes nothing."""
    report = ImportReport()
    digest = hashlib.sha256(data).hexdigest()
    if session.exec(select(PaymentImport).where(PaymentImport.sha256 == digest)).first():
        report.duplicate_file = True
        mark_synced(session, at)  # the source was read successfully: the data is current
        return report
    kind, lines = read_payment_file(data, settings, report)
    import_lines(session, lines, source=kind, at=at, settings=settings, sender=sender, report=report)
    session.add(PaymentImport(sha256=digest, name=name, source=kind, summary=report.summary(), created_at=at))
    audit.record(
        session,
        at=at,
        entity="payment",
        entity_id=None,
        action="imported",
        message=f"{name} ({kind}): {report.summary()}",
        errors=report.errors,
    )
    return report


def mark_synced(session: Session, at: datetime) -> None:
    state = session.get(SyncState, SYNC_STATE) or SyncState(name=SYNC_STATE, value="")
    state.value, state.updated_at = at.isoformat(), at
    session.add(state)
