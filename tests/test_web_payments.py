"""The payments page over HTTP: payments listed by the import they came in, matched or to allocate; a
payment the matcher left to finance allocated by hand across two invoices (the reminders of the one it
pays stop; the task closes; the person is named); an offline cheque recorded; refusals that change
nothing; every action refused to a viewer by the server, and to a form without its token."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import col, select
from starlette.testclient import TestClient

from agent.db import session_scope
from agent.models import Account, Allocation, AuditEvent, Invoice, Payment, PaymentImport, Reminder, Task
from agent.models.user import Role
from agent.payments.importing import import_lines
from agent.payments.lines import PaymentLine
from agent.reminders.schedule import plan_reminders
from agent.runtime import Runtime
from agent.web.app import create_app
from tests.helpers import make_invoice
from tests.web_helpers import EMAILS, Book, sign_in, small_book


@pytest.fixture
def book(runtime: Runtime) -> Book:
    """Acme owes F-1 (1 200.00) and F-3 (300.00); a bank file brought a payment of 1 350.00 nobody could
    match, and one paying Globex's G-7."""
    found = small_book(runtime)
    at = runtime.clock.now()
    with session_scope(runtime.engine) as session:
        acme = session.exec(select(Account).where(Account.name == "Acme")).one()
        invoice = make_invoice(session, acme, "F-3", "300.00", due=date(2026, 12, 10), at=at)
        plan_reminders(session, invoice=invoice, settings=runtime.settings, at=at)
        lines = [
            PaymentLine(external_id="BANK-1", received_on=date(2026, 11, 2), amount=Decimal("1350.00"),
                        currency="EUR", reference="VIR SEPA ACME", payer="ACME SAS"),
            PaymentLine(external_id="BANK-2", received_on=date(2026, 11, 2), amount=Decimal("80.00"),
                        currency="EUR", reference="G-7", payer="Globex", invoice_numbers=("G-7",)),
        ]  # fmt: skip
        import_lines(session, lines, source="csv", at=at, settings=runtime.settings, sender=runtime.sender)
        session.add(PaymentImport(sha256="0" * 64, name="releve-novembre.csv", source="csv", created_at=at))
    return found


@pytest.fixture
def client(runtime: Runtime, book: Book) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as test_client:
        yield test_client


def payment_id(runtime: Runtime, external_id: str) -> int:
    with session_scope(runtime.engine) as session:
        return session.exec(select(Payment.id).where(Payment.external_id == external_id)).one() or 0


def ledger(runtime: Runtime) -> list[tuple[object, ...]]:
    with session_scope(runtime.engine) as session:
        rows = session.exec(select(Allocation.invoice_id, Allocation.payment_id, Allocation.amount)).all()
        payments = session.exec(select(Payment.external_id, Payment.status).order_by(col(Payment.id))).all()
        return [*rows, *payments]


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_payments_by_import(client: TestClient, runtime: Runtime, role: Role) -> None:
    sign_in(client, EMAILS[role])
    waiting = client.get("/payments")
    assert waiting.status_code == 200
    assert "File releve-novembre.csv" in waiting.text and "VIR SEPA ACME" in waiting.text
    assert "G-7" not in waiting.text  # matched: not in the payments to allocate
    everything = client.get("/payments?show=all").text
    assert "VIR SEPA ACME" in everything and ">G-7</a>" in everything
    one = client.get(f"/payments/{payment_id(runtime, 'BANK-1')}")
    assert one.status_code == 200 and "1,350.00" in one.text
    assert (f'action="/payments/{payment_id(runtime, "BANK-1")}/allocate"' in one.text) == (
        role != Role.VIEWER
    )
    assert ('action="/payments/record"' in waiting.text) == (role != Role.VIEWER)
    assert client.get("/payments/99999").status_code == 404


def test_finance_allocates_a_payment_across_two_invoices(client: TestClient, runtime: Runtime) -> None:
    csrf = sign_in(client, EMAILS[Role.FINANCE])
    paid = payment_id(runtime, "BANK-1")
    page = client.get(f"/payments/{paid}").text
    assert 'value="F-1"' in page and 'value="F-3"' in page  # Acme's open invoices are offered
    answer = client.post(
        f"/payments/{paid}/allocate",
        data={"csrf": csrf, "invoice": ["F-3", "F-1"], "numbers": ""},
        follow_redirects=False,
    )
    assert (answer.status_code, answer.headers["location"]) == (303, f"/payments/{paid}?done=allocated")
    with session_scope(runtime.engine) as session:
        f1 = session.exec(select(Invoice).where(Invoice.number == "F-1")).one()
        f3 = session.exec(select(Invoice).where(Invoice.number == "F-3")).one()
        assert (f3.status, f1.status) == ("paid", "partially_paid")  # in the order given: F-3 first
        amounts = session.exec(
            select(Allocation.invoice_id, Allocation.amount).where(Allocation.payment_id == paid)
        )
        assert sorted((i, str(a)) for i, a in amounts) == sorted([(f3.id, "300.00"), (f1.id, "1050.00")])
        waiting = session.exec(
            select(Reminder).where(
                Reminder.invoice_id == f3.id, col(Reminder.state).in_(("planned", "paused"))
            )
        ).all()
        assert waiting == []  # paid: nothing more goes out about F-3
        task = session.exec(select(Task).where(Task.kind == "payment_match")).one()
        assert (task.status, task.resolution) == ("done", "allocated by hand to F-3, F-1")
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "allocated_by_hand")).one()
        assert event.detail["actor"] == EMAILS[Role.FINANCE] and event.entity_id == paid
    shown = client.get(f"/payments/{paid}?done=allocated").text
    assert "The payment is allocated" in shown and 'action="/payments/' not in shown.split("</header>")[1]


def test_a_refused_allocation_says_why_and_changes_nothing(client: TestClient, runtime: Runtime) -> None:
    csrf = sign_in(client, EMAILS[Role.FINANCE])
    paid, before = payment_id(runtime, "BANK-1"), ledger(runtime)
    for numbers, why in [("F-1, G-7", "Acme has no invoice G-7"), ("", "name at least one invoice")]:
        answer = client.post(f"/payments/{paid}/allocate", data={"csrf": csrf, "numbers": numbers})
        assert answer.status_code == 409 and why in answer.text, numbers
    matched = payment_id(runtime, "BANK-2")
    answer = client.post(f"/payments/{matched}/allocate", data={"csrf": csrf, "numbers": "F-1"})
    assert answer.status_code == 409 and "already matched" in answer.text
    assert ledger(runtime) == before


def test_finance_records_a_cheque(client: TestClient, runtime: Runtime) -> None:
    csrf = sign_in(client, EMAILS[Role.FINANCE])
    form = {"csrf": csrf, "customer": "Acme", "amount": "300,00", "currency": "eur",
            "received_on": "2026-11-01", "method": "cheque", "reference": "CHQ 0012",
            "numbers": "F-3"}  # fmt: skip
    answer = client.post("/payments/record", data=form, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].endswith("?done=recorded")
    with session_scope(runtime.engine) as session:
        cheque = session.exec(select(Payment).where(Payment.source == "manual")).one()
        assert (cheque.amount, cheque.currency, cheque.method, cheque.status) == (
            Decimal("300.00"), "EUR", "cheque", "matched",
        )  # fmt: skip
        f3 = session.exec(select(Invoice).where(Invoice.number == "F-3")).one()
        assert f3.status == "paid"
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "recorded_by_hand")).one()
        assert event.detail["actor"] == EMAILS[Role.FINANCE]
    again = client.post("/payments/record", data=form)
    assert again.status_code == 409 and "invoice F-3 is already paid" in again.text
    cash = {**form, "method": "cash", "amount": "20.00", "reference": "", "numbers": ""}  # the oldest first
    assert client.post("/payments/record", data=cash, follow_redirects=False).status_code == 303
    again = client.post("/payments/record", data=cash)
    assert again.status_code == 409 and "already recorded" in again.text  # the same cash twice
    before = ledger(runtime)
    for wrong, why in [
        ({"customer": "Nobody"}, "No customer is named"),
        ({"amount": "12.345"}, "is not an amount"),
        ({"received_on": "2026-11-03"}, "cannot be received after today"),
        ({"numbers": "G-7"}, "Acme has no invoice G-7"),
    ]:
        answer = client.post("/payments/record", data={**form, "reference": "CHQ 0013", **wrong})
        assert answer.status_code == 409 and why in answer.text, wrong
    assert ledger(runtime) == before


def test_a_viewer_is_refused_every_payment_action_by_the_server(client: TestClient, runtime: Runtime) -> None:
    csrf = sign_in(client, EMAILS[Role.VIEWER])
    before = ledger(runtime)
    paid = payment_id(runtime, "BANK-1")
    actions = {
        f"/payments/{paid}/allocate": {"invoice": "F-1"},
        "/payments/record": {"customer": "Acme", "amount": "10.00", "currency": "EUR",
                             "received_on": "2026-11-01", "method": "cash"},
    }  # fmt: skip
    for url, form in actions.items():
        answer = client.post(url, data={**form, "csrf": csrf})
        assert answer.status_code == 403 and "Your role does not allow this" in answer.text, url
    client.post("/logout", data={"csrf": csrf})
    finance = sign_in(client, EMAILS[Role.FINANCE])
    for url, form in actions.items():  # the right role, but no token or another's
        for given in ({}, {"csrf": finance[:-2] + "xx"}, {"csrf": csrf}):
            assert client.post(url, data={**form, **given}).status_code == 403, (url, given)
    assert ledger(runtime) == before
    client.cookies.clear()
    for url, form in actions.items():
        answer = client.post(url, data={**form, "csrf": "x"}, follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, "/login")
