"""Build ledger states directly (no documents), for the schedule, dispatch and payment tests."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Session

from agent.db import session_scope
from agent.ledger.accounts import add_contact
from agent.ledger.records import apply_credit
from agent.models import Account, CreditNote, Invoice
from agent.reminders.schedule import follow_money, plan_reminders
from agent.runtime import Runtime


def make_account(
    session: Session, name: str, *, country: str = "FR", language: str | None = "fr", at: datetime
) -> Account:
    account = Account(name=name, normalized_name=name.lower(), country=country, created_at=at)
    session.add(account)
    session.flush()
    if language:
        add_contact(
            session,
            account=account,
            email=f"ap@{name.lower().replace(' ', '')}.example",
            language=language,
            name="Alex Payer",
            at=at,
        )
    return account


def make_invoice(
    session: Session,
    account: Account,
    number: str,
    amount: str,
    *,
    due: date,
    at: datetime,
    currency: str = "EUR",
) -> Invoice:
    invoice = Invoice(
        account_id=account.id or 0,
        number=number,
        issue_date=date(due.year, due.month, 1) if due.day > 1 else due,
        due_date=due,
        currency=currency,
        total_gross=Decimal(amount),
        amount_due=Decimal(amount),
        created_at=at,
    )
    session.add(invoice)
    session.flush()
    return invoice


def planned_invoice(
    runtime: Runtime,
    *,
    name: str = "Acme",
    number: str = "F-1",
    amount: str = "1200.00",
    due: date = date(2026, 12, 2),
    language: str | None = "fr",
    country: str = "FR",
) -> int:
    at = runtime.clock.now()
    with session_scope(runtime.engine) as session:
        account = make_account(session, name, country=country, language=language, at=at)
        invoice = make_invoice(session, account, number, amount, due=due, at=at)
        plan_reminders(session, invoice=invoice, settings=runtime.settings, at=at)
        return invoice.id or 0


def credit(
    session: Session,
    account: Account,
    number: str,
    amount: str,
    *,
    at: datetime,
    referenced: str | None = None,
) -> list[object]:
    note = CreditNote(
        account_id=account.id or 0,
        number=number,
        issue_date=at.date(),
        currency="EUR",
        total_gross=Decimal(amount),
        referenced_invoice=referenced,
        created_at=at,
    )
    session.add(note)
    session.flush()
    return list(
        apply_credit(
            session,
            credit_note=note,
            at=at,
            tolerance=Decimal("1.00"),
            schedule=follow_money(session=session, at=at),
        )
    )
