"""The book at a glance (`/book`): aging per customer and currency, DSO, cash expected per week, reminders
sent and payments received per week, promises kept and broken.

The figures are summed by the database (`agent.views.book_sums.page_book`): the page reads a few
thousand sums, never the invoices. Every number links to the invoice list filtered to the invoices it
sums (`agent.views.invoice_filters`), so those are read only when a person follows it. The customers'
table shows the largest balances a page at a time; the totals are the whole book's. Read-only: any role.

Even summed by the database, a book of 100 000 invoices takes a second or two to add up (every open
balance is still read by the database), so the figures are kept for a minute per currency in the
process (`KEEP`): the page says the instant they were taken at, and "Recompute now" (`?fresh=1`) takes
them again. The pages of the customers' table and the other currencies' come from the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from babel.numbers import format_decimal
from fastapi import APIRouter, Depends, Request
from sqlmodel import Session, col, select
from starlette.responses import Response

from agent.models import Invoice
from agent.views import book_sums
from agent.views.book import Book
from agent.views.book_aging import BUCKETS
from agent.views.charts import aging_chart, cash_chart
from agent.web import auth
from agent.web.pages.common import Viewer, db, render, runtime_of, viewer, viewer_of

router = APIRouter(include_in_schema=False)
CUSTOMERS_PER_PAGE = 25
KEEP = timedelta(minutes=1)


@dataclass(frozen=True)
class Kept:
    at: datetime
    figures: Book


def figures_of(request: Request, session: Session, currency: str | None, *, fresh: bool) -> Book:
    """The book's figures, taken now or at most `KEEP` ago (in this process, per currency)."""
    runtime = runtime_of(request)
    now = runtime.clock.now()
    kept: dict[str, Kept] = getattr(request.app.state, "book_figures", None) or {}
    found = kept.get(currency or "")
    if fresh or found is None or not (found.at <= now < found.at + KEEP):
        figures = book_sums.page_book(session=session, now=now, settings=runtime.settings, currency=currency)
        found = kept[currency or ""] = Kept(now, figures)
        request.app.state.book_figures = kept
    return found.figures


def invoices_link(where: dict[str, str]) -> str:
    return "/invoices?" + urlencode(where)


def chart_words(reader: Viewer) -> dict[str, str]:
    """The charts' words in the reader's language (agent.views.charts.PHRASES and LABELS)."""
    gettext = reader.gettext
    return {
        "not_yet_due": gettext("not yet due"),
        "1-30": gettext("1-30 days late"),
        "31-60": gettext("31-60 days late"),
        "61-90": gettext("61-90 days late"),
        "90+": gettext("over 90 days late"),
        "disputed": gettext("disputed"),
        "paused": gettext("paused"),
        "due": gettext("by due date"),
        "promised": gettext("promised"),
        "overdue": gettext("late, no date"),
        "tip": gettext("{name}: {label}, {amount} ({count} invoices)"),
        "others": gettext("{count} other customers"),
        "total": gettext("total"),
        "aging_title": gettext("Receivables in {currency} by age, {day} ({zone})"),
        "aging_desc": gettext("Total owed {amount} by {count} customers on {day} ({zone}): {parts}."),
        "nothing": gettext("nothing"),
        "late": gettext("late"),
        "later": gettext("later"),
        "week_of": gettext("week of {day}: {amount}"),
        "cash_title": gettext("Cash expected in {currency} per week, from {day} ({zone})"),
        "cash_desc": gettext(
            "Late with no date to expect it on: {late}. {weeks}. Later: {later}. Disputed, not expected: "
            "{disputed}. Weeks start on Monday ({zone}); a promise's date replaces the due date."
        ),
        "no_weeks": gettext("Nothing expected in the weeks shown"),
    }


def _currencies(session: Session) -> list[str]:
    return sorted(session.exec(select(Invoice.currency).distinct().order_by(col(Invoice.currency))))


@router.get("/book")
def book_page(
    request: Request, user: auth.SignedIn = Depends(viewer), session: Session = Depends(db)
) -> Response:
    given = request.query_params
    currencies = _currencies(session)
    currency = given.get("currency") if given.get("currency") in currencies else None
    try:
        page = max(1, int(given.get("page") or 1))
    except ValueError:
        page = 1
    figures = figures_of(request, session, currency, fresh=given.get("fresh") == "1")
    reader = viewer_of(request)
    words = chart_words(reader)
    link = lambda figure: invoices_link(figure.where) if figure.count else None  # noqa: E731
    locale = reader.language
    tables = []
    for aging in figures.aging:
        pages = max(1, -(-len(aging.rows) // CUSTOMERS_PER_PAGE))
        shown = aging.rows[(min(page, pages) - 1) * CUSTOMERS_PER_PAGE :][:CUSTOMERS_PER_PAGE]
        tables.append(
            {
                "aging": aging,
                "rows": shown,
                "pages": pages,
                "chart": aging_chart(aging, locale=locale, link=link, words=words),
                "dso": next((d for d in figures.dso if d.currency == aging.currency), None),
                "cash": next((c for c in figures.cash_expected if c.currency == aging.currency), None),
                "promises": next((p for p in figures.promises if p.currency == aging.currency), None),
            }
        )
    for table in tables:
        table["cash_chart"] = (
            cash_chart(table["cash"], locale=locale, link=link, words=words) if table["cash"] else ""
        )
    return render(
        request,
        "book.html",
        book=figures,
        tables=tables,
        buckets=BUCKETS,
        currencies=currencies,
        currency=currency or "",
        page=page,
        weeks=_weeks(figures),
        link=link,
        number=lambda value: format_decimal(value, locale=locale),
    )


def _weeks(figures: Any) -> list[dict[str, Any]]:
    """The last weeks, one row each: reminders sent and payments received per currency, with links."""
    rows = []
    for index, week in enumerate(figures.reminders_sent):
        days = {
            "sent_from": week.week_start.isoformat(),
            "sent_to": (week.week_start + timedelta(6)).isoformat(),
        }
        if figures.currency:
            days["currency"] = figures.currency
        paid = {}
        for curr, weeks in figures.payments_received.items():
            money = weeks[index]
            where = {
                "currency": curr,
                "paid_from": money.week_start.isoformat(),
                "paid_to": (money.week_start + timedelta(6)).isoformat(),
            }
            paid[curr] = {"week": money, "href": invoices_link(where) if money.allocated else None}
        rows.append({"week": week, "href": invoices_link(days) if week.steps else None, "paid": paid})
    return rows
