"""Correcting a recorded invoice from its page over HTTP: finance and admin correct it (the waiting steps
follow, the person is named); a refusal says why and changes nothing; a viewer is refused by the server,
a form without its token too."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlmodel import col, select
from starlette.testclient import TestClient

from agent.db import session_scope
from agent.models import AuditEvent, Invoice, Reminder
from agent.models.user import Role
from agent.runtime import Runtime
from agent.web.app import create_app
from tests.web_helpers import EMAILS, Book, sign_in, small_book


@pytest.fixture
def book(runtime: Runtime) -> Book:
    return small_book(runtime)


@pytest.fixture
def client(runtime: Runtime, book: Book) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as test_client:
        yield test_client


def state(runtime: Runtime, invoice_id: int) -> tuple[object, ...]:
    with session_scope(runtime.engine) as session:
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None
        steps = session.exec(
            select(Reminder).where(Reminder.invoice_id == invoice_id).order_by(col(Reminder.id))
        )
        return (
            invoice.number, invoice.amount_due, invoice.due_date, invoice.account_id,
            [(r.step_name, r.state, r.planned_at) for r in steps],
        )  # fmt: skip


FORM = {"number": "F-1", "amount_due": "1200.00", "due_date": "2026-12-02", "customer": "Acme"}


@pytest.mark.parametrize("role", [Role.FINANCE, Role.ADMIN])
def test_finance_corrects_an_invoice_from_its_page(
    client: TestClient, runtime: Runtime, book: Book, role: Role
) -> None:
    csrf = sign_in(client, EMAILS[role])
    page = client.get(f"/invoices/{book.invoice_id}").text
    assert f'action="/invoices/{book.invoice_id}/correct"' in page
    form = {**FORM, "csrf": csrf, "amount_due": "1 150,00", "due_date": "2026-12-16", "reason": "misread"}
    answer = client.post(f"/invoices/{book.invoice_id}/correct", data=form, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (
        303,
        f"/invoices/{book.invoice_id}?done=corrected",
    )
    number, amount, due, _account, steps = state(runtime, book.invoice_id)
    assert (number, amount, due.isoformat()) == ("F-1", Decimal("1150.00"), "2026-12-16")
    planned = [(name, at.date().isoformat()) for name, s, at in steps if s == "planned"]
    assert ("due_today", "2026-12-16") in planned and ("courtesy", "2026-12-11") in planned
    with session_scope(runtime.engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "corrected")).one()
    assert event.detail["actor"] == EMAILS[role] and event.detail["reason"] == "misread"
    assert event.detail["changes"] == {
        "amount_due": ["1200.00", "1150.00"],
        "due_date": ["2026-12-02", "2026-12-16"],
    }
    assert "The invoice is corrected" in client.get(answer.headers["location"]).text


def test_a_refused_correction_says_why_and_changes_nothing(
    client: TestClient, runtime: Runtime, book: Book
) -> None:
    csrf = sign_in(client, EMAILS[Role.FINANCE])
    before = state(runtime, book.invoice_id)
    for wrong, why in [
        ({}, "nothing to correct"),
        ({"amount_due": "douze"}, "is not an amount"),
        ({"due_date": "2026-13-01"}, "is not a date"),
        ({"customer": "Nobody"}, "no customer is named"),
        ({"number": "F-2", "reason": ""}, "say why"),
    ]:
        form = {**FORM, "reason": "misread", **wrong, "csrf": csrf}
        answer = client.post(f"/invoices/{book.invoice_id}/correct", data=form)
        assert answer.status_code == 409 and why in answer.text, wrong
    assert state(runtime, book.invoice_id) == before


def test_a_viewer_is_refused_the_correction_by_the_server(
    client: TestClient, runtime: Runtime, book: Book
) -> None:
    csrf = sign_in(client, EMAILS[Role.VIEWER])
    assert "/correct" not in client.get(f"/invoices/{book.invoice_id}").text  # no form shown...
    before = state(runtime, book.invoice_id)
    form = {**FORM, "amount_due": "1.00", "reason": "x"}
    answer = client.post(f"/invoices/{book.invoice_id}/correct", data={**form, "csrf": csrf})
    assert answer.status_code == 403 and "Your role does not allow this" in answer.text  # ...and refused
    client.post("/logout", data={"csrf": csrf})
    finance = sign_in(client, EMAILS[Role.FINANCE])
    for given in ({}, {"csrf": finance[:-2] + "xx"}):
        assert client.post(f"/invoices/{book.invoice_id}/correct", data={**form, **given}).status_code == 403
    assert state(runtime, book.invoice_id) == before
    client.cookies.clear()
    answer = client.post(
        f"/invoices/{book.invoice_id}/correct", data={**form, "csrf": "x"}, follow_redirects=False
    )
    assert (answer.status_code, answer.headers["location"]) == (303, "/login")
