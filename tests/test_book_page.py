"""The book page's figures, summed by the database (agent.views.book_sums), against the figures of
agent.views.book that tests/test_book.py computes by hand: the same amounts and counts, and every number's
link lists exactly the invoices `book` says it is made of, whose balances add up to it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import select

from agent.db import session_scope
from agent.models import Reminder
from agent.runtime import Runtime
from agent.settings import Settings
from agent.views import count_invoices, invoices
from agent.views.book import Book, Figure, book
from agent.views.book_sums import Sum, page_book
from agent.views.book_weeks import promises
from agent.views.invoice_filters import from_query
from tests.test_book import NOW, aging_book, promise_book, record


def pairs(slow: Book, fast: Book) -> Iterator[tuple[str, Figure, Any]]:
    """Each figure of `book` beside the page's figure of the same place."""
    assert [t.currency for t in slow.aging] == [t.currency for t in fast.aging]
    for mine, theirs in zip(slow.aging, fast.aging, strict=True):
        assert [r.account for r in mine.rows] == [r.account for r in theirs.rows]
        for row, other in zip([*mine.rows, mine.totals], [*theirs.rows, theirs.totals], strict=True):
            assert row.credit == other.credit
            for name in row.buckets:
                yield f"{mine.currency} {row.account} {name}", row.buckets[name], other.buckets[name]
            for part in ("disputed", "paused", "total"):
                yield f"{mine.currency} {row.account} {part}", getattr(row, part), getattr(other, part)
    for mine, theirs in zip(slow.dso, fast.dso, strict=True):
        assert (mine.currency, mine.countback_days, mine.best_possible_days, mine.simple_days) == (
            theirs.currency, theirs.countback_days, theirs.best_possible_days, theirs.simple_days,
        )  # fmt: skip
        assert mine.countback_complete == theirs.countback_complete
        yield f"dso {mine.currency} receivables", mine.receivables, theirs.receivables
        yield f"dso {mine.currency} not yet due", mine.not_yet_due, theirs.not_yet_due
        for index, (period, other) in enumerate(zip(mine.periods, theirs.periods, strict=True)):
            assert period.credited == other.credited and period.first_day == other.first_day
            yield f"dso {mine.currency} sales {index}", period.invoiced, other.invoiced
    for mine, theirs in zip(slow.cash_expected, fast.cash_expected, strict=True):
        for part in ("overdue", "later", "disputed"):
            yield f"cash {mine.currency} {part}", getattr(mine, part), getattr(theirs, part)
        for week, other in zip(mine.weeks, theirs.weeks, strict=True):
            yield f"cash {mine.currency} {week.week} due", week.due, other.due
            yield f"cash {mine.currency} {week.week} promised", week.promised, other.promised
    for mine, theirs in zip(slow.promises, fast.promises, strict=True):
        for part in ("kept", "broken", "pending"):
            yield f"promises {mine.currency} {part}", getattr(mine, part), getattr(theirs, part)


def listed(runtime: Runtime, figure: Sum, settings: Settings, now: datetime) -> tuple[list[int], Decimal]:
    """The invoices the figure's link lists (every page of them), and their balances added up."""
    chosen = from_query(figure.where)
    with session_scope(runtime.engine) as session:
        ids = None
        if chosen.promise:
            (summary,) = [
                p
                for p in promises(session=session, now=now, settings=settings)
                if p.currency == chosen.currency
            ]
            ids = getattr(summary, chosen.promise).invoice_ids
        zone = settings.company.timezone
        rows = invoices(session, filters=chosen, zone=zone, promised_ids=ids)
        assert count_invoices(session, filters=chosen, zone=zone, promised_ids=ids) == len(rows)
    balance = sum((Decimal(r["balance"]) for r in rows), Decimal(0))
    return sorted(r["id"] for r in rows), balance


def check(runtime: Runtime, now: datetime, *, sales_balances: bool = False) -> int:
    settings = runtime.settings
    with session_scope(runtime.engine) as session:
        slow = book(session=session, now=now, settings=settings)
        fast = page_book(session=session, now=now, settings=settings)
    checked = 0
    for place, figure, summed in pairs(slow, fast):
        assert isinstance(summed, Sum), place
        assert (summed.amount, summed.count) == (figure.amount, figure.count), place
        ids, balances = listed(runtime, summed, settings, now)
        assert ids == sorted(figure.invoice_ids), place
        if summed.where.get("owed"):  # a receivable: the list's balances are the figure
            assert balances == figure.amount, place
        checked += 1
    # the weeks: counts per week the same, and each week's link lists the invoices behind it
    for mine, theirs in zip(slow.reminders_sent, fast.reminders_sent, strict=True):
        assert (mine.week, mine.steps, mine.emails, mine.steps_by_currency) == (
            theirs.week, theirs.steps, theirs.emails, theirs.steps_by_currency,
        )  # fmt: skip
        last = mine.week_start + timedelta(days=6)
        ids, _ = listed(
            runtime, Sum(where={"sent_from": str(mine.week_start), "sent_to": str(last)}), settings, now
        )
        assert ids == sorted(set(mine.invoice_ids)), mine.week
    assert list(slow.payments_received) == list(fast.payments_received)
    for currency, weeks in slow.payments_received.items():
        for mine, theirs in zip(weeks, fast.payments_received[currency], strict=True):
            assert (mine.received, mine.allocated) == (theirs.received, theirs.allocated), mine.week
            last = mine.week_start + timedelta(days=6)
            where = {"currency": currency, "paid_from": str(mine.week_start), "paid_to": str(last)}
            assert listed(runtime, Sum(where=where), settings, now)[0] == sorted(mine.invoice_ids)
    return checked


def test_the_aging_book_summed_by_the_database_and_each_link(runtime: Runtime) -> None:
    aging_book(runtime)
    assert check(runtime, NOW) > 50


def test_the_promise_book_summed_by_the_database_and_each_link(runtime: Runtime) -> None:
    promise_book(runtime)
    with session_scope(runtime.engine) as session:
        assert len(session.exec(select(Reminder).where(Reminder.state == "sent")).all()) >= 5
    assert check(runtime, NOW) > 50


def test_age_columns_on_their_boundaries_in_the_company_zone(runtime: Runtime) -> None:
    now = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)  # already 6 December in Paris
    today = date(2026, 12, 6)
    for days in (-1, 0, 1, 30, 31, 60, 61, 90, 91, 400):
        due = today - timedelta(days=days)
        record(
            runtime, "Bornes SA", f"B-{days + 100:04d}", str(100 + days), issued=due - timedelta(30), due=due
        )
    assert check(runtime, now) > 40
    with session_scope(runtime.engine) as session:
        (eur,) = page_book(session=session, now=now, settings=runtime.settings).aging
    assert eur.rows[0].buckets["31-60"].where == {
        "owed": "1", "hold": "aged", "currency": "EUR", "account": str(eur.rows[0].account_id),
        "due_from": "2026-10-07", "due_to": "2026-11-05",
    }  # fmt: skip


def test_the_page_the_same_on_postgresql(pg_runtime: Runtime) -> None:
    aging_book(pg_runtime)
    assert check(pg_runtime, NOW) > 50
