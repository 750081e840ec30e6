"""Customer accounts as the workspace shows them: what each owes, who we write to, in which language and
time zone, and whether its reminders are held.

The list is a fixed number of statements for a page, whatever the book: the accounts, their current
contact (the newest valid one, as the dispatcher chooses), then the open invoices of the page's
accounts with their allocations (money is summed in Python: it is exact text on SQLite).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, func, select

from agent.ledger.accounts import resolve_language
from agent.ledger.records import account_net_balance
from agent.models import Account, Allocation, AuditEvent, Contact, Invoice, Task
from agent.models.task import TaskKind, TaskStatus
from agent.reminders.schedule import recipient_of
from agent.reminders.steering import OPEN
from agent.settings import Settings
from agent.templating import supported_languages

ZERO = Decimal("0.00")


def count_accounts(session: Session, *, search: str | None = None) -> int:
    statement = select(func.count()).select_from(Account)
    if search:
        statement = statement.where(func.lower(Account.name).like(f"%{search.strip().lower()}%"))
    return int(session.exec(statement).one())


def account_page(
    session: Session, *, search: str | None = None, limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    """A page of accounts by name: contact, open invoices, what they owe per currency, paused ones."""
    statement = (
        select(Account).order_by(func.lower(Account.name), col(Account.id)).offset(offset).limit(limit)
    )
    if search:
        statement = statement.where(func.lower(Account.name).like(f"%{search.strip().lower()}%"))
    accounts = list(session.exec(statement))
    ids = [a.id for a in accounts]
    contacts = current_contacts(session, [i for i in ids if i is not None])
    owed = _open_amounts(session, [i for i in ids if i is not None])
    return [
        {
            "id": a.id,
            "name": a.name,
            "country": a.country,
            "contact": contacts.get(a.id or 0),
            **owed.get(a.id or 0, {"owed": {}, "open": 0, "paused": 0}),
        }
        for a in accounts
    ]


def current_contacts(session: Session, account_ids: list[int]) -> dict[int, Contact]:
    """Each account's contact written to: its newest valid one (one statement for all)."""
    newest = (
        select(func.max(Contact.id))
        .where(col(Contact.account_id).in_(account_ids), col(Contact.valid).is_(True))
        .group_by(col(Contact.account_id))
    )
    return {
        c.account_id: c
        for c in session.exec(select(Contact).where(col(Contact.id).in_(newest.scalar_subquery())))
    }


def _open_amounts(session: Session, account_ids: list[int]) -> dict[int, dict[str, Any]]:
    invoices = session.exec(
        select(Invoice.id, Invoice.account_id, Invoice.currency, Invoice.amount_due, Invoice.paused).where(
            col(Invoice.account_id).in_(account_ids), col(Invoice.status).in_(OPEN)
        )
    ).all()
    allocated: dict[int, Decimal] = {}
    for invoice_id, amount in session.exec(
        select(Allocation.invoice_id, Allocation.amount).where(
            col(Allocation.invoice_id).in_([row[0] for row in invoices])
        )
    ):
        allocated[invoice_id] = allocated.get(invoice_id, ZERO) + amount
    found: dict[int, dict[str, Any]] = {}
    for invoice_id, account_id, currency, amount_due, paused in invoices:
        entry = found.setdefault(account_id, {"owed": {}, "open": 0, "paused": 0})
        entry["owed"][currency] = (
            entry["owed"].get(currency, ZERO) + amount_due - allocated.get(invoice_id, ZERO)
        )
        entry["open"] += 1
        entry["paused"] += 1 if paused else 0
    return found


def account_detail(session: Session, settings: Settings, account_id: int) -> dict[str, Any] | None:
    """One account: its contacts (the one written to first), the language and time zone reminders use and
    where each comes from, its open invoices, its open tasks, and its audit trail."""
    account = session.get(Account, account_id)
    if account is None:
        return None
    contacts = list(
        session.exec(select(Contact).where(Contact.account_id == account_id).order_by(col(Contact.id).desc()))
    )
    current = next((c for c in contacts if c.valid), None)
    language, language_how = resolve_language(
        contact=current,
        account=account,
        company_default=settings.company.default_language,
        supported=supported_languages(settings.templates_dir),
    )
    recipient = recipient_of(account, current, settings)
    owed = _open_amounts(session, [account_id]).get(account_id, {"owed": {}, "open": 0, "paused": 0})
    tasks = session.exec(
        select(Task)
        .where(Task.account_id == account_id, Task.status == TaskStatus.OPEN, Task.kind != TaskKind.DIGEST)
        .order_by(col(Task.id))
    ).all()
    events = session.exec(
        select(AuditEvent)
        .where(AuditEvent.entity == "account", AuditEvent.entity_id == account_id)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(50)
    ).all()
    return {
        "account": account,
        "contact": current,
        "contacts": contacts,
        "language": language,
        "language_how": language_how,
        "zone": recipient.zone,
        "zone_how": recipient.zone_how,
        "net_balance": account_net_balance(session, account_id),
        "tasks": list(tasks),
        "events": list(events),
        **owed,
    }
