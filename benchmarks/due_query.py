"""The "what is due now" path on a big book: the dispatcher's claim and the monitoring gauges.

    .venv/bin/python -m benchmarks.due_query [--invoices 100000] [--postgres] [--repeat 20]

A book of N invoices (one account per 10 invoices), five steps each (5 N reminder rows): most steps
already sent or cancelled, the rest planned over the coming months, 50 due now. Measured, median of
`--repeat` runs (after one warm-up): the claim of a batch of due steps (`reminders.due.claim_batch`, its
candidate read and its UPDATE, given back after), the gauges (`flow.health.gauges`), and, as the
reference measured in the same run on the same rows, a full read of the reminder table's state and
planned_at columns: what the due query would cost without its index. EXPLAIN of the candidate query
shows the index it uses. SQLite by default; `--postgres` starts a throwaway PostgreSQL server
(tests/servers/postgres.py) and runs the same on it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, insert, text
from sqlmodel import col, select

from agent.db import make_engine, upgrade
from agent.flow.health import gauges
from agent.models import Account, Invoice, Reminder
from agent.reminders.due import claim_batch, due_now, lapsed, release
from agent.settings import Settings

NOW = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)
STEPS = ("courtesy", "due_today", "first_reminder", "second_reminder", "final_notice")


def fill(engine: Engine, invoices: int) -> None:
    """Bulk rows through Core inserts (the ORM would take longer to build the book than to query it)."""
    accounts = max(1, invoices // 10)
    created = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(Account),
            [
                {
                    "name": f"Client {i}",
                    "normalized_name": f"client {i}",
                    "country": "FR",
                    "created_at": created,
                }
                for i in range(1, accounts + 1)
            ],
        )
        for start in range(0, invoices, 20_000):
            chunk = range(start, min(invoices, start + 20_000))
            connection.execute(
                insert(Invoice),
                [
                    {
                        "id": i + 1,
                        "account_id": i % accounts + 1,
                        "number": f"F-{i:07d}",
                        "issue_date": date(2026, 1, 1) + timedelta(days=i % 330),
                        "due_date": date(2026, 2, 1) + timedelta(days=i % 330),
                        "currency": "EUR",
                        "total_gross": Decimal("120.00"),
                        "amount_due": Decimal("120.00"),
                        "status": "open",
                        "paused": False,
                        "created_at": created,
                    }
                    for i in chunk
                ],
            )
            rows = []
            for i in chunk:
                due = datetime(2026, 2, 1, 8, tzinfo=UTC) + timedelta(days=i % 330)
                for step, name in enumerate(STEPS):
                    planned = due + timedelta(days=(step - 1) * 7)
                    if planned <= NOW:  # the past: sent (a few cancelled); 50 left due now, the rest ahead
                        state = "planned" if i < 10 else ("cancelled" if i % 17 == 0 else "sent")
                    else:
                        state = "planned"
                    rows.append(
                        {
                            "invoice_id": i + 1,
                            "plan": "standard",
                            "step": step,
                            "step_name": name,
                            "template": name,
                            "tone": "courteous",
                            "planned_at": planned,
                            "language": "fr",
                            "state": state,
                            "created_at": created,
                        }
                    )
            connection.execute(insert(Reminder), rows)


def median_ms(action: Callable[[], object], repeat: int) -> float:
    action()  # warm-up: caches and the query plan
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def explain(engine: Engine) -> list[str]:
    statement = (
        select(Reminder.id, Reminder.contact_id)
        .where(due_now(NOW), lapsed(NOW, "benchmark"))
        .order_by(col(Reminder.planned_at), col(Reminder.id))
        .limit(25)
    )
    compiled = statement.compile(engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as connection:
        return [" ".join(str(v) for v in row) for row in connection.execute(text(prefix + str(compiled)))]


def measure(url: str, invoices: int, repeat: int) -> dict[str, object]:
    upgrade(url)
    engine = make_engine(url)
    started = time.monotonic()
    fill(engine, invoices)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    settings = Settings()

    def claim() -> None:
        won = claim_batch(engine, now=NOW, worker="benchmark", lease=timedelta(seconds=60))
        assert len(won) == 25, won
        release(engine, won, worker="benchmark")

    def full_read() -> None:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT state, planned_at FROM reminder")).all()
        assert len(rows) == invoices * len(STEPS)

    figures = gauges(engine, settings, NOW)
    result = {
        "database": engine.dialect.name,
        "invoices": invoices,
        "steps": invoices * len(STEPS),
        "due_now": figures["due_steps"],
        "fill_seconds": round(time.monotonic() - started, 1),
        "claim_batch_ms": median_ms(claim, repeat),
        "gauges_ms": median_ms(lambda: gauges(engine, settings, NOW), repeat),
        "reference_full_read_ms": median_ms(full_read, max(3, repeat // 5)),
        "explain": explain(engine),
    }
    engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--postgres", action="store_true")
    options = parser.parse_args()
    if options.postgres:
        from tests.servers.postgres import PostgresServer

        server = PostgresServer.start()
        try:
            result = measure(server.create_database("due_query"), options.invoices, options.repeat)
        finally:
            server.stop()
    else:
        with tempfile.TemporaryDirectory() as folder:
            result = measure(f"sqlite:///{Path(folder) / 'due.sqlite3'}", options.invoices, options.repeat)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
