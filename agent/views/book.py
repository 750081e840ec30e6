"""The book at a glance (issue 19, page 9), for `relance book` and the workspace page: receivables aging
per customer and currency, DSO (countback and best possible), cash expected per week from due dates and
promises, reminders sent and payments received per week, promises kept and broken.

    book(session=..., now=..., settings=...)   every figure at once (the open items read once)
    aging, dso                                 agent.views.book_aging
    cash_expected, reminders_sent,
    payments_received, promises                agent.views.book_weeks
    as_json                                    any of them as JSON-ready data

Every figure is per currency (EUR is never added to USD) and keeps the ids of the invoices behind it
(`Figure.invoice_ids`), so a page can link each number to its invoices. Each function reads the book in
a few set-based statements, whatever its size, and takes the instant `now`; days and weeks are those of
the company's time zone. docs/book.md says what each figure means and what it leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from agent.settings import Settings
from agent.views.book_aging import (
    BUCKETS,
    Aging,
    AgingRow,
    Dso,
    Figure,
    account_names,
    aging,
    aging_of,
    bucket_of,
    countback,
    dso,
    dso_from,
    local_today,
    open_items,
    unused_credit,
)
from agent.views.book_weeks import (
    CashExpected,
    Promises,
    WeekPayments,
    WeekReminders,
    cash_expected,
    cash_expected_of,
    payments_received,
    promises,
    reminders_sent,
)

__all__ = [
    "BUCKETS",
    "Aging",
    "AgingRow",
    "Book",
    "CashExpected",
    "Dso",
    "Figure",
    "Promises",
    "WeekPayments",
    "WeekReminders",
    "aging",
    "as_json",
    "book",
    "bucket_of",
    "cash_expected",
    "countback",
    "dso",
    "payments_received",
    "promises",
    "reminders_sent",
]


CENT = Decimal("0.01")


@dataclass
class Book:
    as_of: datetime  # the instant (UTC) the figures are taken at
    today: date  # its date in the company's time zone
    timezone: str
    currency: str | None  # the one currency asked for, or None for all
    aging: list[Aging]
    dso: list[Dso]
    cash_expected: list[CashExpected]
    reminders_sent: list[WeekReminders]
    payments_received: dict[str, list[WeekPayments]]
    promises: list[Promises]


def book(*, session: Session, now: datetime, settings: Settings, currency: str | None = None) -> Book:
    """The whole page: about a dozen statements, the open items read once for aging, DSO and cash."""
    zone = settings.company.timezone
    today = local_today(now, zone)
    items = open_items(session=session, currency=currency)
    credit = unused_credit(session=session, currency=currency)
    names = account_names(session=session, ids={account_id for account_id, _ in credit})
    return Book(
        as_of=now,
        today=today,
        timezone=zone,
        currency=currency,
        aging=aging_of(items, credit, names, today=today, timezone=zone),
        dso=dso_from(session=session, items=items, today=today, currency=currency),
        cash_expected=cash_expected_of(items, today=today, timezone=zone),
        reminders_sent=reminders_sent(session=session, now=now, settings=settings, currency=currency),
        payments_received=payments_received(session=session, now=now, settings=settings, currency=currency),
        promises=promises(session=session, now=now, settings=settings, currency=currency),
    )


def _tidy(value: Decimal) -> Decimal:
    """PostgreSQL gives money with four decimals (NUMERIC(18, 4)), SQLite as it was written: zeros past
    the second decimal are dropped, so both print 1480.00 (and 73.7 days stay 73.7)."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and value == value.quantize(CENT):
        return value.quantize(CENT)
    return value


def as_json(value: Any) -> Any:
    """A figure, a table, the book, or a list of them, as JSON-ready data: money and dates as text, the
    computed properties (count, net, total) kept."""
    if is_dataclass(value) and not isinstance(value, type):
        data = {f.name: as_json(getattr(value, f.name)) for f in fields(value)}
        for name in ("count", "net", "total"):
            if isinstance(getattr(type(value), name, None), property):
                data[name] = as_json(getattr(value, name))
        return data
    if isinstance(value, dict):
        return {str(key): as_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(item) for item in value]
    if isinstance(value, Decimal):
        return str(_tidy(value))
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    return value
