"""Several workers on one PostgreSQL and one Dovecot, one of them SIGKILLed mid-run and restarted.

Forwarded documents wait in the inbox and reminder steps are due; three worker processes
(`tests.worker_runner`: `relance run` with a clock that starts at a chosen instant) share the work. Once
work is under way one worker is killed (SIGKILL: no clean-up of any kind) and started again. The run
ends when the inbox is empty, every message settled, no step due and no claim left; then the book is
checked: every message processed once, every step sent once (counted by the SMTP server that received
them), no duplicate invoice, nothing left claimed.

Used by tests/test_workers.py (a scaled-down run) and benchmarks/workers.py (300 documents, 1 000 steps).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import col, select

from agent.db import make_engine, session_scope, upgrade
from agent.flow.graph import make_checkpointer
from agent.models import InboundMessage, Invoice, Reminder
from agent.reminders.schedule import plan_reminders
from agent.settings import MailboxSettings, Settings
from tests.conftest import COMPANY
from tests.crash_harness import CUSTOMERS, PROJECT, forwarded, prepare, service_env
from tests.helpers import make_account, make_invoice
from tests.servers.smtp import SmtpServer
from tests.test_graph import invoice_pdf

START = datetime(2026, 11, 27, 8, 30, tzinfo=UTC)  # a Friday, 09:30 in Paris: inside the send window
DUE = date(2026, 12, 2)  # invoices due on Wednesday: their courtesy step is due on Friday 08:00 UTC


@dataclass
class WorkersReport:
    documents: int
    steps: int
    seconds: float = 0.0
    killed_after: dict[str, int] = field(default_factory=dict)  # progress when the worker was killed
    reminders_received: int = 0
    steps_sent: int = 0
    steps_ambiguous: int = 0
    problems: list[str] = field(default_factory=list)


def due_steps(engine: Engine, *, accounts: int) -> None:
    """`accounts` customers with one invoice each, due on DUE: one courtesy step each is due at START
    (one e-mail per step, so e-mails received count steps)."""
    at = datetime(2026, 11, 2, tzinfo=UTC)
    settings = Settings(company=COMPANY)
    with session_scope(engine) as session:
        for index in range(accounts):
            account = make_account(session, f"Client {index:04d}", at=at)
            invoice = make_invoice(session, account, f"D-{index:04d}", "500.00", due=DUE, at=at)
            plan_reminders(session, invoice=invoice, settings=settings, at=at)


def count(mailbox: MailboxSettings, folder: str) -> int:
    from imapclient import IMAPClient

    from tests.servers.dovecot import PASSWORD

    client = IMAPClient("127.0.0.1", port=mailbox.port, ssl=False)
    client.login(mailbox.user or "", PASSWORD)
    try:
        return len(client.search("ALL")) if client.select_folder(folder, readonly=True) else 0
    finally:
        client.logout()


def progress(engine: Engine, mailbox: MailboxSettings) -> dict[str, int]:
    with session_scope(engine) as session:
        rows = dict(
            session.exec(
                select(InboundMessage.status, func.count()).group_by(col(InboundMessage.status))
            ).all()
        )
        steps = dict(
            session.exec(
                select(Reminder.state, func.count())
                .join(Invoice, col(Invoice.id) == col(Reminder.invoice_id))
                .where(Reminder.step == 0, col(Invoice.number).like("D-%"))
                .group_by(col(Reminder.state))
            ).all()
        )
        claimed = (
            session.exec(
                select(func.count()).select_from(Reminder).where(col(Reminder.claimed_by).is_not(None))
            ).one()
            + session.exec(
                select(func.count())
                .select_from(InboundMessage)
                .where(col(InboundMessage.claimed_by).is_not(None))
            ).one()
        )
    return {
        "inbox": count(mailbox, "INBOX"),
        "received": rows.get("received", 0),
        "settled": sum(n for status, n in rows.items() if status != "received"),
        "planned": steps.get("planned", 0),
        "sending": steps.get("sending", 0),
        "sent": steps.get("sent", 0),
        "claimed": claimed,
    }


def run_workers(
    *,
    url: str,
    data_dir: Path,
    mailbox: MailboxSettings,
    smtp: SmtpServer,
    documents: int,
    steps: int,
    workers: int = 3,
    lease_seconds: int = 3,
    kill_when_sent: int = 10,
    deadline_seconds: float = 180,
) -> WorkersReport:
    from imapclient import IMAPClient

    from tests.servers.dovecot import PASSWORD

    upgrade(url)
    settings = Settings(data_dir=data_dir, company=COMPANY, mailbox=mailbox, database_url=url)
    prepare(settings)  # the customers of the forwarded documents, with their contacts
    engine = make_engine(url)
    due_steps(engine, accounts=steps)
    make_checkpointer(settings).conn.close()  # the library's tables, set up once before the workers
    client = IMAPClient("127.0.0.1", port=mailbox.port, ssl=False)
    client.login(mailbox.user or "", PASSWORD)
    numbers = [f"W-2026-{index:04d}" for index in range(documents)]
    for index, number in enumerate(numbers):
        pdf = invoice_pdf(number, f"{100 + index}.00", customer=CUSTOMERS[index % len(CUSTOMERS)])
        client.append("INBOX", forwarded(number, pdf, START))
    client.logout()

    env = service_env(mailbox, smtp, data_dir) | {
        "RELANCE_DATABASE_URL": url,
        "RELANCE_WORKERS__LEASE_SECONDS": str(lease_seconds),
    }
    origin = time.time()
    command = [
        sys.executable,
        "-m",
        "tests.worker_runner",
        "--start",
        START.isoformat(),
        "--origin",
        str(origin),
    ]

    def start(name: str) -> subprocess.Popen[bytes]:
        log = (data_dir / f"{name}.log").open("ab")
        return subprocess.Popen(
            command, cwd=PROJECT, env=env | {"RELANCE_WORKERS__NAME": name}, stdout=log, stderr=log
        )

    report = WorkersReport(documents=documents, steps=steps)
    running = [start(f"worker-{index}") for index in range(workers)]
    started = time.monotonic()
    deadline = started + deadline_seconds
    try:
        while time.monotonic() < deadline:  # work under way: some sent, some messages settled
            now = progress(engine, mailbox)
            if now["sent"] + now["sending"] >= kill_when_sent and now["settled"] >= 1:
                break
            time.sleep(0.1)
        report.killed_after = progress(engine, mailbox)
        os.kill(running[0].pid, signal.SIGKILL)
        running[0].wait(timeout=30)
        running[0] = start("worker-0-restarted")
        while time.monotonic() < deadline:
            now = progress(engine, mailbox)
            if now["inbox"] == now["received"] == now["planned"] == now["sending"] == now["claimed"] == 0:
                break
            time.sleep(0.2)
        report.seconds = time.monotonic() - started
    finally:
        for process in running:
            process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
    report.problems += check(engine, mailbox, smtp, report, numbers)
    engine.dispose()
    return report


def check(
    engine: Engine, mailbox: MailboxSettings, smtp: SmtpServer, report: WorkersReport, numbers: list[str]
) -> list[str]:
    problems = []
    last = progress(engine, mailbox)
    if last["inbox"] or count(mailbox, "Processed") != report.documents:
        problems.append(
            f"mailbox: {last['inbox']} left in the inbox, {count(mailbox, 'Processed')} processed"
        )
    with session_scope(engine) as session:
        statuses = Counter(session.exec(select(InboundMessage.status)).all())
        invoices = Counter(session.exec(select(Invoice.number).where(col(Invoice.number).like("W-%"))).all())
        due = session.exec(
            select(Reminder.state, Reminder.message_id)
            .join(Invoice, col(Invoice.id) == col(Reminder.invoice_id))
            .where(Reminder.step == 0, col(Invoice.number).like("D-%"))
        ).all()
        step_states = Counter(state for state, _ in due)
        their_ids = {message_id for _, message_id in due}
    if sum(statuses.values()) != report.documents or statuses.get("received") or statuses.get("failed"):
        problems.append(f"messages recorded: {dict(statuses)} for {report.documents} sent")
    if sorted(invoices) != sorted(numbers) or any(n > 1 for n in invoices.values()):
        problems.append(
            f"invoices: {len(invoices)} numbers, duplicated {[n for n, k in invoices.items() if k > 1]}"
        )
    if last["claimed"]:
        problems.append(f"{last['claimed']} rows left claimed")
    reminder_ids = Counter(str(m["Message-ID"]) for m in smtp.received.messages)
    reminder_ids = Counter(
        {message_id: n for message_id, n in reminder_ids.items() if message_id in their_ids}
    )
    twice = [message_id for message_id, n in reminder_ids.items() if n > 1]
    if twice:
        problems.append(f"received twice by the SMTP server: {twice}")
    report.reminders_received = len(reminder_ids)
    report.steps_sent = step_states.get("sent", 0)
    report.steps_ambiguous = step_states.get("ambiguous", 0)
    if report.steps_sent + report.steps_ambiguous != report.steps or report.steps_ambiguous > 1:
        problems.append(
            f"steps: {dict(step_states)} for {report.steps} due (one at most in doubt: in flight)"
        )
    if not report.steps_sent <= report.reminders_received <= report.steps_sent + report.steps_ambiguous:
        problems.append(f"{report.reminders_received} e-mails received for {report.steps_sent} steps sent")
    return problems
