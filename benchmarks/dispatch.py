"""Dispatch throughput: N reminder steps due at once, rendered and delivered to a local SMTP server.

    .venv/bin/python -m benchmarks.dispatch [--steps 10000] [--json]   (from the repo root)

Each step belongs to its own invoice and customer (so none is grouped or superseded), in one of the
seven languages; all are due at the same instant, inside every send window. One `dispatch_due` run
reserves, re-checks, renders, sends over one SMTP connection (aiosmtpd, in this process) and marks
each step. Reported: steps per second, total time, peak memory (RSS) and its growth during the run.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from agent.clock import FixedClock
from agent.db import session_scope
from agent.ledger.accounts import add_contact
from agent.mail.smtp import SmtpSender
from agent.models import Account, Invoice
from agent.reminders.dispatch import dispatch_due
from agent.reminders.schedule import plan_reminders
from agent.runtime import Runtime
from agent.settings import OutgoingSettings, Settings
from tests.servers.smtp import SmtpServer

LANGUAGES = {"fr": "FR", "en": "GB", "de": "DE", "es": "ES", "it": "IT", "nl": "NL", "pt": "PT"}
DUE = date(2026, 12, 2)  # a Wednesday, no holiday in any of the countries
NOW = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)  # inside the 09:00-11:00 window from London to Athens


def peak_mib() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def setup(steps: int) -> tuple[Runtime, Settings]:
    data_dir = Path(tempfile.mkdtemp(prefix="relance-dispatch-bench-"))
    workflows = data_dir / "workflows"
    workflows.mkdir()
    (workflows / "bench.yaml").write_text(
        "name: bench\nsteps:\n  - {name: due_today, offset_days: 0, template: due_today}\n"
    )
    settings = Settings(data_dir=data_dir, workflows_dir=workflows)
    settings.reminders.default_plan = "bench"
    runtime = Runtime.open(settings, FixedClock(datetime(2026, 11, 1, tzinfo=UTC)))
    at = runtime.clock.now()
    with session_scope(runtime.engine) as session:
        for index in range(steps):
            language, country = list(LANGUAGES.items())[index % len(LANGUAGES)]
            account = Account(
                name=f"Customer {index}", normalized_name=f"customer {index}", country=country, created_at=at
            )
            session.add(account)
            session.flush()
            add_contact(
                session, account=account, email=f"ap{index}@customer.example", language=language, at=at
            )
            invoice = Invoice(
                account_id=account.id or 0,
                number=f"B-{index:06d}",
                issue_date=date(2026, 11, 2),
                due_date=DUE,
                currency="EUR",
                total_gross=Decimal("1234.56"),
                amount_due=Decimal("1234.56"),
                created_at=at,
            )
            session.add(invoice)
            session.flush()
            plan_reminders(session, invoice=invoice, settings=settings, at=at)
    return runtime, settings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    runtime, settings = setup(args.steps)
    server = SmtpServer(
        parse=False, keep=False
    ).start()  # counts: neither its parsing nor its memory is measured
    sender = SmtpSender(OutgoingSettings(kind="smtp", host="127.0.0.1", port=server.port, security="none"))
    before = peak_mib()
    started = time.perf_counter()
    results = dispatch_due(runtime.engine, settings, sender, now=NOW)
    elapsed = time.perf_counter() - started
    sender.close()
    server.stop()
    sent = sum(1 for r in results if r.state == "sent")
    result = {
        "steps": args.steps,
        "sent": sent,
        "delivered": server.received.count,
        "seconds": round(elapsed, 1),
        "steps_per_second": round(sent / elapsed, 1),
        "peak_rss_mib": peak_mib(),
        "rss_growth_mib": peak_mib() - before,
    }
    summary = (
        f"{sent}/{args.steps} sent, {result['delivered']} delivered in {result['seconds']} s: "
        f"{result['steps_per_second']} steps/s; peak RSS {result['peak_rss_mib']} MiB "
        f"(+{result['rss_growth_mib']} MiB during the run)"
    )
    print(json.dumps(result) if args.json else summary)


if __name__ == "__main__":
    main()
