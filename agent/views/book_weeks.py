"""The book week by week: cash expected from due dates and promises, reminders sent, payments received,
and promises to pay kept and broken (the second half of `agent.views.book`).

Weeks run Monday to Sunday in the company's time zone; a week is named by its Monday and its ISO number.
Each figure is per currency and keeps the ids of its invoices (and payments); each function reads the
book in one or two set-based statements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import case
from sqlmodel import Session, col, func, select

from agent.models import Allocation, Invoice, Payment, Reminder
from agent.models.ledger import InvoiceStatus
from agent.models.reminder import ReminderState
from agent.settings import Settings
from agent.views.book_aging import ZERO, Figure, OpenItem, exact_sum, local_today, money_of, open_items

WEEKS_AHEAD = 8  # cash expected: this week and the seven after it, then "later"
WEEKS_BACK = 8  # activity: this week and the seven before it


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_name(start: date) -> str:
    year, week, _ = start.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class WeekCash:
    week_start: date
    week: str
    due: Figure = field(default_factory=Figure)  # expected on its due date
    promised: Figure = field(default_factory=Figure)  # expected on the date the customer promised

    @property
    def total(self) -> Decimal:
        return self.due.amount + self.promised.amount


@dataclass
class CashExpected:
    currency: str
    as_of: date
    timezone: str
    overdue: Figure  # expected before this week and still owed: late, no date to expect it on
    weeks: list[WeekCash]
    later: Figure  # expected after the last week shown
    disputed: Figure  # not expected while disputed


def cash_expected_of(
    items: list[OpenItem], *, today: date, timezone: str, weeks: int = WEEKS_AHEAD
) -> list[CashExpected]:
    """Open balances placed on the week they are expected (pure): a promise's date replaces the invoice's
    due date; disputed balances are not expected."""
    start = monday(today)
    result: dict[str, CashExpected] = {}
    for item in items:
        forecast = result.get(item.currency)
        if forecast is None:
            slots = [
                WeekCash(start + timedelta(weeks=i), week_name(start + timedelta(weeks=i)))
                for i in range(weeks)
            ]
            forecast = result[item.currency] = CashExpected(
                item.currency, today, timezone, Figure(), slots, Figure(), Figure()
            )
        if item.hold == "disputed":
            forecast.disputed.add(item.balance, item.invoice_id)
            continue
        expected = item.promised_for or item.due_date
        index = (expected - start).days // 7
        if index < 0:
            forecast.overdue.add(item.balance, item.invoice_id)
        elif index >= weeks:
            forecast.later.add(item.balance, item.invoice_id)
        else:
            slot = forecast.weeks[index]
            (slot.promised if item.promised_for else slot.due).add(item.balance, item.invoice_id)
    return [result[c] for c in sorted(result)]


def cash_expected(
    *,
    session: Session,
    now: datetime,
    settings: Settings,
    currency: str | None = None,
    weeks: int = WEEKS_AHEAD,
) -> list[CashExpected]:
    zone = settings.company.timezone
    items = open_items(session=session, currency=currency)
    return cash_expected_of(items, today=local_today(now, zone), timezone=zone, weeks=weeks)


@dataclass
class WeekReminders:
    week_start: date
    week: str
    steps: int = 0  # reminder steps sent (one per invoice)
    emails: int = 0  # e-mails sent (one e-mail may list several invoices of one contact)
    invoice_ids: list[int] = field(default_factory=list)
    steps_by_currency: dict[str, int] = field(default_factory=dict)


def _weeks_back(now: datetime, timezone: str, weeks: int) -> tuple[date, datetime]:
    """The first Monday shown, and the instant it starts (midnight in the company's zone)."""
    first = monday(local_today(now, timezone)) - timedelta(weeks=weeks - 1)
    return first, datetime.combine(first, time(0), tzinfo=ZoneInfo(timezone))


def reminders_sent(
    *,
    session: Session,
    now: datetime,
    settings: Settings,
    currency: str | None = None,
    weeks: int = WEEKS_BACK,
) -> list[WeekReminders]:
    """Reminder steps and e-mails sent per week, up to `now` (one statement)."""
    zone = settings.company.timezone
    first, since = _weeks_back(now, zone, weeks)
    result = [
        WeekReminders(first + timedelta(weeks=i), week_name(first + timedelta(weeks=i))) for i in range(weeks)
    ]
    # The week of each step is worked out by the database, from the instants the weeks start (a CASE):
    # no instant is read back and converted row by row.
    starts = [datetime.combine(w.week_start, time(0), tzinfo=ZoneInfo(zone)) for w in result]
    week = case(*((col(Reminder.sent_at) >= start, i) for i, start in reversed(list(enumerate(starts)))))
    statement = (
        select(Reminder.invoice_id, Reminder.message_id, week, Invoice.currency)
        .join(Invoice, col(Invoice.id) == col(Reminder.invoice_id))
        .where(
            Reminder.state == ReminderState.SENT, col(Reminder.sent_at) >= since, col(Reminder.sent_at) <= now
        )
        .order_by(col(Reminder.sent_at), col(Reminder.id))
    )
    if currency:
        statement = statement.where(Invoice.currency == currency)
    emails: list[set[str]] = [set() for _ in result]
    for invoice_id, message_id, index, curr in session.exec(statement):
        found = result[index]
        found.steps += 1
        found.invoice_ids.append(invoice_id)
        found.steps_by_currency[curr] = found.steps_by_currency.get(curr, 0) + 1
        emails[index].add(message_id or f"step-of-invoice-{invoice_id}")
    for week, ids in zip(result, emails, strict=True):
        week.emails = len(ids)
    return result


@dataclass
class WeekPayments:
    week_start: date
    week: str
    received: Decimal = ZERO
    allocated: Decimal = ZERO  # of which applied to invoices (the rest: unmatched, or credit left)
    payment_ids: list[int] = field(default_factory=list)
    invoice_ids: list[int] = field(default_factory=list)  # the invoices these payments paid


def payments_received(
    *,
    session: Session,
    now: datetime,
    settings: Settings,
    currency: str | None = None,
    weeks: int = WEEKS_BACK,
) -> dict[str, list[WeekPayments]]:
    """Payments per currency and week of their bank date, matched or not (two statements)."""
    first, _since = _weeks_back(now, settings.company.timezone, weeks)
    today = local_today(now, settings.company.timezone)
    window = (col(Payment.received_on) >= first, col(Payment.received_on) <= today)
    payments = select(Payment.id, Payment.currency, Payment.received_on, Payment.amount).where(*window)
    allocations = (
        select(Allocation.payment_id, Allocation.invoice_id, Allocation.amount)
        .join(Payment, col(Payment.id) == col(Allocation.payment_id))
        .where(*window)
        .order_by(col(Allocation.id))
    )
    if currency:
        payments, allocations = (s.where(Payment.currency == currency) for s in (payments, allocations))
    result: dict[str, list[WeekPayments]] = {}
    where: dict[int, WeekPayments] = {}
    for payment_id, curr, received_on, amount in session.exec(payments.order_by(col(Payment.id))):
        weeks_of = result.get(curr)
        if weeks_of is None:  # built once per currency, not once per payment
            weeks_of = result[curr] = [
                WeekPayments(first + timedelta(weeks=i), week_name(first + timedelta(weeks=i)))
                for i in range(weeks)
            ]
        week = weeks_of[(received_on - first).days // 7]
        week.received += amount
        week.payment_ids.append(payment_id)
        where[payment_id] = week
    for payment_id, invoice_id, amount in session.exec(allocations):
        week = where[payment_id]
        week.allocated += amount
        if invoice_id not in week.invoice_ids:
            week.invoice_ids.append(invoice_id)
    return dict(sorted(result.items()))


@dataclass
class Promises:
    currency: str
    grace_days: int  # a promise is kept when paid by its date plus these days, as the reminders wait
    kept: Figure = field(default_factory=Figure)  # paid in full by then: the amount the payments brought
    broken: Figure = field(default_factory=Figure)  # not paid by then: what is still owed, or was paid late
    pending: Figure = field(default_factory=Figure)  # its date (plus grace) not reached yet: still owed


def promises(
    *, session: Session, now: datetime, settings: Settings, currency: str | None = None
) -> list[Promises]:
    """The customers' promises to pay (the last one of each invoice), kept, broken or pending (one
    statement). An invoice settled by a credit note was neither kept nor broken: it is left out."""
    grace = settings.reminders.promise_grace_days
    today = local_today(now, settings.company.timezone)
    paid_units = exact_sum(case((col(Allocation.payment_id).is_not(None), Allocation.amount)))
    money = (
        select(
            Allocation.invoice_id,
            exact_sum(Allocation.amount).label("all_units"),
            paid_units.label("paid_units"),
            func.max(Payment.received_on).label("last_paid"),
        )
        .join(Invoice, col(Invoice.id) == col(Allocation.invoice_id))
        .outerjoin(Payment, col(Payment.id) == col(Allocation.payment_id))
        .where(col(Invoice.promised_for).is_not(None))
        .group_by(col(Allocation.invoice_id))
        .subquery()
    )
    statement = (
        select(
            Invoice.id,
            Invoice.currency,
            Invoice.status,
            Invoice.amount_due,
            Invoice.promised_for,
            money.c.all_units,
            money.c.paid_units,
            money.c.last_paid,
        )
        .outerjoin(money, money.c.invoice_id == col(Invoice.id))
        .where(col(Invoice.promised_for).is_not(None))
        .order_by(col(Invoice.promised_for), col(Invoice.id))
    )
    if currency:
        statement = statement.where(Invoice.currency == currency)
    result: dict[str, Promises] = {}
    for invoice_id, curr, status, amount_due, promised_for, all_units, paid_units, last_paid in session.exec(
        statement
    ):
        deadline = promised_for + timedelta(days=grace)
        summary = result.setdefault(curr, Promises(curr, grace))
        if status == InvoiceStatus.PAID:
            paid = money_of(paid_units)
            (summary.kept if last_paid <= deadline else summary.broken).add(paid, invoice_id)
        elif status != InvoiceStatus.CREDITED:
            balance = amount_due - money_of(all_units)
            (summary.broken if today > deadline else summary.pending).add(balance, invoice_id)
    return [result[c] for c in sorted(result)]
