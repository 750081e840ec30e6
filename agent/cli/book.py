"""`relance book`: the book at a glance (receivables aging, DSO, cash expected, the weeks' reminders and
payments, promises), per currency, in the terminal or as JSON. Read only: it opens the database and
nothing else. Money is written with Babel in the company's locale; every date says its time zone.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer

from agent.cli.common import DataDir, JsonFlag, NowOption, console, currency_value, emit, group, open_runtime

if TYPE_CHECKING:
    from agent.settings import Settings
    from agent.views.book import Book

app = group()

CurrencyOption = Annotated[
    str | None,
    typer.Option(
        "--currency",
        callback=currency_value,
        help="Only this currency (ISO code, e.g. EUR); default: every one",
    ),
]


def company_locale(settings: Settings) -> str:
    """The company's locale for money: its language in its country (fr_FR), else its language alone."""
    from babel import Locale, UnknownLocaleError

    company = settings.company
    for candidate in (f"{company.default_language}_{company.country}", company.default_language):
        try:
            return str(Locale.parse(candidate))
        except (UnknownLocaleError, ValueError):
            continue
    return "en"


@app.command("book")
def book_command(
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
    currency: CurrencyOption = None,
    now: NowOption = None,
) -> None:
    """The book at a glance: aging per customer, DSO, cash expected per week, reminders and payments
    per week, promises kept and broken (one table set per currency)."""
    from agent.db import session_scope
    from agent.views import book as views_book

    runtime = open_runtime(data_dir, now)
    with session_scope(runtime.engine) as session:
        page = views_book.book(
            session=session,
            now=runtime.clock.now(),
            settings=runtime.settings,
            currency=currency,
        )
    if as_json:
        emit(views_book.as_json(page))
        return
    print_book(page, locale=company_locale(runtime.settings))


def print_book(page: Book, *, locale: str) -> None:
    from babel.numbers import format_currency

    from agent.cli.render import table

    zone = page.timezone
    local = page.as_of.astimezone(ZoneInfo(zone))
    console.print(f"[bold]The book on {local:%Y-%m-%d %H:%M} {zone} ({local:%Z})[/]")
    if not (page.aging or page.dso or page.payments_received):
        console.print("Nothing in the book yet.")
        return

    def money(amount: Decimal, currency: str) -> str:
        return format_currency(amount, currency, locale=locale) if amount else ""

    for aging in page.aging:
        cur = aging.currency
        rows = [
            {
                "customer": row.account,
                **{name: money(figure.amount, cur) for name, figure in row.buckets.items()},
                "disputed": money(row.disputed.amount, cur),
                "paused": money(row.paused.amount, cur),
                "total": money(row.total.amount, cur),
                "credit": money(row.credit, cur),
            }
            for row in [*aging.rows, aging.totals]
        ]
        title = f"Receivables in {cur} by days past due on {aging.as_of} ({zone}); disputed and paused apart"
        console.print(table(title, rows, list(rows[0])))
    for dso in page.dso:
        console.print(_dso_line(dso, zone))
    for forecast in page.cash_expected:
        console.print(table(*_cash_rows(forecast, money)))
    console.print(table(*_activity_rows(page, money)))
    for summary in page.promises:
        cur = summary.currency
        parts = [
            f"{name} {len(figure.invoice_ids)} ({money(figure.amount, cur) or money(Decimal(0), cur)})"
            for name, figure in (
                ("kept", summary.kept),
                ("broken", summary.broken),
                ("pending", summary.pending),
            )
        ]
        console.print(
            f"Promises to pay in {cur} (kept when paid by their date + {summary.grace_days} days): "
            + ", ".join(parts)
        )


def _days(value: Decimal | None) -> str:
    return "-" if value is None else f"{value} days"


def _dso_line(dso: Any, zone: str) -> str:
    countback = _days(dso.countback_days) if dso.countback_complete else f"over {_days(dso.countback_days)}"
    return (
        f"DSO in {dso.currency}: countback {countback}, best possible {_days(dso.best_possible_days)}, "
        f"simple (90 days) {_days(dso.simple_days)}; 30-day periods ending {dso.as_of} ({zone})"
    )


def _cash_rows(forecast: Any, money: Any) -> tuple[str, list[dict[str, str]], list[str]]:
    cur = forecast.currency
    late = money(forecast.overdue.amount, cur)
    rows = [{"week": "late, no date to expect it", "by_due_date": late, "total": late}]
    for week in forecast.weeks:
        rows.append(
            {
                "week": f"{week.week} from {week.week_start}",
                "by_due_date": money(week.due.amount, cur),
                "promised": money(week.promised.amount, cur),
                "total": money(week.total, cur),
            }
        )
    later = money(forecast.later.amount, cur)
    rows.append({"week": "later", "by_due_date": later, "total": later})
    rows.append({"week": "disputed (not expected)", "by_due_date": money(forecast.disputed.amount, cur)})
    title = (
        f"Cash expected in {cur} per week (weeks from Monday, {forecast.timezone}; "
        "a promise replaces the due date)"
    )
    return title, rows, ["week", "by_due_date", "promised", "total"]


def _activity_rows(page: Book, money: Any) -> tuple[str, list[dict[str, str]], list[str]]:
    currencies = sorted(page.payments_received)
    rows = []
    for index, week in enumerate(page.reminders_sent):
        row = {
            "week": f"{week.week} from {week.week_start}",
            "reminders": str(week.steps),
            "e-mails": str(week.emails),
        }
        for cur in currencies:
            row[f"received_{cur}"] = money(page.payments_received[cur][index].received, cur)
        rows.append(row)
    title = f"The last weeks (from Monday, {page.timezone}; payments by their bank date)"
    return title, rows, ["week", "reminders", "e-mails", *(f"received_{cur}" for cur in currencies)]
