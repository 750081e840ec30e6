"""The read API: invoices (filters, cursor pages), one invoice, the schedule and the accounts, on a book
built by hand, with the figures worked out here."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from starlette.testclient import TestClient

from agent.db import session_scope
from agent.models import Account
from agent.models.api_token import Scope
from agent.models.user import Role
from agent.runtime import Runtime
from agent.web.api.tokens import add_token
from agent.web.app import create_app
from agent.web.auth import add_user
from tests.helpers import credit, make_account, make_invoice, planned_invoice


@pytest.fixture
def client(runtime: Runtime) -> TestClient:
    at = runtime.clock.now()
    with session_scope(runtime.engine) as session:
        add_user(
            session, email="view@supplier.example", password="correct horse battery", role=Role.VIEWER, at=at
        )
        _token, secret = add_token(
            session, email="view@supplier.example", scopes=[Scope.READ], name="", at=at
        )
    return TestClient(create_app(runtime), headers={"Authorization": f"Bearer {secret}"})


def _pages(client: TestClient, query: str) -> list[list[str]]:
    """Every page of a listing, followed by its cursors: the invoice numbers (or names) of each."""
    pages, cursor = [], ""
    while True:
        answer = client.get(f"{query}&cursor={cursor}" if cursor else query)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        pages.append([item.get("number") or item.get("name") for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


def test_invoices_filtered_and_paged_by_cursor(runtime: Runtime, client: TestClient) -> None:
    at = runtime.clock.now()
    with session_scope(runtime.engine) as session:
        acme = make_account(session, "Acme", at=at)
        globex = make_account(session, "Globex", at=at)
        for number, due in (
            ("A-1", date(2026, 12, 1)),
            ("A-2", date(2026, 12, 1)),
            ("A-3", date(2026, 12, 5)),
        ):
            make_invoice(session, acme, number, "100.00", due=due, at=at)
        make_invoice(session, acme, "A-4", "50.00", due=date(2026, 11, 20), at=at, currency="USD")
        paid = make_invoice(session, globex, "G-1", "80.00", due=date(2026, 12, 3), at=at)
        paid.status = "paid"
        credit(session, acme, "AV-1", "30.00", at=at, referenced="A-1")
        acme_id = acme.id
    assert _pages(client, "/api/invoices?limit=2") == [["A-4", "A-1"], ["A-2", "G-1"], ["A-3"]]
    assert _pages(client, "/api/invoices?limit=2&status=open&currency=eur") == [["A-2", "A-3"]]
    assert _pages(client, "/api/invoices?status=partially_paid") == [["A-1"]]  # 30.00 of credit on it
    assert _pages(
        client, f"/api/invoices?limit=10&account={acme_id}&due_after=2026-11-20&due_before=2026-12-05"
    ) == [["A-1", "A-2"]]
    first = client.get("/api/invoices?limit=1&currency=EUR").json()["items"][0]
    assert (first["number"], first["amount_due"], first["balance"]) == ("A-1", "100.00", "70.00")
    detail = client.get(f"/api/invoices/{first['id']}").json()
    assert (detail["balance"], detail["contact_email"]) == ("70.00", "ap@acme.example")
    assert [(a["kind"], a["reference"], a["amount"]) for a in detail["allocations"]] == [
        ("credit_note", "AV-1", "30.00")
    ]
    assert client.get("/api/invoices/999").json() == {"error": "not_found", "message": "no invoice 999"}
    assert client.get("/api/invoices?cursor=%%%").status_code == 422
    assert client.get("/api/invoices?limit=501").status_code == 422


def test_accounts_with_contact_and_balances_per_currency(runtime: Runtime, client: TestClient) -> None:
    at = runtime.clock.now()
    with session_scope(runtime.engine) as session:
        acme = make_account(session, "Acme", at=at)
        make_invoice(session, acme, "A-1", "100.00", due=date(2026, 12, 1), at=at)
        make_invoice(session, acme, "A-2", "40.00", due=date(2026, 12, 9), at=at, currency="USD")
        credit(session, acme, "AV-1", "130.00", at=at)  # 100.00 used on A-1 (EUR), 30.00 left
        session.add(Account(name="Bolt", normalized_name="bolt", created_at=at))  # no contact, nothing owed
        for name in ("Cargo", "Delta", "Echo"):
            make_account(session, name, at=at)
    assert _pages(client, "/api/accounts?limit=2") == [["Acme", "Bolt"], ["Cargo", "Delta"], ["Echo"]]
    acme_row, bolt_row = client.get("/api/accounts?limit=2").json()["items"]
    assert acme_row["contact"] == {"name": "Alex Payer", "email": "ap@acme.example", "language": "fr"}
    assert acme_row["balances"] == [
        {"currency": "EUR", "open_invoices": 0, "owed": "0.00", "credit": "30.00", "net": "-30.00"},
        {"currency": "USD", "open_invoices": 1, "owed": "40.00", "credit": "0.00", "net": "40.00"},
    ]
    assert (bolt_row["contact"], bolt_row["balances"]) == (None, [])
    assert _pages(client, "/api/accounts?search=ELT") == [["Delta"]]


def test_the_schedule_of_the_next_days(runtime: Runtime, client: TestClient) -> None:
    planned_invoice(runtime, name="Acme", number="F-1", amount="1200.00", due=date(2026, 12, 2))
    planned_invoice(
        runtime, name="Globex", number="G-7", amount="80.00", due=date(2026, 12, 9), language="en"
    )
    whole = client.get("/api/schedule?days=60&limit=500").json()["items"]
    assert whole and all(item["state"] == "planned" for item in whole)
    assert [item["planned_at"] for item in whole] == sorted(item["planned_at"] for item in whole)
    paged = [
        item["reminder_id"]
        for page in _schedule_pages(client, "/api/schedule?days=60&limit=2")
        for item in page
    ]
    assert paged == [item["reminder_id"] for item in whole]
    first = whole[0]
    assert (first["invoice"], first["balance"], first["contact"]["email"]) == (
        "F-1",
        "1200.00",
        "ap@acme.example",
    )
    only_globex = client.get(f"/api/schedule?days=60&account={whole[-1]['account_id']}").json()["items"]
    assert {item["invoice"] for item in only_globex} == {whole[-1]["invoice"]}
    soon = client.get("/api/schedule?days=26").json()["items"]  # up to 28 Nov: F-1's first step only
    assert [(item["invoice"], item["step"]) for item in soon] == [("F-1", whole[0]["step"])]


def _schedule_pages(client: TestClient, query: str) -> list[list[dict[str, Any]]]:
    pages, cursor = [], None
    while True:
        body = client.get(query + (f"&cursor={cursor}" if cursor else "")).json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
