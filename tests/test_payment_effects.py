"""What payments do: manual allocation (CLI), the HTTP API on a real server, and the race between a
payment and a reminder that is already reserved, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import SecretStr
from sqlmodel import select
from typer.testing import CliRunner

from agent.cli import app
from agent.db import session_scope
from agent.flow.service import Agent
from agent.ledger.records import open_balance
from agent.mail.maildir import MaildirOutbox
from agent.models import Account, Invoice, Payment, Reminder, Task
from agent.payments.importing import record_payment
from agent.reminders.dispatch import dispatch_due
from agent.runtime import Runtime
from agent.settings import Settings
from agent.web.app import create_app
from tests.helpers import make_invoice, planned_invoice

runner = CliRunner()
DUE_INSTANT = datetime(2026, 11, 27, 8, 5, tzinfo=UTC)  # the courtesy step of an invoice due 2026-12-02


def cli(data_dir: Path, *args: str, ok: bool = True) -> Any:
    result = runner.invoke(app, [*args, "--data-dir", str(data_dir), "--json"], env={"RELANCE_CONFIG": ""})
    assert (result.exit_code == 0) is ok, result.output
    return json.loads(result.stdout) if ok else result.output


def test_a_cheque_recorded_by_hand_pays_the_invoices_named(runtime: Runtime) -> None:
    first = planned_invoice(runtime, name="Acme", number="F-2026-0001", amount="300.00")
    data_dir = runtime.settings.data_dir
    with session_scope(runtime.engine) as session:
        account_id = session.get(Invoice, first).account_id  # type: ignore[union-attr]
        account = session.get(Account, account_id)
        assert account is not None
        make_invoice(
            session, account, "F-2026-0002", "200.00", due=date(2026, 12, 20), at=runtime.clock.now()
        )
    result = cli(
        data_dir,
        "payments", "record", "--customer", "Acme", "--amount", "450.00", "--date", "2026-12-04",
        "--method", "cheque", "--reference", "CHQ 0042117",
        "--invoice", "F-2026-0002", "--invoice", "F-2026-0001",
    )  # fmt: skip
    assert result["invoices"] == {"F-2026-0002": "paid", "F-2026-0001": "partially_paid"}
    with session_scope(runtime.engine) as session:
        assert open_balance(session, session.get(Invoice, first)) == Decimal("50.00")  # type: ignore[arg-type]
        payment = session.exec(select(Payment)).one()
        assert (payment.source, payment.method) == ("manual", "cheque")
    again = cli(
        data_dir,
        "payments", "record", "--customer", "Acme", "--amount", "450.00", "--date", "2026-12-04",
        "--method", "cheque", "--reference", "CHQ 0042117", ok=False,
    )  # fmt: skip
    assert "already recorded" in again
    refused = cli(
        data_dir, "payments", "record", "--customer", "Acme", "--amount", "10", "--date", "2026-12-04",
        "--invoice", "F-2026-0002", ok=False,
    )  # fmt: skip
    assert "F-2026-0002 is already paid" in refused


def test_finance_allocates_an_unmatched_payment_and_its_task_closes(agent: Agent, runtime: Runtime) -> None:
    planned_invoice(runtime, name="Acme", number="F-2026-0007", amount="120.00")
    path = runtime.settings.data_dir / "bank.csv"
    path.write_text("Date;Montant;Libellé;Tiers\n03/12/2026;120,00;VIREMENT;M DURAND\n", encoding="utf-8")
    agent.import_payments(path)
    with session_scope(runtime.engine) as session:
        payment = session.exec(select(Payment)).one()
        task = session.exec(select(Task)).one()
    assert (payment.status, task.kind, task.details["candidates"]) == (
        "needs_review",
        "payment_match",
        ["F-2026-0007"],
    )
    assert f"relance payments allocate {payment.id} --invoice NUMBER" in task.details["reasons"][-1]
    data_dir = runtime.settings.data_dir
    result = cli(data_dir, "payments", "allocate", str(payment.id), "--invoice", "F-2026-0007")
    assert result == {"payment_id": payment.id, "status": "matched", "invoices": {"F-2026-0007": "paid"}}
    with session_scope(runtime.engine) as session:
        task = session.exec(select(Task)).one()
        assert (task.status, task.resolution) == ("done", "allocated by hand to F-2026-0007")
        assert {r.state for r in session.exec(select(Reminder))} == {"cancelled"}
    listed = cli(data_dir, "payments", "list")
    assert [(p["status"], p["invoices"]) for p in listed] == [("matched", ["F-2026-0007"])]
    assert "already matched" in cli(
        data_dir, "payments", "allocate", str(payment.id), "--invoice", "X", ok=False
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def api(runtime: Runtime) -> Iterator[str]:
    runtime.settings.payments.api_token = SecretStr("s3cret-token")
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_payments_pushed_over_http(api: str, runtime: Runtime) -> None:
    invoice_id = planned_invoice(runtime, name="Acme", number="F-2026-0031", amount="1440.00")
    batch = {
        "payments": [
            {
                "id": "PL-1",
                "date": "2026-12-09",
                "amount": "1000.00",
                "currency": "EUR",
                "invoices": ["F-2026-0031"],
            },
            {
                "id": "PL-2",
                "date": "2026-12-10",
                "amount": 440,
                "currency": "EUR",
                "reference": "F-2026-0031",
            },
        ]
    }
    auth = {"Authorization": "Bearer s3cret-token"}
    assert httpx.post(f"{api}/api/payments", json=batch).status_code == 401
    assert (
        httpx.post(f"{api}/api/payments", json=batch, headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )
    answer = httpx.post(f"{api}/api/payments", json=batch, headers=auth)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["imported"], body["matched"], body["paid_invoices"]) == (2, 2, ["F-2026-0031"])
    assert [(p["id"], p["status"]) for p in body["payments"]] == [("PL-1", "matched"), ("PL-2", "matched")]
    again = httpx.post(f"{api}/api/payments", json=batch, headers=auth).json()
    assert (again["imported"], again["duplicates"]) == (0, 2)  # pushing the same payments again is harmless
    bad = {"payments": [{"id": "PL-3", "date": "2026-13-01", "amount": "12.345", "currency": "eur"}]}
    refused = httpx.post(f"{api}/api/payments", json=bad, headers=auth)
    assert refused.status_code == 422
    assert {p["where"] for p in refused.json()["problems"]} == {
        "payments.0.date",
        "payments.0.amount",
        "payments.0.currency",
    }
    with session_scope(runtime.engine) as session:
        assert session.get(Invoice, invoice_id).status == "paid"  # type: ignore[union-attr]
        assert {p.source for p in session.exec(select(Payment))} == {"api"}
    assert httpx.get(f"{api}/api/health").json() == {"status": "ok"}


def test_the_api_is_closed_without_a_token(runtime: Runtime) -> None:
    from starlette.testclient import TestClient

    with TestClient(create_app(runtime)) as client:
        answer = client.post("/api/payments", json={"payments": []})
    assert answer.status_code == 503 and "payments.api_token" in answer.json()["error"]


class PaymentDuringSend:
    """An SMTP stand-in that records a bank payment for the *next* reminder's invoice while the first
    e-mail is being sent: both steps were reserved before the payment committed."""

    def __init__(self, runtime: Runtime, outbox: MaildirOutbox, number: str) -> None:
        self.runtime, self.outbox, self.number, self.sent = runtime, outbox, number, []

    def send(self, message: EmailMessage) -> None:
        if not self.sent:
            pay(self.runtime, self.number, "1200.00")
        self.sent.append(message)
        self.outbox.send(message)


def pay(runtime: Runtime, number: str, amount: str) -> None:
    at = runtime.clock.now()
    with session_scope(runtime.engine) as session:
        payment = Payment(
            external_id=f"BANK-{number}",
            received_on=at.date(),
            amount=Decimal(amount),
            currency="EUR",
            reference=number,
            created_at=at,
        )
        session.add(payment)
        session.flush()
        record_payment(session, payment, at=at, tolerance=Decimal("1.00"))


def test_a_payment_committed_after_the_reservation_stops_the_send(
    runtime: Runtime, settings: Settings
) -> None:
    planned_invoice(runtime, name="Acme", number="F-2026-0101")
    planned_invoice(runtime, name="Globex", number="F-2026-0102", language="en")
    sender = PaymentDuringSend(runtime, MaildirOutbox(settings.outbox_path), "F-2026-0102")
    results = dispatch_due(runtime.engine, settings, sender, now=DUE_INSTANT)
    assert (
        len(sender.sent) == 1
        and "F-2026-0101" in str(sender.sent[0]["Subject"]) + sender.sent[0].get_content()
    )
    withdrawn = [r for r in results if r.state == "cancelled"]
    assert len(withdrawn) == 1 and withdrawn[0].reason.startswith("withdrawn before sending: balance 0.00")
    with session_scope(runtime.engine) as session:
        paid = session.exec(select(Invoice).where(Invoice.number == "F-2026-0102")).one()
        assert paid.status == "paid"
        assert {r.state for r in session.exec(select(Reminder).where(Reminder.invoice_id == paid.id))} == {
            "cancelled"
        }


@pytest.mark.postgres
def test_on_postgres_a_payment_waits_for_the_send_in_progress(pg_runtime: Runtime) -> None:
    runtime, settings = pg_runtime, pg_runtime.settings
    planned_invoice(runtime, name="Acme", number="F-2026-0201")
    events: list[str] = []
    sending, release = threading.Event(), threading.Event()

    class SlowSender:
        def send(self, message: EmailMessage) -> None:
            sending.set()
            release.wait(timeout=10)
            events.append("sent")

    def payment() -> None:
        sending.wait(timeout=10)
        pay(runtime, "F-2026-0201", "1200.00")
        events.append("payment committed")

    payer = threading.Thread(target=payment)
    payer.start()
    dispatcher = threading.Thread(
        target=lambda: dispatch_due(runtime.engine, settings, SlowSender(), now=DUE_INSTANT)
    )
    dispatcher.start()
    assert sending.wait(timeout=10)
    time.sleep(0.5)  # the payment is trying to commit now, and must be waiting for the invoice lock
    assert events == []
    release.set()
    dispatcher.join(timeout=10)
    payer.join(timeout=10)
    assert events == ["sent", "payment committed"]  # ordered: the reminder left before the payment
    with session_scope(runtime.engine) as session:
        states = {r.step_name: r.state for r in session.exec(select(Reminder))}
    assert states["courtesy"] == "sent"
    assert {s for name, s in states.items() if name != "courtesy"} == {"cancelled"}
