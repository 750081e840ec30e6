"""The book at a glance on a large book: median time and statement count of each read model.

    .venv/bin/python -m benchmarks.book [--invoices 100000] [--runs 5] [--postgres] [--json]   (repo root)

A generated book (2 000 customers, three currencies, invoices issued over 400 days and due 30 days later;
most of the older ones paid, some in part, some credited, paused, disputed or promised; one sent reminder
per late invoice) is written straight into a fresh database with bulk inserts (the product's recording
paths would take an hour: they are not what is measured). Then each function of `agent.views.book`,
the workspace page's sums (`agent.views.book_sums.page_book`) and following one of its links run
`--runs` times; reported: the median, and the number of SQL statements one call sends (a count that
grows with the book would be a query per row). Beside them, in the same run: `SELECT count(*) FROM
invoice` and a read of every invoice's id and amount due, the floor any figure over every invoice pays.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func, insert, select, text

from agent.clock import FixedClock
from agent.db import session_scope, upgrade
from agent.models import Account, Allocation, CreditNote, Invoice, Payment, Reminder
from agent.runtime import Runtime
from agent.settings import Settings
from agent.views import book as views_book
from agent.views import book_sums, count_invoices, invoices
from agent.views.invoice_filters import from_query

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
TODAY = NOW.date()
ACCOUNTS = 2_000
BATCH = 5_000


def generate(engine: Engine, invoices: int) -> dict[str, int]:
    """Bulk rows, deterministic: the same book on every run and database."""
    made = {"invoices": invoices, "payments": 0, "allocations": 0, "credit_notes": 0, "reminders": 0}
    with engine.begin() as connection:
        connection.execute(
            insert(Account),
            [{"id": i + 1, "name": f"Customer {i}", "normalized_name": f"customer {i}", "created_at": NOW}
             for i in range(ACCOUNTS)],
        )  # fmt: skip
    for start in range(0, invoices, BATCH):
        rows: dict[str, list[dict[str, Any]]] = {"inv": [], "pay": [], "alloc": [], "note": [], "rem": []}
        for i in range(start, min(start + BATCH, invoices)):
            _one(i, rows)
        with engine.begin() as connection:
            connection.execute(insert(Invoice), rows["inv"])
            for table, key in (
                (Payment, "pay"),
                (CreditNote, "note"),
                (Allocation, "alloc"),
                (Reminder, "rem"),
            ):
                if rows[key]:
                    connection.execute(insert(table), rows[key])
        made["payments"] += len(rows["pay"])
        made["allocations"] += len(rows["alloc"])
        made["credit_notes"] += len(rows["note"])
        made["reminders"] += len(rows["rem"])
    return made


def _one(i: int, rows: dict[str, list[dict[str, Any]]]) -> None:
    invoice_id = i + 1
    issued = TODAY - timedelta(days=(i * 397) % 400)
    due = issued + timedelta(days=30)
    currency = "EUR" if i % 20 < 16 else ("USD" if i % 20 < 19 else "GBP")
    amount = Decimal(100 + (i * 37) % 5000) + Decimal("0.50")
    status, paid = "open", Decimal(0)
    if due < TODAY - timedelta(days=45) and i % 10:
        status, paid = "paid", amount
    elif i % 7 == 0:
        status, paid = "partially_paid", (amount / 2).quantize(Decimal("0.01"))
    paused, reason, promised = False, None, None
    if status != "paid" and i % 50 == 0:
        paused, reason = True, "by finance: asked for a copy"
    elif status != "paid" and i % 83 == 0:
        paused, reason = True, "disputed by the customer (“never received”)"
    elif status != "paid" and i % 31 == 0:
        promised = TODAY + timedelta(days=i % 20 - 10)
        paused, reason = True, f"promise to pay by {promised}"
    rows["inv"].append({
        "id": invoice_id, "account_id": i % ACCOUNTS + 1, "number": f"B-{i:07d}", "issue_date": issued,
        "due_date": due, "currency": currency, "total_gross": amount, "amount_due": amount, "status": status,
        "paused": paused, "pause_reason": reason, "promised_for": promised, "created_at": NOW,
    })  # fmt: skip
    if paid:
        received = min(due + timedelta(days=i % 20 - 5), TODAY)
        rows["pay"].append({
            "id": invoice_id, "external_id": f"BANK-{i}", "account_id": i % ACCOUNTS + 1,
            "received_on": received, "amount": paid, "currency": currency, "status": "matched",
            "created_at": NOW,
        })  # fmt: skip
        rows["alloc"].append({
            "invoice_id": invoice_id, "payment_id": invoice_id, "credit_note_id": None, "amount": paid,
            "explanation": "bench",
            "created_at": NOW,
        })  # fmt: skip
    if status != "paid" and i % 50 == 1:
        credit = (amount / 10).quantize(Decimal("0.01"))
        rows["note"].append({
            "id": invoice_id, "account_id": i % ACCOUNTS + 1, "number": f"AV-{i:07d}", "currency": currency,
            "issue_date": issued + timedelta(days=5), "total_gross": credit, "created_at": NOW,
        })  # fmt: skip
        rows["alloc"].append({
            "invoice_id": invoice_id, "payment_id": None, "credit_note_id": invoice_id, "amount": credit,
            "explanation": "bench",
            "created_at": NOW,
        })  # fmt: skip
    sent = datetime.combine(due + timedelta(days=7), datetime.min.time(), tzinfo=UTC) + timedelta(hours=8)
    if sent <= NOW:
        rows["rem"].append({
            "invoice_id": invoice_id, "plan": "standard", "step": 2, "step_name": "first_reminder",
            "template": "first_reminder", "planned_at": sent, "language": "fr", "state": "sent",
            "message_id": f"<bench-{i}@relance.example>", "sent_at": sent, "created_at": NOW,
        })  # fmt: skip


def measure(runtime: Runtime, runs: int) -> list[dict[str, Any]]:
    statements = {"n": 0}

    def count(*_args: Any) -> None:
        statements["n"] += 1

    event.listen(runtime.engine, "before_cursor_execute", count)
    settings = runtime.settings
    count_all = select(func.count()).select_from(Invoice)
    read_all = select(Invoice.id, Invoice.amount_due)
    cases: list[tuple[str, Callable[[Any], Any]]] = [
        ("reference: SELECT count(*) FROM invoice", lambda s: s.exec(count_all).one()),
        ("reference: every invoice's id and amount due", lambda s: s.exec(read_all).all()),
        ("aging", lambda s: views_book.aging(session=s, now=NOW, settings=settings)),
        ("dso", lambda s: views_book.dso(session=s, now=NOW, settings=settings)),
        ("cash_expected", lambda s: views_book.cash_expected(session=s, now=NOW, settings=settings)),
        ("reminders_sent", lambda s: views_book.reminders_sent(session=s, now=NOW, settings=settings)),
        ("payments_received", lambda s: views_book.payments_received(session=s, now=NOW, settings=settings)),
        ("promises", lambda s: views_book.promises(session=s, now=NOW, settings=settings)),
        ("book (the whole page)", lambda s: views_book.book(session=s, now=NOW, settings=settings)),
        ("book, one currency (USD)",
         lambda s: views_book.book(session=s, now=NOW, settings=settings, currency="USD")),
        ("page_book (the page's sums, every currency)",
         lambda s: book_sums.page_book(session=s, now=NOW, settings=settings)),
        ("page_book, one currency (USD)",
         lambda s: book_sums.page_book(session=s, now=NOW, settings=settings, currency="USD")),
        ("the page's link 'EUR 31-60 days late' (first 50 invoices)", lambda s: _follow(s, settings)),
    ]  # fmt: skip
    results = []
    for name, run in cases:
        times = []
        for _ in range(runs):
            statements["n"] = 0
            with session_scope(runtime.engine) as session:
                started = time.perf_counter()
                run(session)
                times.append(time.perf_counter() - started)
        results.append({"what": name, "median_ms": round(statistics.median(times) * 1000, 1),
                        "statements": statements["n"]})  # fmt: skip
    event.remove(runtime.engine, "before_cursor_execute", count)
    return results + measure_pages(runtime, runs)


def measure_pages(runtime: Runtime, runs: int) -> list[dict[str, Any]]:
    """The workspace's page over HTTP (in process, Starlette's test client, signed in): the book taken
    again (`?fresh=1`, what the first visit of a minute costs), the book from its figures kept a minute,
    and a number followed to the invoice list."""
    from starlette.testclient import TestClient

    from agent.models.user import Role
    from agent.web.app import create_app
    from agent.web.auth import add_user
    from tests.web_helpers import sign_in

    with session_scope(runtime.engine) as session:
        add_user(session, email="bench@supplier.example", password="correct horse battery", role=Role.VIEWER,
                 at=NOW)  # fmt: skip
    link = "/invoices?owed=1&hold=aged&currency=EUR&due_from=2026-10-06&due_to=2026-11-04"
    results = []
    with TestClient(create_app(runtime)) as client:
        sign_in(client, "bench@supplier.example")
        for name, url in (
            ("page /book, figures taken again (?fresh=1)", "/book?fresh=1"),
            ("page /book, figures kept (within the minute)", "/book"),
            ("page /invoices, a number of the book followed", link),
        ):
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                answer = client.get(url)
                times.append(time.perf_counter() - started)
                assert answer.status_code == 200, answer.text[:300]
            results.append(
                {"what": name, "median_ms": round(statistics.median(times) * 1000, 1), "statements": None}
            )
    return results


def _follow(session: Any, settings: Settings) -> None:
    """What following a number costs: the invoice list filtered by its link, a page and its count."""
    filters = from_query(
        {"owed": "1", "hold": "aged", "currency": "EUR", "due_from": "2026-10-06", "due_to": "2026-11-04"}
    )
    zone = settings.company.timezone
    invoices(session, filters=filters, zone=zone, limit=50)
    count_invoices(session, filters=filters, zone=zone)


def open_runtime(database: str, invoices: int) -> tuple[Runtime, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="relance-book-bench-"))
    server = None
    url = None
    if database == "postgresql":
        from tests.servers.postgres import PostgresServer

        server = PostgresServer.start()
        url = server.create_database("relance_book_bench")
        upgrade(url)
    runtime = Runtime.open(Settings(data_dir=data_dir, database_url=url), FixedClock(NOW))
    return runtime, server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", action="store_true", help="Also on a PostgreSQL server started here")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    machine = f"{platform.machine()}, Python {platform.python_version()}, {platform.platform()}"
    report: dict[str, Any] = {"machine": machine, "runs": args.runs}
    for database in ["sqlite", *(["postgresql"] if args.postgres else [])]:
        runtime, server = open_runtime(database, args.invoices)
        try:
            started = time.perf_counter()
            made = generate(runtime.engine, args.invoices)
            if database == "postgresql":  # what autovacuum does to a table loaded in bulk, before it is read
                with runtime.engine.begin() as connection:
                    connection.execute(text("ANALYZE"))
            made["generated_in_s"] = round(time.perf_counter() - started, 1)
            report[database] = {"book": made, "results": measure(runtime, args.runs)}
        finally:
            runtime.engine.dispose()
            shutil.rmtree(runtime.settings.data_dir, ignore_errors=True)
            if server:
                server.stop()
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(report["machine"])
    for database in ("sqlite", "postgresql"):
        if database in report:
            print(f"\n{database}: {report[database]['book']}")
            for row in report[database]["results"]:
                said = "" if row["statements"] is None else f"{row['statements']:>3} statements"
                print(f"  {row['what']:<48} {row['median_ms']:>9.1f} ms  {said}")


if __name__ == "__main__":
    main()
