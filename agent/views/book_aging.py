"""The book at a glance, first half: the open items, receivables aging and DSO (`agent.views.book`
assembles the page; `agent.views.book_weeks` has the weekly figures).

Every figure is per currency (EUR is never added to USD) and carries the ids of the invoices behind it,
so a page can link a number to the invoices that make it. Each function reads the book in a few
set-based statements, whatever its size (no statement per row), and takes the instant `now`; days and
weeks are counted in the company's time zone. What each figure means, for a finance reader, is in
docs/book.md.

Balances are amounts due minus allocations (as `agent.ledger.records.open_balance`), summed by the
database exactly: money is text on SQLite, so each amount is turned into whole 1/10000ths before it
is added (`exact_sum`), never into floats that are then added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Numeric, case, cast, func
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from agent.models import Account, Allocation, CreditNote, Invoice, Payment
from agent.models.ledger import InvoiceStatus
from agent.settings import Settings

ZERO = Decimal("0.00")
BUCKETS = ("not_yet_due", "1-30", "31-60", "61-90", "90+")
PERIOD_DAYS = 30  # the countback's "month": 30-day periods ending today (docs/book.md says why)
PERIODS = 12  # a year of history at most: receivables older than that are "over 360 days"
SIMPLE_PERIODS = 3  # the simple DSO's window: the last 90 days
UNITS = 10_000  # four decimal places, what PostgreSQL's NUMERIC(18, 4) keeps (agent/models/types.py)
OPEN = (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID)

# How the pause of an invoice is told apart. The reasons are written by agent.customers.replies (a
# dispute, a promise) and agent.reminders.steering (finance); tests/test_book.py makes them through
# those very paths, so a change of wording there fails here.
DISPUTE_REASON = "disputed by the customer"
PROMISE_REASON = "promise to pay by"


@dataclass
class Figure:
    """An amount in one currency and the invoices (or payments) it is made of."""

    amount: Decimal = ZERO
    invoice_ids: list[int] = field(default_factory=list)

    def add(self, amount: Decimal, invoice_id: int) -> None:
        self.amount += amount
        self.invoice_ids.append(invoice_id)

    @property
    def count(self) -> int:
        return len(self.invoice_ids)


@dataclass(frozen=True)
class OpenItem:
    """One invoice still owed, with its open balance and what holds it."""

    invoice_id: int
    account_id: int
    account: str
    currency: str
    due_date: date
    balance: Decimal
    hold: str  # none | disputed | paused | promise
    promised_for: date | None


@dataclass
class AgingRow:
    account_id: int | None  # None on the totals row
    account: str
    buckets: dict[str, Figure] = field(default_factory=lambda: {b: Figure() for b in BUCKETS})
    disputed: Figure = field(default_factory=Figure)
    paused: Figure = field(default_factory=Figure)
    total: Figure = field(default_factory=Figure)
    credit: Decimal = ZERO  # unused credit notes and overpayments on the account: not subtracted above

    def add(self, item: OpenItem, today: date) -> None:
        place = {"disputed": self.disputed, "paused": self.paused}.get(item.hold)
        (place or self.buckets[bucket_of((today - item.due_date).days)]).add(item.balance, item.invoice_id)
        self.total.add(item.balance, item.invoice_id)


@dataclass
class Aging:
    currency: str
    as_of: date  # in the company's time zone
    timezone: str
    rows: list[AgingRow]
    totals: AgingRow


@dataclass
class SalesPeriod:
    first_day: date
    last_day: date
    invoiced: Figure  # invoices issued in the period, gross
    credited: Decimal  # credit notes issued in the period, gross
    credit_note_ids: list[int]

    @property
    def net(self) -> Decimal:
        return self.invoiced.amount - self.credited


@dataclass
class Dso:
    currency: str
    as_of: date
    receivables: Figure  # every open balance, disputed and paused included
    not_yet_due: Figure
    countback_days: Decimal | None  # None: no receivables and no sales
    countback_complete: bool  # False: the receivables are older than all the periods (a lower bound)
    best_possible_days: Decimal | None
    simple_days: Decimal | None  # receivables / sales of the last 90 days x 90
    periods: list[SalesPeriod]
    period_days: int = PERIOD_DAYS


def bucket_of(days_past_due: int) -> str:
    """Due today is not yet late; 30 days past due is still 1-30, 31 is 31-60, and so on."""
    if days_past_due <= 0:
        return "not_yet_due"
    if days_past_due <= 30:
        return "1-30"
    if days_past_due <= 60:
        return "31-60"
    if days_past_due <= 90:
        return "61-90"
    return "90+"


def local_today(now: datetime, timezone: str) -> date:
    """The company's date at `now`: a day late starts at midnight where finance works, not in UTC."""
    return now.astimezone(ZoneInfo(timezone)).date()


def exact_sum(column: Any) -> ColumnElement[Any]:
    """SUM of a money column in whole 1/10000ths, exact on both databases (exact for any amount under
    10^11: a double holds such a number of 1/10000ths to well under one half, so ROUND finds it)."""
    return func.sum(cast(func.round(cast(column, Numeric) * UNITS), BigInteger))


def money_of(units: Any) -> Decimal:
    """Back from whole 1/10000ths: 1234500 is 123.45 (the division keeps no useless zeros)."""
    return ZERO if units is None else Decimal(int(units)) / UNITS


def _hold(paused: bool, reason: str | None) -> str:
    if not paused:
        return "none"
    if (reason or "").startswith(DISPUTE_REASON):
        return "disputed"
    if (reason or "").startswith(PROMISE_REASON):
        return "promise"  # a promise holds the reminders, not the debt: it stays in its age column
    return "paused"


def open_items(*, session: Session, currency: str | None = None) -> list[OpenItem]:
    """Every invoice still owed, with its balance: one statement (allocations summed per invoice)."""
    allocated = (
        select(Allocation.invoice_id, exact_sum(Allocation.amount).label("units"))
        .join(Invoice, col(Invoice.id) == col(Allocation.invoice_id))
        .where(col(Invoice.status).in_(OPEN))
        .group_by(col(Allocation.invoice_id))
        .subquery()
    )
    statement = (
        select(
            Invoice.id,
            Invoice.account_id,
            Account.name,
            Invoice.currency,
            Invoice.due_date,
            Invoice.amount_due,
            Invoice.paused,
            Invoice.pause_reason,
            Invoice.promised_for,
            allocated.c.units,
        )
        .join(Account, col(Account.id) == col(Invoice.account_id))
        .outerjoin(allocated, allocated.c.invoice_id == col(Invoice.id))
        .where(col(Invoice.status).in_(OPEN))
        .order_by(col(Invoice.due_date), col(Invoice.id))
    )
    if currency:
        statement = statement.where(Invoice.currency == currency)
    items = []
    for row in session.exec(statement):
        invoice_id, account_id, name, curr, due, amount_due, paused, reason, promised_for, units = row
        balance = amount_due - money_of(units)
        if balance > ZERO:
            hold = _hold(paused, reason)
            items.append(OpenItem(invoice_id, account_id, name, curr, due, balance, hold, promised_for))
    return items


def unused_credit(*, session: Session, currency: str | None = None) -> dict[tuple[int, str], Decimal]:
    """Credit left on each account, per currency: credit notes and overpayments not yet used (two
    statements). It is shown beside the receivables, not netted: relance applies it to the next invoice."""
    used_notes = (
        select(Allocation.credit_note_id, exact_sum(Allocation.amount).label("units"))
        .where(col(Allocation.credit_note_id).is_not(None))
        .group_by(col(Allocation.credit_note_id))
        .subquery()
    )
    used_payments = (
        select(Allocation.payment_id, exact_sum(Allocation.amount).label("units"))
        .join(Payment, col(Payment.id) == col(Allocation.payment_id))
        .where(Payment.status == "overpaid")
        .group_by(col(Allocation.payment_id))
        .subquery()
    )
    notes = select(
        CreditNote.account_id, CreditNote.currency, CreditNote.total_gross, used_notes.c.units
    ).outerjoin(used_notes, used_notes.c.credit_note_id == col(CreditNote.id))
    payments = (
        select(Payment.account_id, Payment.currency, Payment.amount, used_payments.c.units)
        .outerjoin(used_payments, used_payments.c.payment_id == col(Payment.id))
        .where(Payment.status == "overpaid", col(Payment.account_id).is_not(None))
    )
    credit: dict[tuple[int, str], Decimal] = {}
    for statement in (notes, payments):
        for account_id, curr, amount, units in session.exec(statement):
            left = amount - money_of(units)
            if left > ZERO and (currency is None or curr == currency):
                credit[(account_id, curr)] = credit.get((account_id, curr), ZERO) + left
    return credit


def aging_of(
    items: list[OpenItem],
    credit: dict[tuple[int, str], Decimal],
    names: dict[int, str],
    *,
    today: date,
    timezone: str,
) -> list[Aging]:
    """The aging tables from open items (pure): one per currency, one row per customer, biggest first."""
    rows: dict[tuple[str, int], AgingRow] = {}
    for item in items:
        key = (item.currency, item.account_id)
        row = rows.get(key)
        if row is None:  # not setdefault: a row is built once per customer, not once per invoice
            row = rows[key] = AgingRow(item.account_id, item.account)
        row.add(item, today)
    for (account_id, curr), amount in credit.items():
        if (curr, account_id) not in rows:
            rows[(curr, account_id)] = AgingRow(account_id, names.get(account_id, "?"))
        rows[(curr, account_id)].credit = amount
    tables = []
    for curr in sorted({c for c, _ in rows}):
        mine = sorted(
            (row for (c, _), row in rows.items() if c == curr),
            key=lambda r: (-r.total.amount, r.account.casefold()),
        )
        totals = AgingRow(None, "total")
        for row in mine:
            for name in BUCKETS:
                totals.buckets[name].amount += row.buckets[name].amount
                totals.buckets[name].invoice_ids += row.buckets[name].invoice_ids
            for part in ("disputed", "paused", "total"):
                getattr(totals, part).amount += getattr(row, part).amount
                getattr(totals, part).invoice_ids.extend(getattr(row, part).invoice_ids)
            totals.credit += row.credit
        tables.append(Aging(curr, today, timezone, mine, totals))
    return tables


def account_names(*, session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(select(Account.id, Account.name).where(col(Account.id).in_(sorted(ids))))
    return {account_id: name for account_id, name in rows}


def aging(*, session: Session, now: datetime, settings: Settings, currency: str | None = None) -> list[Aging]:
    """Receivables aging per currency and customer at `now` (three statements)."""
    items = open_items(session=session, currency=currency)
    credit = unused_credit(session=session, currency=currency)
    names = account_names(session=session, ids={account_id for account_id, _ in credit})
    zone = settings.company.timezone
    return aging_of(items, credit, names, today=local_today(now, zone), timezone=zone)


def countback(
    receivables: Decimal, sales: list[Decimal], period_days: int = PERIOD_DAYS
) -> tuple[Decimal, bool]:
    """Days of sales the receivables represent, counting back period by period (newest first): a period
    whose sales the rest exceeds counts whole; the last one counts as rest / its sales x its days. A
    period without net sales (credit notes as large as its invoices) counts whole and absorbs nothing.
    Returns the days (one decimal) and False when the periods ran out before the rest did."""
    rest, days = receivables, Decimal(0)
    for amount in sales:
        if rest <= ZERO:
            break
        if amount > ZERO and rest <= amount:
            days += rest / amount * period_days
            rest = ZERO
        else:
            days += period_days
            rest -= max(amount, ZERO)
    return days.quantize(Decimal("0.1"), ROUND_HALF_UP), rest <= ZERO


def sales_periods(
    *, session: Session, today: date, currencies: set[str], periods: int = PERIODS
) -> dict[str, list[SalesPeriod]]:
    """Credit sales per currency in 30-day periods ending today, newest first: invoices issued (gross)
    minus credit notes issued (four statements for every currency)."""
    first = today - timedelta(days=PERIOD_DAYS * periods - 1)
    ends = [today - timedelta(days=PERIOD_DAYS * i) for i in range(periods)]
    result = {
        curr: [SalesPeriod(end - timedelta(days=PERIOD_DAYS - 1), end, Figure(), ZERO, []) for end in ends]
        for curr in currencies
    }
    # The period of each row is worked out by the database (a CASE on the periods' first days, the same
    # on both databases) and the sales summed there: Python reads only ids, never 100 000 amounts.
    if not result:
        return result
    for table, is_invoice in ((Invoice, True), (CreditNote, False)):
        issued = col(table.issue_date)
        period = case(*((issued >= p.first_day, i) for i, p in enumerate(next(iter(result.values()))))).label(
            "period"
        )
        window = (issued >= first, issued <= today, col(table.currency).in_(sorted(currencies)))
        sums = select(table.currency, period, exact_sum(table.total_gross)).where(*window)
        for curr, index, units in session.exec(sums.group_by(col(table.currency), period)):
            target = result[curr][index]
            if is_invoice:
                target.invoiced.amount += money_of(units)
            else:
                target.credited += money_of(units)
        for curr, index, row_id in session.exec(
            select(table.currency, period, table.id).where(*window).order_by(col(table.id))
        ):
            target = result[curr][index]
            (target.invoiced.invoice_ids if is_invoice else target.credit_note_ids).append(row_id)
    return result


def dso_of(items: list[OpenItem], periods: list[SalesPeriod], *, currency: str, today: date) -> Dso:
    """Countback, best possible and simple DSO of one currency (pure)."""
    receivables, not_yet_due = Figure(), Figure()
    for item in items:
        receivables.add(item.balance, item.invoice_id)
        if item.due_date >= today:
            not_yet_due.add(item.balance, item.invoice_id)
    return dso_figures(receivables, not_yet_due, periods, currency=currency, today=today)


def dso_figures(
    receivables: Figure, not_yet_due: Figure, periods: list[SalesPeriod], *, currency: str, today: date
) -> Dso:
    """The DSO of one currency from its receivables, those not yet due, and its sales periods (pure; the
    workspace's page gives sums made by the database, agent.views.book_sums)."""
    sales = [p.net for p in periods]
    days, complete = countback(receivables.amount, sales)
    best, _ = countback(not_yet_due.amount, sales)
    recent = sum(sales[:SIMPLE_PERIODS], ZERO)
    simple = (
        (receivables.amount / recent * PERIOD_DAYS * SIMPLE_PERIODS).quantize(Decimal("0.1"), ROUND_HALF_UP)
        if recent > ZERO
        else None
    )
    nothing = receivables.amount == ZERO and all(s <= ZERO for s in sales)
    return Dso(
        currency, today, receivables, not_yet_due, None if nothing else days, complete,
        None if nothing else best, simple, periods,
    )  # fmt: skip


def dso(*, session: Session, now: datetime, settings: Settings, currency: str | None = None) -> list[Dso]:
    """DSO per currency: countback on all receivables, best possible on those not yet due."""
    items = open_items(session=session, currency=currency)
    return dso_from(
        session=session, items=items, today=local_today(now, settings.company.timezone), currency=currency
    )


def dso_from(*, session: Session, items: list[OpenItem], today: date, currency: str | None) -> list[Dso]:
    currencies = {currency} if currency else {i.currency for i in items} | _sales_currencies(session, today)
    sales = sales_periods(session=session, today=today, currencies=currencies)
    by_currency: dict[str, list[OpenItem]] = {curr: [] for curr in currencies}
    for item in items:
        by_currency[item.currency].append(item)
    return [dso_of(by_currency[c], sales[c], currency=c, today=today) for c in sorted(currencies)]


def _sales_currencies(session: Session, today: date) -> set[str]:
    first = today - timedelta(days=PERIOD_DAYS * PERIODS - 1)
    statement = select(Invoice.currency).where(col(Invoice.issue_date) >= first).distinct()
    return set(session.exec(statement))
