"""The crash harness: a collections book run through real servers while the process is killed, again and
again, at seeded points of intake, extraction, recording, allocation, payment import and dispatch.

Each instant of the scenario is one `relance tick --now T` process against a real Dovecot mailbox (the
inbox, Processed, Quarantine and the Sent copy) and a real SMTP server: the same code as one turn of
`relance run`'s loop. Before an instant runs cleanly, it is run under `tests.crash_runner` with a kill
point drawn from a seeded generator, as many times as the plan says; every killed run is followed by the
next, as a supervisor restarts a service. At the end the book must be exactly what one clean run gives:
every message once, no invoice, credit or payment twice, no reminder received twice by the SMTP server,
none after its invoice was paid, and no step left between reserved and sent.

Used by tests/test_crash_harness.py (a short run in CI) and benchmarks/crash_harness.py (the long one).
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from agent.clock import FixedClock
from agent.db import session_scope
from agent.demo.pdfs import Party
from agent.ledger.accounts import add_contact, normalize_name
from agent.models import Account
from agent.runtime import Runtime
from agent.settings import MailboxSettings, OutgoingSettings, Settings
from tests.conftest import COMPANY, FINANCE, make_email
from tests.servers.dovecot import PASSWORD
from tests.servers.smtp import SmtpServer
from tests.test_graph import invoice_pdf

PROJECT = Path(__file__).resolve().parents[1]
CUSTOMERS = (
    Party("Boulangerie Dupont SARL", ("8 place Bellecour", "69002 Lyon", "France"), "FR96412345670"),
    Party("Garage Martin SAS", ("3 rue Nationale", "59000 Lille", "France"), "FR30552100554"),
    Party("Imprimerie Leroy SA", ("12 quai de la Fosse", "44000 Nantes", "France"), "FR10542107651"),
)

# Where a kill hurts: each a function of the inbound or outbound path, killed as it is entered or right
# after it returned (its work done in memory or sent, its transaction not yet committed). Each instant
# draws from the points its work goes through, so that most drawn kills fire.
INTAKE_POINTS = (
    "agent.flow.service.Agent.keep:after",  # raw stored and row recorded, not yet processed
    "agent.mail.imap.ImapInbox.settle:before",  # outcome committed, message still in the inbox
    "agent.flow.intake.classify:after",  # inside the graph, first node
    "agent.documents.extract.extract_document:after",  # a document read, nothing recorded
    "agent.ledger.records.record_document:after",  # invoice or credit note flushed, not committed
    "agent.ledger.records.allocate:after",  # a credit note allocated, not committed
)
PAYMENT_POINTS = (
    "agent.payments.importing.record_payment:after",  # one line of a bank file recorded, not committed
    "agent.ledger.records.allocate:after",  # a payment allocated, not committed
)
DISPATCH_POINTS = (
    "agent.reminders.dispatch._prepare:after",  # a batch claimed and its e-mails written, nothing sent
    "agent.reminders.dispatch._mark_sending:after",  # one e-mail's steps `sending`, not handed to SMTP
    "agent.mail.smtp.SmtpSender.send:after",  # accepted by SMTP, no copy in Sent yet
    "agent.mail.smtp.SentCopySender.send:after",  # sent and filed in Sent, not marked sent
)


@dataclass(frozen=True)
class Instant:
    at: datetime
    deliver: tuple[bytes, ...] = ()  # appended to the inbox before this instant runs
    pay: bool = False  # the bank file paying the first invoice of each customer is dropped

    @property
    def kill_points(self) -> tuple[str, ...]:
        if self.deliver:
            return INTAKE_POINTS
        return PAYMENT_POINTS + DISPATCH_POINTS if self.pay else DISPATCH_POINTS


@dataclass
class HarnessReport:
    kills: Counter[str] = field(default_factory=Counter)  # kills that fired, per point
    attempts: int = 0  # runs armed with a kill (a point not reached that often lets the run finish)
    runs: int = 0
    messages: int = 0
    problems: list[str] = field(default_factory=list)
    reminders_received: int = 0
    sent: int = 0  # steps marked sent
    ambiguous: int = 0  # steps a kill left between SMTP and the Sent copy: a person checks, none resent

    @property
    def total_kills(self) -> int:
        return sum(self.kills.values())


def forwarded(number: str, pdf: bytes, day: datetime) -> bytes:
    return make_email(sender=FINANCE, subject=f"Fwd: {number}", files=[(f"{number}.pdf", pdf)], at=day)


def scenario() -> list[Instant]:
    """Two waves of mail, the plan's send days, and a bank file between them."""
    first_day, second_day = (
        datetime(2026, 11, 2, 8, 30, tzinfo=UTC),
        datetime(2026, 11, 20, 8, 30, tzinfo=UTC),
    )
    numbers = [f"F-2026-7{index}0{wave}" for index in range(len(CUSTOMERS)) for wave in (1, 2)]
    first = (
        *(forwarded(n, invoice_pdf(n, "100.00", customer=CUSTOMERS[int(n[-3])]), first_day) for n in numbers),
        make_email(sender=FINANCE, subject="Lunch?", body="No attachment, nothing to do.", at=first_day),
    )
    credit = invoice_pdf(
        "AV-2026-7002", "50.00", customer=CUSTOMERS[1], kind="credit_note", referenced="F-2026-7102"
    )
    second = (
        forwarded("F-2026-7003", invoice_pdf("F-2026-7003", "80.00", customer=CUSTOMERS[0]), second_day),
        forwarded("AV-2026-7002", credit, second_day),
    )
    days = [(11, 27), (11, 30), (12, 2), (12, 3), (12, 9), (12, 17), (12, 21)]
    instants = [Instant(first_day, first), Instant(second_day, second)]
    instants += [Instant(datetime(2026, m, d, 8, 30, tzinfo=UTC), pay=(m, d) == (12, 3)) for m, d in days]
    return [*instants, Instant(datetime(2027, 1, 4, 8, 30, tzinfo=UTC))]


def service_env(mailbox: MailboxSettings, smtp: SmtpServer, data_dir: Path) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("RELANCE_") and k != "COLUMNS"}
    return env | {
        "RELANCE_CONFIG": "/nonexistent/relance.toml",
        "RELANCE_DATA_DIR": str(data_dir),
        "RELANCE_COMPANY__FINANCE_ADDRESS": FINANCE,
        "RELANCE_COMPANY__NAME": COMPANY.name,
        "RELANCE_COMPANY__VAT_ID": COMPANY.vat_id or "",
        "RELANCE_MAILBOX__KIND": "imap",
        "RELANCE_MAILBOX__HOST": "127.0.0.1",
        "RELANCE_MAILBOX__PORT": str(mailbox.port),
        "RELANCE_MAILBOX__SECURITY": "none",
        "RELANCE_MAILBOX__USER": mailbox.user or "",
        "RELANCE_MAILBOX__PASSWORD": PASSWORD,
        "RELANCE_OUTGOING__KIND": "smtp",
        "RELANCE_OUTGOING__HOST": "127.0.0.1",
        "RELANCE_OUTGOING__PORT": str(smtp.port),
        "RELANCE_OUTGOING__SECURITY": "none",
        # One process at a time, each killed one restarted at the same simulated instant: its claims
        # must lapse at once (a real deployment waits for the lease; tests/test_workers.py does).
        "RELANCE_WORKERS__LEASE_SECONDS": "0",
    }


def prepare(settings: Settings) -> None:
    """The customers' accounts and contacts exist already: the harness is about crashes, not contacts."""
    at = datetime(2026, 11, 1, tzinfo=UTC)
    runtime = Runtime.open(settings, FixedClock(at))
    with session_scope(runtime.engine) as session:
        for customer in CUSTOMERS:
            account = Account(
                name=customer.name,
                normalized_name=normalize_name(customer.name),
                vat_id=customer.vat_id,
                country="FR",
                created_at=at,
            )
            session.add(account)
            session.flush()
            add_contact(session, account=account, email=f"ap@{account.id}.example", language="fr", at=at)
    runtime.engine.dispose()


def run_tick(env: dict[str, str], at: datetime, kill: str | None = None) -> int:
    command = [sys.executable, "-m", "tests.crash_runner"]
    command += ["--kill", kill] if kill else []
    command += ["--", "tick", "--now", at.isoformat()]
    done = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode not in (0, -signal.SIGKILL):
        raise RuntimeError(f"tick at {at} (kill {kill}) failed with {done.returncode}: {done.stderr[-3000:]}")
    return done.returncode


def drop_bank_file(settings: Settings) -> list[str]:
    """Pays the first invoice of each customer in full, as a French bank export does."""
    with sqlite3.connect(settings.data_dir / "relance.sqlite3") as db:
        rows = db.execute("SELECT number, amount_due FROM invoice WHERE number LIKE 'F-2026-7_01'").fetchall()
    incoming = settings.payments_dir / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    lines = [
        f"03/12/2026;{Decimal(str(amount)):.2f};VIREMENT {number};CLIENT".replace(".", ",")
        for number, amount in rows
    ]
    (incoming / "releve.csv").write_text(
        "Date;Montant;Libellé;Tiers\n" + "\n".join(lines) + "\n", encoding="utf-8"
    )
    return [number for number, _ in rows]


def run_harness(
    *, data_dir: Path, mailbox: MailboxSettings, smtp: SmtpServer, seed: int, kills_per_instant: int
) -> HarnessReport:
    from imapclient import IMAPClient

    settings = Settings(
        data_dir=data_dir,
        company=COMPANY,
        mailbox=mailbox,
        outgoing=OutgoingSettings(kind="smtp", host="127.0.0.1", port=smtp.port, security="none"),
    )
    prepare(settings)
    env = service_env(mailbox, smtp, data_dir)
    generator = random.Random(seed)
    report = HarnessReport()
    paid: list[str] = []
    received_before_payment = 0
    client = IMAPClient("127.0.0.1", port=mailbox.port, ssl=False)
    client.login(mailbox.user or "", PASSWORD)
    for instant in scenario():
        for raw in instant.deliver:
            client.append("INBOX", raw)
            report.messages += 1
        if instant.pay:
            paid = drop_bank_file(settings)
            received_before_payment = smtp.received.count
        for _ in range(kills_per_instant):
            point, when = generator.choice(instant.kill_points).rsplit(":", 1)
            nth = generator.randint(1, 3)
            report.runs, report.attempts = report.runs + 1, report.attempts + 1
            if run_tick(env, instant.at, f"{point}:{when}:{nth}") == -signal.SIGKILL:
                report.kills[point] += 1
        report.runs += 1
        if run_tick(env, instant.at) != 0:
            report.problems.append(f"the clean run at {instant.at} was killed")
    client.logout()
    report.problems += check_book(settings, mailbox, smtp, report, paid, received_before_payment)
    return report


def check_book(
    settings: Settings,
    mailbox: MailboxSettings,
    smtp: SmtpServer,
    report: HarnessReport,
    paid: list[str],
    received_before_payment: int,
) -> list[str]:
    """Everything a crash could have broken, each as a sentence when it did."""
    from imapclient import IMAPClient

    problems: list[str] = []
    client = IMAPClient("127.0.0.1", port=mailbox.port, ssl=False)
    client.login(mailbox.user or "", PASSWORD)
    folders = {}
    for folder in ("INBOX", "Processed", "Quarantine"):
        folders[folder] = len(client.search("ALL")) if client.select_folder(folder, readonly=True) else 0
    client.logout()
    if folders["INBOX"] or folders["Processed"] + folders["Quarantine"] != report.messages:
        problems.append(f"mailbox folders {folders} for {report.messages} messages")
    with sqlite3.connect(settings.data_dir / "relance.sqlite3") as db:
        one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
        if one("SELECT COUNT(*) FROM inbound_message") != report.messages:
            problems.append(
                f"{one('SELECT COUNT(*) FROM inbound_message')} messages recorded, {report.messages} sent"
            )
        duplicates = db.execute(
            "SELECT number FROM invoice GROUP BY account_id, number HAVING COUNT(*) > 1"
        ).fetchall()
        if duplicates or one("SELECT COUNT(*) FROM invoice") != 7:
            problems.append(
                f"invoices: {one('SELECT COUNT(*) FROM invoice')} (7 expected), duplicated {duplicates}"
            )
        if one("SELECT COUNT(*) FROM credit_note") != 1:
            problems.append(f"credit notes: {one('SELECT COUNT(*) FROM credit_note')} (1 expected)")
        if one("SELECT COUNT(*) FROM payment") != len(paid):
            problems.append(f"payments: {one('SELECT COUNT(*) FROM payment')} ({len(paid)} expected)")
        over = db.execute(
            "SELECT i.number, SUM(a.amount), i.amount_due FROM allocation a"
            " JOIN invoice i ON i.id = a.invoice_id GROUP BY i.id HAVING SUM(a.amount) > i.amount_due + 0.001"
        ).fetchall()
        if over:
            problems.append(f"allocated more than owed (counted twice): {over}")
        unresolved = db.execute("SELECT id FROM reminder WHERE state = 'sending'").fetchall()
        if unresolved:
            problems.append(f"steps left in sending: {unresolved}")
        claimed = db.execute(
            "SELECT 'step', id FROM reminder WHERE claimed_by IS NOT NULL UNION ALL"
            " SELECT 'message', id FROM inbound_message WHERE claimed_by IS NOT NULL"
        ).fetchall()
        if claimed:
            problems.append(f"left claimed: {claimed}")
        report.ambiguous = one("SELECT COUNT(*) FROM reminder WHERE state = 'ambiguous'")
        report.sent = one("SELECT COUNT(*) FROM reminder WHERE state = 'sent'")
    ids = Counter(str(m["Message-ID"]) for m in smtp.received.messages)
    twice = [message_id for message_id, n in ids.items() if n > 1]
    if twice:
        problems.append(f"received twice by the SMTP server: {twice}")
    after_payment = [
        str(m["Subject"])
        for m in smtp.received.messages[received_before_payment:]
        if any(number in str(m["Subject"]) for number in paid)
    ]
    if after_payment:
        problems.append(f"reminders for paid invoices after the payment: {after_payment}")
    report.reminders_received = smtp.received.count
    return problems
