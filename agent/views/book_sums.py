"""The book at a glance for the workspace page: the figures of `agent.views.book`, summed by the database
per customer and column, each with the invoice-list filter that selects its invoices instead of their ids.

`agent.views.book.book` reads every open invoice (and every sale of the year) into Python to keep each
figure's invoice ids: 1.3 to 2 s on 100 000 invoices. A page needs the ids only of the number a person
follows, so here the database sums balances per currency, customer, age column and hold (a few thousand
rows at most: customers x columns), per expected week, per period of sales, per week of reminders and of
payments, and each figure carries `where`, the query of the invoice list (agent.views.invoice_filters)
that lists exactly the invoices it sums. tests/test_book_page.py checks both against each other on the
hand-computed books of tests/test_book.py: same amounts, same counts, and each link lists the very ids
`book` keeps. docs/book.md says what each figure means; docs/benchmarks.md what this costs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Numeric, String, case, cast, func, literal
from sqlmodel import Session, col, select

from agent.models import Account, Allocation, CreditNote, Invoice, Payment, Reminder
from agent.models.reminder import ReminderState
from agent.settings import Settings
from agent.views.book import Book
from agent.views.book_aging import (
    BUCKETS,
    OPEN,
    PERIOD_DAYS,
    PERIODS,
    UNITS,
    ZERO,
    Aging,
    AgingRow,
    Dso,
    Figure,
    SalesPeriod,
    account_names,
    dso_figures,
    exact_sum,
    local_today,
    money_of,
    unused_credit,
)
from agent.views.book_weeks import (
    WEEKS_AHEAD,
    WEEKS_BACK,
    CashExpected,
    Promises,
    WeekCash,
    WeekPayments,
    WeekReminders,
    monday,
    promises,
    week_name,
)
from agent.views.invoice_filters import hold_of

# The age columns as ranges of due dates, from `today`: (first day, last day), None for open-ended.
AGE_DAYS = {
    "not_yet_due": (0, None),
    "1-30": (1, 30),
    "31-60": (31, 60),
    "61-90": (61, 90),
    "90+": (91, None),
}


@dataclass
class Sum(Figure):
    """A figure summed by the database: its amount, how many invoices, and the invoice list's query
    that lists them (`invoice_ids` stays empty: the list reads them when the link is followed)."""

    number: int = 0
    where: dict[str, str] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return self.number

    def take(self, units: Any, number: int) -> None:
        self.amount += money_of(units)
        self.number += int(number)


def _sum(**where: Any) -> Sum:
    return Sum(where={key: str(value) for key, value in where.items() if value is not None})


def _owed(**where: Any) -> Sum:
    return _sum(owed=1, **where)


def _due_range(bucket: str, today: date) -> dict[str, date | None]:
    """The due dates of an age column: 31-60 days past due on 5 Dec are those due 6 Oct to 4 Nov."""
    first, last = AGE_DAYS[bucket]
    return {
        "due_from": today - timedelta(days=last) if last is not None else None,
        "due_to": today - timedelta(days=first) if first else None,
    } if bucket != "not_yet_due" else {"due_from": today, "due_to": None}  # fmt: skip


def _open_balances(currency: str | None, *columns: Any) -> Any:
    """A subquery of the invoices still owed: `units` (the balance in 1/10000ths) and `columns`."""
    allocated = (
        select(Allocation.invoice_id, exact_sum(Allocation.amount).label("units"))
        .join(Invoice, col(Invoice.id) == col(Allocation.invoice_id))
        .where(col(Invoice.status).in_(OPEN))
        .group_by(col(Allocation.invoice_id))
        .subquery()
    )
    due = cast(func.round(cast(Invoice.amount_due, Numeric) * UNITS), BigInteger)
    units = (due - func.coalesce(allocated.c.units, 0)).label("units")
    statement = (
        select(units, *columns)
        .outerjoin(allocated, allocated.c.invoice_id == col(Invoice.id))
        .where(col(Invoice.status).in_(OPEN))
    )
    if currency:
        statement = statement.where(Invoice.currency == currency)
    return statement.subquery()


def _bucket(today: date) -> Any:
    due = col(Invoice.due_date)
    return case(
        (due >= today, "not_yet_due"),
        (due >= today - timedelta(days=30), "1-30"),
        (due >= today - timedelta(days=60), "31-60"),
        (due >= today - timedelta(days=90), "61-90"),
        else_="90+",
    ).label("bucket")


def aging_sums(*, session: Session, today: date, timezone: str, currency: str | None) -> list[Aging]:
    """Aging per currency and customer: one statement summing per customer, column and hold (plus the
    unused credit's three, as agent.views.book_aging)."""
    return _aging(session=session, today=today, timezone=timezone, currency=currency)[0]


def _aging(
    *, session: Session, today: date, timezone: str, currency: str | None
) -> tuple[list[Aging], dict[str, Sum]]:
    """The aging tables, and per currency everything not yet due whatever holds it (the best possible
    DSO's receivables: the aging puts disputed and paused money in columns of its own)."""
    owed = _open_balances(
        currency, Invoice.currency, Invoice.account_id, hold_of().label("hold"), _bucket(today)
    )
    statement = (
        select(
            owed.c.currency, owed.c.account_id, Account.name, owed.c.hold, owed.c.bucket,
            func.sum(owed.c.units), func.count(),
        )
        .join(Account, col(Account.id) == owed.c.account_id)
        .where(owed.c.units > 0)
        .group_by(owed.c.currency, owed.c.account_id, Account.name, owed.c.hold, owed.c.bucket)
    )  # fmt: skip
    rows: dict[tuple[str, int], AgingRow] = {}
    totals: dict[str, AgingRow] = {}
    not_yet_due: dict[str, Sum] = {}
    for curr, account_id, name, hold, bucket, units, number in session.exec(statement):
        if bucket == "not_yet_due":
            not_yet_due.setdefault(curr, _owed(currency=curr, due_from=today)).take(units, number)
        row = rows.get((curr, account_id))
        if row is None:
            row = rows[(curr, account_id)] = _aging_row(account_id, name, curr, today)
        if curr not in totals:
            totals[curr] = _aging_row(None, "total", curr, today)
        for target in (row, totals[curr]):
            place = {"disputed": target.disputed, "paused": target.paused}.get(hold)
            for figure in (place or target.buckets[bucket], target.total):
                assert isinstance(figure, Sum)
                figure.take(units, number)
    credit = unused_credit(session=session, currency=currency)
    names = account_names(session=session, ids={account_id for account_id, _ in credit})
    for (account_id, curr), amount in credit.items():
        if (curr, account_id) not in rows:
            rows[(curr, account_id)] = _aging_row(account_id, names.get(account_id, "?"), curr, today)
        rows[(curr, account_id)].credit = amount
        totals.setdefault(curr, _aging_row(None, "total", curr, today)).credit += amount
    tables = []
    for curr in sorted(totals):
        mine = sorted(
            (row for (c, _), row in rows.items() if c == curr),
            key=lambda r: (-r.total.amount, r.account.casefold()),
        )
        tables.append(Aging(curr, today, timezone, mine, totals[curr]))
    return tables, not_yet_due


def _aging_row(account_id: int | None, name: str, currency: str, today: date) -> AgingRow:
    mine = {"currency": currency, "account": account_id}
    return AgingRow(
        account_id,
        name,
        buckets={b: _owed(hold="aged", **mine, **_due_range(b, today)) for b in BUCKETS},
        disputed=_owed(hold="disputed", **mine),
        paused=_owed(hold="paused", **mine),
        total=_owed(**mine),
    )


def sales_sums(*, session: Session, today: date, currencies: set[str]) -> dict[str, list[SalesPeriod]]:
    """Credit sales per currency in 30-day periods ending today, newest first (two statements)."""
    ends = [today - timedelta(days=PERIOD_DAYS * i) for i in range(PERIODS)]
    result = {
        curr: [
            SalesPeriod(
                end - timedelta(days=PERIOD_DAYS - 1), end,
                _sum(currency=curr, issued_from=end - timedelta(days=PERIOD_DAYS - 1), issued_to=end),
                ZERO, [],
            )
            for end in ends
        ]
        for curr in currencies
    }  # fmt: skip
    if not result:
        return result
    first = ends[-1] - timedelta(days=PERIOD_DAYS - 1)
    for table in (Invoice, CreditNote):
        issued = col(table.issue_date)
        period = case(*((issued >= end - timedelta(days=PERIOD_DAYS - 1), i) for i, end in enumerate(ends)))
        window = (issued >= first, issued <= today, col(table.currency).in_(sorted(currencies)))
        sums = select(table.currency, period, exact_sum(table.total_gross), func.count()).where(*window)
        for curr, index, units, number in session.exec(sums.group_by(col(table.currency), period)):
            target = result[curr][index]
            if table is Invoice:
                assert isinstance(target.invoiced, Sum)
                target.invoiced.take(units, number)
            else:
                target.credited += money_of(units)
    return result


def dso_sums(
    *, session: Session, aging: list[Aging], not_yet_due: dict[str, Sum], today: date, currency: str | None
) -> list[Dso]:
    """Countback, best possible and simple DSO per currency, from the aging's sums and the sales'."""
    by_currency = {table.currency: table for table in aging}
    currencies = {currency} if currency else set(by_currency) | _sales_currencies(session, today)
    sales = sales_sums(session=session, today=today, currencies=currencies)
    result = []
    for curr in sorted(currencies):
        table = by_currency.get(curr)
        receivables = table.totals.total if table else _owed(currency=curr)
        waiting = not_yet_due.get(curr) or _owed(currency=curr, due_from=today)
        result.append(dso_figures(receivables, waiting, sales[curr], currency=curr, today=today))
    return result


def _sales_currencies(session: Session, today: date) -> set[str]:
    first = today - timedelta(days=PERIOD_DAYS * PERIODS - 1)
    return set(session.exec(select(Invoice.currency).where(col(Invoice.issue_date) >= first).distinct()))


def cash_sums(*, session: Session, today: date, timezone: str, currency: str | None) -> list[CashExpected]:
    """Open balances on the week they are expected (a promise's date, else the due date): one statement."""
    start = monday(today)
    expected = func.coalesce(Invoice.promised_for, Invoice.due_date)
    slot = case(
        (expected < start, -1),
        *((expected < start + timedelta(weeks=i + 1), i) for i in range(WEEKS_AHEAD)),
        else_=WEEKS_AHEAD,
    ).label("slot")
    disputed = case((hold_of() == "disputed", 1), else_=0).label("disputed")
    promised = case((col(Invoice.promised_for).is_not(None), 1), else_=0).label("promised")
    owed = _open_balances(currency, Invoice.currency, slot, disputed, promised)
    keys = (owed.c.currency, owed.c.slot, owed.c.disputed, owed.c.promised)
    statement = select(*keys, func.sum(owed.c.units), func.count()).where(owed.c.units > 0).group_by(*keys)
    result: dict[str, CashExpected] = {}
    for curr, index, is_disputed, is_promised, units, number in session.exec(statement):
        forecast = result.get(curr) or result.setdefault(curr, _forecast(curr, today, timezone))
        if is_disputed:
            target = forecast.disputed
        elif index < 0:
            target = forecast.overdue
        elif index >= WEEKS_AHEAD:
            target = forecast.later
        else:
            week = forecast.weeks[index]
            target = week.promised if is_promised else week.due
        assert isinstance(target, Sum)
        target.take(units, number)
    return [result[c] for c in sorted(result)]


def _forecast(currency: str, today: date, timezone: str) -> CashExpected:
    start = monday(today)
    mine = {"currency": currency, "hold": "expected"}
    weeks = []
    for i in range(WEEKS_AHEAD):
        first = start + timedelta(weeks=i)
        days = {"expected_from": first, "expected_to": first + timedelta(days=6)}
        weeks.append(
            WeekCash(
                first, week_name(first), due=_owed(promised="no", **mine, **days),
                promised=_owed(promised="yes", **mine, **days),
            )
        )  # fmt: skip
    return CashExpected(
        currency, today, timezone,
        overdue=_owed(expected_to=start - timedelta(days=1), **mine),
        weeks=weeks,
        later=_owed(expected_from=start + timedelta(weeks=WEEKS_AHEAD), **mine),
        disputed=_owed(currency=currency, hold="disputed"),
    )  # fmt: skip


def _week_starts(now: datetime, timezone: str, weeks: int) -> list[date]:
    first = monday(local_today(now, timezone)) - timedelta(weeks=weeks - 1)
    return [first + timedelta(weeks=i) for i in range(weeks)]


def reminder_sums(
    *, session: Session, now: datetime, timezone: str, currency: str | None, weeks: int = WEEKS_BACK
) -> list[WeekReminders]:
    """Reminder steps and e-mails sent per week up to `now`: two statements (steps per week and currency,
    distinct e-mails per week)."""
    days = _week_starts(now, timezone, weeks)
    zone = ZoneInfo(timezone)
    starts = [datetime.combine(day, time(0), tzinfo=zone) for day in days]
    sent = col(Reminder.sent_at)
    week = case(*((sent >= start, i) for i, start in reversed(list(enumerate(starts))))).label("week")
    window = [Reminder.state == ReminderState.SENT, sent >= starts[0], sent <= now]
    if currency:
        window.append(Invoice.currency == currency)
    result = [WeekReminders(day, week_name(day)) for day in days]
    steps = (
        select(week, Invoice.currency, func.count())
        .join(Invoice, col(Invoice.id) == col(Reminder.invoice_id))
        .where(*window)
        .group_by(week, col(Invoice.currency))
    )
    for index, curr, number in session.exec(steps):
        result[index].steps += int(number)
        result[index].steps_by_currency[curr] = int(number)
    message = func.coalesce(
        Reminder.message_id, literal("step-of-invoice-", String) + cast(Reminder.invoice_id, String)
    )
    emails = (
        select(week, func.count(func.distinct(message)))
        .join(Invoice, col(Invoice.id) == col(Reminder.invoice_id))
        .where(*window)
        .group_by(week)
    )
    for index, number in session.exec(emails):
        result[index].emails = int(number)
    return result


def payment_sums(
    *, session: Session, now: datetime, timezone: str, currency: str | None, weeks: int = WEEKS_BACK
) -> dict[str, list[WeekPayments]]:
    """Payments per currency and week of their bank date, and how much of them went to invoices (two
    statements)."""
    days = _week_starts(now, timezone, weeks)
    today = local_today(now, timezone)
    received = col(Payment.received_on)
    week = case(*((received >= day, i) for i, day in reversed(list(enumerate(days))))).label("week")
    window = [received >= days[0], received <= today]
    if currency:
        window.append(Payment.currency == currency)
    result: dict[str, list[WeekPayments]] = {}
    totals = select(Payment.currency, week, exact_sum(Payment.amount)).where(*window)
    for curr, index, units in session.exec(totals.group_by(col(Payment.currency), week)):
        weeks_of = result.setdefault(curr, [WeekPayments(day, week_name(day)) for day in days])
        weeks_of[index].received += money_of(units)
    allocated = (
        select(Payment.currency, week, exact_sum(Allocation.amount))
        .join(Payment, col(Payment.id) == col(Allocation.payment_id))
        .where(*window)
        .group_by(col(Payment.currency), week)
    )
    for curr, index, units in session.exec(allocated):
        result[curr][index].allocated += money_of(units)
    return dict(sorted(result.items()))


def promise_sums(
    *, session: Session, now: datetime, settings: Settings, currency: str | None
) -> list[Promises]:
    """Promises kept, broken and pending (agent.views.book_weeks: one statement over the promised
    invoices only), each linked to the invoice list by its kind."""
    found = promises(session=session, now=now, settings=settings, currency=currency)
    for summary in found:
        for kind in ("kept", "broken", "pending"):
            figure: Figure = getattr(summary, kind)
            linked = _sum(currency=summary.currency, promise=kind)
            linked.amount, linked.number = figure.amount, figure.count
            setattr(summary, kind, linked)
    return found


def page_book(*, session: Session, now: datetime, settings: Settings, currency: str | None = None) -> Book:
    """The whole page, summed by the database: about fifteen statements, no row per invoice."""
    zone = settings.company.timezone
    today = local_today(now, zone)
    aging, not_yet_due = _aging(session=session, today=today, timezone=zone, currency=currency)
    return Book(
        as_of=now,
        today=today,
        timezone=zone,
        currency=currency,
        aging=aging,
        dso=dso_sums(session=session, aging=aging, not_yet_due=not_yet_due, today=today, currency=currency),
        cash_expected=cash_sums(session=session, today=today, timezone=zone, currency=currency),
        reminders_sent=reminder_sums(session=session, now=now, timezone=zone, currency=currency),
        payments_received=payment_sums(session=session, now=now, timezone=zone, currency=currency),
        promises=promise_sums(session=session, now=now, settings=settings, currency=currency),
    )
