"""The book page over HTTP, and the invoice list its numbers link to: every role reads them; each number
links to the list of the invoices it adds up (followed here, the balances added up again); the list's
CSV export carries its filters, neutralises formulas, is refused to a viewer by the server and audited."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from decimal import Decimal
from html import unescape

import pytest
from babel.numbers import format_currency
from sqlmodel import col, select
from starlette.testclient import TestClient

from agent.db import session_scope
from agent.models import Account, AuditEvent
from agent.models.user import Role, User
from agent.runtime import Runtime
from agent.web.app import create_app
from tests.test_book import NOW, aging_book
from tests.web_helpers import EMAILS, password_hash, sign_in

LINK = re.compile(r'<a href="(/invoices\?[^"]+)"[^>]*>([^<]+)</a>')


def add_users(runtime: Runtime) -> None:
    with session_scope(runtime.engine) as session:
        for role, email in EMAILS.items():
            session.add(User(email=email, password_hash=password_hash(), role=role, created_at=NOW))


@pytest.fixture
def ids(runtime: Runtime) -> dict[str, int]:
    found = aging_book(runtime)
    runtime.clock.set(NOW)  # type: ignore[attr-defined]
    add_users(runtime)
    return found


@pytest.fixture
def client(runtime: Runtime, ids: dict[str, int]) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as test_client:
        yield test_client


def listed(client: TestClient, href: str) -> tuple[list[str], Decimal]:
    """The invoice numbers a link lists, and their balances added up (the list's own money cells)."""
    page = client.get(unescape(href))
    assert page.status_code == 200, href
    numbers = re.findall(r'class="ident">([^<]+)</a>', page.text)
    cells = re.findall(r'<td class="num">([^<]+)</td>\s*<td>', page.text)  # the balance column
    total = sum((Decimal(re.sub(r"[^\d.]", "", c.replace(",", ""))) for c in cells), Decimal(0))
    return numbers, total


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_book_and_each_number_lists_its_invoices(client: TestClient, role: Role) -> None:
    sign_in(client, EMAILS[role])
    page = client.get("/book")
    assert page.status_code == 200
    html = page.text
    assert "The book at a glance" in html and "<svg" in html and "<script" not in html.split("</header>")[1]
    links = LINK.findall(html)
    assert len(links) > 15
    for href, shown in links:
        if "sent_from" in href:
            numbers, _ = listed(client, href)
            assert len(numbers) == int(shown), href  # one step per invoice
            continue
        numbers, total = listed(client, href)
        assert numbers, href
        if "owed=1" in href:  # money still owed: the list's balances add up to the number shown
            assert format_currency(total, "USD" if "USD" in href else "EUR", locale="en") == shown, href
    # Beta's disputed dollars: the one invoice behind it, the dispute read from the customer's reply
    beta = [h for h, s in links if "hold=disputed" in h and "account=" in h]
    assert [listed(client, h)[0] for h in beta] == [["F-2026-1005"]]


def test_one_currency_and_the_french_page(client: TestClient) -> None:
    csrf = sign_in(client, EMAILS[Role.VIEWER])
    usd = client.get("/book?currency=USD").text
    assert "Receivables in USD" in usd and "Receivables in EUR" not in usd
    client.post("/me/language", data={"csrf": csrf, "language": "fr", "next": "/book"})
    french = client.get("/book").text
    assert "Le portefeuille en un coup d’œil" in french
    assert "1\u202f480,00\xa0€" in french  # Babel's French money
    assert "jours de retard" in french  # the chart's legend in French too


def test_the_list_says_what_a_link_selects(client: TestClient, runtime: Runtime, ids: dict[str, int]) -> None:
    sign_in(client, EMAILS[Role.VIEWER])
    with session_scope(runtime.engine) as session:
        beta = session.exec(select(Account).where(Account.name == "Beta GmbH")).one()
    page = client.get(f"/invoices?owed=1&currency=USD&account={beta.id}&hold=aged&due_to=2026-11-04").text
    assert "Customer: Beta GmbH" in page and "Currency: USD" in page and "Still owed" in page
    assert "Due on or before Nov 4, 2026" in page
    assert re.findall(r'class="ident">([^<]+)</a>', page) == ["F-2026-1004"]  # not the disputed F-2026-1005
    # a search within it keeps the filters that came with the link
    assert 'type="hidden" name="hold" value="aged"' in page


def test_the_export_carries_the_filters_and_neutralises_formulas(
    client: TestClient, runtime: Runtime, ids: dict[str, int]
) -> None:
    with session_scope(runtime.engine) as session:
        account = session.exec(select(Account).where(Account.name == "Alpha SARL")).one()
        account.name = '=HYPERLINK("http://evil.example","Alpha")'
        session.add(account)
    csrf = sign_in(client, EMAILS[Role.FINANCE])
    page = client.get("/invoices?currency=EUR&owed=1").text
    assert 'action="/invoices/export"' in page and "Export 3 invoices as CSV" in page
    answer = client.post("/invoices/export", data={"csrf": csrf, "currency": "EUR", "owed": "1"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == 'attachment; filename="invoices-20261205-1100.csv"'
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert sorted(r["number"] for r in rows) == ["F-2026-1001", "F-2026-1002", "F-2026-1003"]  # G1 is paid
    alpha = next(r for r in rows if r["number"] == "F-2026-1002")
    assert alpha["customer"].startswith("'=HYPERLINK")  # a formula a spreadsheet would run: text now
    assert alpha["balance"] == "380.00" and alpha["currency"] == "EUR"
    with session_scope(runtime.engine) as session:
        (event,) = session.exec(select(AuditEvent).where(AuditEvent.action == "invoices_exported")).all()
    assert event.detail["actor"] == EMAILS[Role.FINANCE]
    assert event.detail["filters"] == {"currency": "EUR", "owed": "1"}


def test_a_viewer_is_refused_the_export_by_the_server(client: TestClient, runtime: Runtime) -> None:
    csrf = sign_in(client, EMAILS[Role.VIEWER])
    assert 'action="/invoices/export"' not in client.get("/invoices").text  # no button...
    answer = client.post("/invoices/export", data={"csrf": csrf})
    assert answer.status_code == 403 and "text/csv" not in answer.headers["content-type"]  # ...and refused
    assert client.post("/invoices/export", data={"csrf": "forged"}).status_code == 403
    with session_scope(runtime.engine) as session:
        events = session.exec(select(AuditEvent).where(col(AuditEvent.action) == "invoices_exported")).all()
    assert events == []


def test_signed_out_the_book_and_the_export_send_to_sign_in(client: TestClient) -> None:
    for url in ("/book", "/invoices?owed=1"):
        answer = client.get(url, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    answer = client.post("/invoices/export", data={"csrf": "x"}, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/login")


def test_relance_invoices_csv_from_the_command_line(runtime: Runtime, ids: dict[str, int]) -> None:
    from typer.testing import CliRunner

    from agent.cli import app

    with session_scope(runtime.engine) as session:
        account = session.exec(select(Account).where(Account.name == "Gamma Ltd")).one()
        account.name = "@SUM(1+1)*cmd|' /C calc'!A0"
        session.add(account)
    args = ["invoices", "--csv", "--state", "paid", "--data-dir", str(runtime.settings.data_dir)]
    shown = CliRunner().invoke(app, args, env={"RELANCE_CONFIG": "/nonexistent/relance.toml"})
    assert shown.exit_code == 0, shown.output
    (row,) = list(csv.DictReader(io.StringIO(shown.output)))
    assert (row["number"], row["status"], row["balance"]) == (
        "F-2026-1006",
        "paid",
        "0.00",
    )  # the 50.00 more is credit
    assert row["customer"] == "'@SUM(1+1)*cmd|' /C calc'!A0"  # text, not a formula; the amount a number
