"""The invoice list's filters: what a person picks on the page, what `relance invoices` takes, and what a
number of the book at a glance links to.

Every figure of the book page is a sum over a set of invoices that a few conditions describe (Acme's
balances in EUR 31 to 60 days past due on 5 December; what is expected in the week of 7 December...).
The page links each number to the invoice list with those conditions as query parameters, so the
invoices behind a number are read only when a person follows it, by the same paginated, set-based list
as any other filter, and the link says in words what it selects (`describe`). Every condition is a SQL
condition on `invoice`: the list and its count stay two statements whatever the book.

Days are the company's (`company.timezone`), as in the book: `sent_from=2026-11-30` is the instant
that day starts in Paris.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Numeric, and_, case, cast, exists, false, func, not_, or_
from sqlmodel import col, select

from agent.models import Account, Allocation, Invoice, Payment, Reminder
from agent.models.ledger import InvoiceStatus
from agent.models.reminder import ReminderState

OPEN = (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID)
UNITS = 10_000  # as agent.views.book_aging: money summed exactly in 1/10000ths
# How a pause is told apart (the words agent.views.book_aging reads; its tests make them for real).
DISPUTE_REASON = "disputed by the customer"
PROMISE_REASON = "promise to pay by"
HOLDS = ("aged", "disputed", "paused", "expected")
PROMISES = ("kept", "broken", "pending")
STATUSES = ("open", "partially_paid", "paid", "credited", "cancelled")
DATES = (
    "due_from", "due_to", "expected_from", "expected_to", "issued_from", "issued_to",
    "sent_from", "sent_to", "paid_from", "paid_to",
)  # fmt: skip


@dataclass(frozen=True)
class InvoiceFilters:
    """What the invoice list shows. Every field left empty selects everything."""

    search: str | None = None  # part of the number or the customer's name, any case
    status: str | None = None
    account_id: int | None = None
    currency: str | None = None
    owed: bool = False  # open or partly paid with a balance left: what the book counts as receivable
    hold: str | None = None  # aged (not disputed or paused), disputed, paused, expected (not disputed)
    due_from: date | None = None
    due_to: date | None = None
    expected_from: date | None = None  # a promise's date, else the due date
    expected_to: date | None = None
    promised: bool | None = None  # has a promised date (True), has none (False)
    issued_from: date | None = None
    issued_to: date | None = None
    sent_from: date | None = None  # a reminder step went out on one of these days
    sent_to: date | None = None
    paid_from: date | None = None  # a payment with a bank date in these days went to it
    paid_to: date | None = None
    promise: str | None = None  # kept, broken or pending (agent.views.book_weeks.promises)

    def query(self) -> dict[str, str]:
        """As query parameters (what a link carries), only those set."""
        given: dict[str, str] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value is None or value is False:
                continue
            key = {"search": "q", "account_id": "account"}.get(item.name, item.name)
            given[key] = "1" if value is True and item.name == "owed" else _text(value)
        return given

    def is_empty(self) -> bool:
        return self == InvoiceFilters()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value.isoformat() if isinstance(value, date) else str(value)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def from_query(given: Any) -> InvoiceFilters:
    """The filters of a query string (a page's or a link's); a value that means nothing is ignored."""

    def pick(key: str, allowed: tuple[str, ...]) -> str | None:
        value = given.get(key)
        return value if value in allowed else None

    account = given.get("account") or ""
    currency = (given.get("currency") or "").strip().upper()
    promised = given.get("promised")
    return InvoiceFilters(
        search=(given.get("q") or "").strip() or None,
        status=pick("status", STATUSES),
        account_id=int(account) if account.isdigit() else None,
        currency=currency if len(currency) == 3 and currency.isalpha() else None,
        owed=given.get("owed") in ("1", "yes", "true"),
        hold=pick("hold", HOLDS),
        promised={"yes": True, "no": False}.get(promised or ""),
        promise=pick("promise", PROMISES),
        **{name: _day(given.get(name)) for name in DATES},
    )


def owed() -> Any:
    """Still owed: open or partly paid with a balance left (amount due minus allocations). Written as
    "not among the open invoices whose allocations cover them" (a subquery the database runs once: on
    PostgreSQL a correlated sum per row made the planner expect five rows and join every customer to
    every invoice, 1.5 s on 100 000 invoices)."""
    due = cast(func.round(cast(Invoice.amount_due, Numeric) * UNITS), BigInteger)
    allocated = func.sum(cast(func.round(cast(Allocation.amount, Numeric) * UNITS), BigInteger))
    covered = (
        select(Allocation.invoice_id)
        .join(Invoice, col(Invoice.id) == col(Allocation.invoice_id))
        .where(col(Invoice.status).in_(OPEN))
        .group_by(col(Allocation.invoice_id))
        .having(allocated >= func.max(due))
    )
    return and_(col(Invoice.status).in_(OPEN), due > 0, col(Invoice.id).not_in(covered))


def hold_of() -> Any:
    """disputed, promise, paused or none, as `agent.views.book_aging._hold` tells them apart."""
    return case(
        (not_(col(Invoice.paused)), "none"),
        (_reason_is(DISPUTE_REASON), "disputed"),
        (_reason_is(PROMISE_REASON), "promise"),
        else_="paused",
    )


def _reason_is(words: str) -> Any:
    return func.substr(func.coalesce(Invoice.pause_reason, ""), 1, len(words)) == words


def _hold(name: str) -> Any:
    """A hold as plain conditions (not the CASE above: a database estimates these better)."""
    paused, disputed, promise = col(Invoice.paused), _reason_is(DISPUTE_REASON), _reason_is(PROMISE_REASON)
    return {
        "aged": or_(not_(paused), promise),
        "disputed": and_(paused, disputed),
        "paused": and_(paused, not_(disputed), not_(promise)),
        "expected": or_(not_(paused), not_(disputed)),
    }[name]


def _start(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone))


def apply(
    statement: Any, filters: InvoiceFilters, *, zone: str, promised_ids: list[int] | None = None
) -> Any:
    """The statement (over `invoice` joined to `account`) narrowed by the filters. `promised_ids` are the
    invoices of `filters.promise`, worked out by the caller (agent.views.book_weeks.promises)."""
    f = filters
    conditions: list[Any] = []
    if f.search:
        pattern = f"%{f.search.strip().lower()}%"
        conditions.append(
            or_(func.lower(Invoice.number).like(pattern), func.lower(Account.name).like(pattern))
        )
    if f.status:
        conditions.append(Invoice.status == f.status)
    if f.account_id is not None:
        conditions.append(Invoice.account_id == f.account_id)
    if f.currency:
        conditions.append(Invoice.currency == f.currency)
    if f.owed:
        conditions.append(owed())
    if f.hold:
        conditions.append(_hold(f.hold))
    expected = func.coalesce(Invoice.promised_for, Invoice.due_date)
    for column, low, high in (
        (col(Invoice.due_date), f.due_from, f.due_to),
        (expected, f.expected_from, f.expected_to),
        (col(Invoice.issue_date), f.issued_from, f.issued_to),
    ):
        if low:
            conditions.append(column >= low)
        if high:
            conditions.append(column <= high)
    if f.promised is not None:
        promised = col(Invoice.promised_for)
        conditions.append(promised.is_not(None) if f.promised else promised.is_(None))
    if f.sent_from or f.sent_to:
        sent = [Reminder.invoice_id == Invoice.id, Reminder.state == ReminderState.SENT]
        if f.sent_from:
            sent.append(col(Reminder.sent_at) >= _start(f.sent_from, zone))
        if f.sent_to:
            sent.append(col(Reminder.sent_at) < _start(f.sent_to + timedelta(days=1), zone))
        conditions.append(exists().where(and_(*sent)))
    if f.paid_from or f.paid_to:
        paid = [Allocation.invoice_id == Invoice.id, Payment.id == Allocation.payment_id]
        if f.paid_from:
            paid.append(col(Payment.received_on) >= f.paid_from)
        if f.paid_to:
            paid.append(col(Payment.received_on) <= f.paid_to)
        conditions.append(exists().where(and_(*paid)))
    if f.promise:
        ids = promised_ids or []
        conditions.append(col(Invoice.id).in_(ids) if ids else false())
    return statement.where(*conditions) if conditions else statement
