"""The workspace over HTTP: every route for each role, the server refusing what a role may not do, CSRF,
session expiry and sign-out, sign-in throttling, security headers. A real application on the test's
database and clock (Starlette's TestClient drives it in-process)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import col, select
from starlette.testclient import TestClient

from agent.clock import FixedClock
from agent.db import session_scope
from agent.models import AuditEvent, Invoice, Reminder, WebSession
from agent.models.user import Role
from agent.runtime import Runtime
from agent.web.app import create_app
from agent.web.document_view import can_render
from tests.web_helpers import EMAILS, Book, csrf_of, sign_in, small_book


@pytest.fixture
def book(runtime: Runtime) -> Book:
    return small_book(runtime)


@pytest.fixture
def client(runtime: Runtime, book: Book) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as test_client:
        yield test_client


def pages(book: Book) -> list[str]:
    shown = [
        "/",
        "/?days=60&language=fr&q=F-1",
        "/invoices",
        "/invoices?q=acme&status=open",
        f"/invoices/{book.invoice_id}",
        f"/invoices/{book.other_id}",
        f"/invoices/{book.invoice_id}/document",
        f"/schedule/preview/{book.reminder_id}",
        f"/schedule/preview/{book.reminder_id}?fragment=1",
    ]
    return shown + ([f"/invoices/{book.invoice_id}/document/page-1.png"] if can_render() else [])


def actions(book: Book) -> dict[str, dict[str, str]]:
    """Every finance action with a form that would succeed (pause first: resume needs a paused invoice)."""
    base = f"/invoices/{book.invoice_id}"
    return {
        f"{base}/pause": {"reason": "customer called"},
        f"{base}/resume": {},
        f"{base}/skip": {"step": "first_reminder", "reason": "agreed by phone"},
        f"{base}/plan": {"plan": "gentle"},
    }


def steps_of(runtime: Runtime, invoice_id: int) -> list[tuple[str, str, str]]:
    with session_scope(runtime.engine) as session:
        rows = session.exec(
            select(Reminder).where(Reminder.invoice_id == invoice_id).order_by(col(Reminder.id))
        )
        return [(r.step_name, r.state, r.plan) for r in rows]


def test_every_page_and_action_needs_signing_in(client: TestClient, runtime: Runtime, book: Book) -> None:
    before = steps_of(runtime, book.invoice_id)
    for url in pages(book):
        answer = client.get(url, follow_redirects=False)
        if "fragment=1" in url:
            assert answer.status_code == 401, url  # the inline preview: the script reloads the page
        else:
            assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), url
    for url, form in actions(book).items():
        answer = client.post(url, data={**form, "csrf": "x"}, follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, "/login"), url
    assert steps_of(runtime, book.invoice_id) == before


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reads_every_page(client: TestClient, book: Book, role: Role) -> None:
    sign_in(client, EMAILS[role])
    for url in pages(book):
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.text[:500])
    invoice = client.get(f"/invoices/{book.invoice_id}").text
    assert ('action="/invoices/' in invoice) == (role != Role.VIEWER)  # the buttons follow the role...


def test_a_viewer_is_refused_every_action_by_the_server(
    client: TestClient, runtime: Runtime, book: Book
) -> None:
    csrf = sign_in(client, EMAILS[Role.VIEWER])
    before = steps_of(runtime, book.invoice_id)
    for url, form in actions(book).items():  # ...but the server decides, whatever the page showed
        answer = client.post(url, data={**form, "csrf": csrf}, follow_redirects=False)
        assert answer.status_code == 403, url
        assert "Your role does not allow this" in answer.text
    assert steps_of(runtime, book.invoice_id) == before
    with session_scope(runtime.engine) as session:
        invoice = session.get(Invoice, book.invoice_id)
        assert invoice is not None and not invoice.paused and invoice.plan is None


@pytest.mark.parametrize("role", [Role.FINANCE, Role.ADMIN])
def test_finance_and_admin_act_through_the_steering_functions(
    client: TestClient, runtime: Runtime, book: Book, role: Role
) -> None:
    csrf = sign_in(client, EMAILS[role])
    for url, form in actions(book).items():
        answer = client.post(url, data={**form, "csrf": csrf}, follow_redirects=False)
        assert answer.status_code == 303 and "?done=" in answer.headers["location"], (url, answer.text[:800])
    steps = steps_of(runtime, book.invoice_id)
    assert ("first_reminder", "skipped", "standard") in steps
    assert [s for s in steps if s[2] == "gentle" and s[1] == "planned"]  # the new plan's steps
    with session_scope(runtime.engine) as session:
        invoice = session.get(Invoice, book.invoice_id)
        assert invoice is not None and invoice.plan == "gentle" and not invoice.paused
        events = session.exec(
            select(AuditEvent).where(AuditEvent.entity_id == book.invoice_id).order_by(col(AuditEvent.id))
        ).all()
    who = [e.detail.get("actor") for e in events if e.action.startswith("workspace_")]
    assert who == [EMAILS[role]] * 4  # each action names the person who did it
    causes = [e.detail.get("cause", "") for e in events if e.action == "schedule_changed"]
    assert any(c.startswith("paused: by finance: customer called") and EMAILS[role] in c for c in causes)


def test_a_refused_action_shows_why_and_changes_nothing(
    client: TestClient, runtime: Runtime, book: Book
) -> None:
    csrf = sign_in(client, EMAILS[Role.FINANCE])
    before = steps_of(runtime, book.invoice_id)
    answer = client.post(f"/invoices/{book.invoice_id}/resume", data={"csrf": csrf})
    assert answer.status_code == 409 and "is not paused" in answer.text
    answer = client.post(f"/invoices/{book.invoice_id}/plan", data={"csrf": csrf, "plan": "no-such-plan"})
    assert answer.status_code == 409
    assert steps_of(runtime, book.invoice_id) == before


def test_pause_until_a_day_of_the_users_zone(client: TestClient, runtime: Runtime, book: Book) -> None:
    csrf = sign_in(client, EMAILS[Role.FINANCE])
    client.post(
        f"/invoices/{book.invoice_id}/pause", data={"csrf": csrf, "reason": "promise", "until": "2026-11-20"}
    )
    with session_scope(runtime.engine) as session:
        invoice = session.get(Invoice, book.invoice_id)
        assert invoice is not None and invoice.paused
        assert (
            invoice.paused_until is not None
            and invoice.paused_until.isoformat() == "2026-11-19T23:00:00+00:00"
        )


def test_forms_without_their_token_are_refused(client: TestClient, runtime: Runtime, book: Book) -> None:
    url, form = f"/invoices/{book.invoice_id}/pause", {"reason": "x"}
    other = TestClient(client.app)
    other_csrf = sign_in(other, EMAILS[Role.ADMIN])
    csrf = sign_in(client, EMAILS[Role.FINANCE])
    for given in [{}, {"csrf": ""}, {"csrf": csrf[:-2] + "xx"}, {"csrf": other_csrf}]:
        answer = client.post(url, data={**form, **given}, follow_redirects=False)
        assert answer.status_code == 403 and "This form has expired" in answer.text, given
    answer = client.post(url, data={**form, "csrf": csrf}, headers={"Origin": "https://evil.example"})
    assert answer.status_code == 403
    assert steps_of(runtime, book.invoice_id) == steps_of(runtime, book.invoice_id)
    with session_scope(runtime.engine) as session:
        invoice = session.get(Invoice, book.invoice_id)
        assert invoice is not None and not invoice.paused
    # Signing in takes the token of the sign-in form's own cookie.
    fresh = TestClient(client.app)
    fresh.get("/login")
    data = {"email": EMAILS[Role.ADMIN], "password": "correct horse battery", "csrf": "guessed"}
    assert fresh.post("/login", data=data, follow_redirects=False).status_code == 403


def test_a_session_ends_when_idle_and_after_its_maximum(
    client: TestClient, runtime: Runtime, book: Book, clock: FixedClock
) -> None:
    sign_in(client, EMAILS[Role.VIEWER])
    clock.advance(timedelta(minutes=59))
    assert client.get("/", follow_redirects=False).status_code == 200  # each request moves the deadline on
    clock.advance(timedelta(minutes=61))
    assert client.get("/", follow_redirects=False).status_code == 303
    with session_scope(runtime.engine) as session:
        assert session.exec(select(WebSession)).all() == []  # deleted, not only refused
    sign_in(client, EMAILS[Role.VIEWER])
    for _ in range(25):  # busy all day: still signed out after 12 hours
        clock.advance(timedelta(minutes=30))
        last = client.get("/", follow_redirects=False).status_code
    assert last == 303


def test_sign_out_ends_the_session_on_the_server(client: TestClient, book: Book) -> None:
    csrf = sign_in(client, EMAILS[Role.FINANCE])
    kept = client.cookies.get("relance_session")
    answer = client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/login")
    assert client.get("/", follow_redirects=False).status_code == 303
    client.cookies.clear()
    client.cookies.set("relance_session", kept or "")  # the old cookie, replayed
    assert client.get("/", follow_redirects=False).status_code == 303


def test_signing_in_always_makes_a_new_session(client: TestClient, runtime: Runtime, book: Book) -> None:
    sign_in(client, EMAILS[Role.VIEWER])
    first = client.cookies.get("relance_session")
    sign_in(client, EMAILS[Role.ADMIN])  # over the same browser's session
    second = client.cookies.get("relance_session")
    assert first and second and first != second
    client.cookies.clear()
    client.cookies.set("relance_session", first)
    assert client.get("/", follow_redirects=False).status_code == 303  # the replaced one is gone
    with session_scope(runtime.engine) as session:
        assert len(session.exec(select(WebSession)).all()) == 1


def test_sign_in_is_throttled_per_account(client: TestClient, book: Book, clock: FixedClock) -> None:
    def attempt(password: str) -> int:
        token = csrf_of(client.get("/login").text)
        data = {"email": EMAILS[Role.ADMIN], "password": password, "csrf": token}
        return client.post("/login", data=data, follow_redirects=False).status_code

    assert [attempt("wrong password!") for _ in range(5)] == [401] * 5
    assert attempt("correct horse battery") == 429  # even the right password waits
    clock.advance(timedelta(minutes=16))
    assert attempt("correct horse battery") == 303


def test_security_headers_and_cookies(runtime: Runtime, book: Book) -> None:
    with TestClient(create_app(runtime), base_url="https://workspace.example") as client:
        login = client.get("/login")
        assert "frame-ancestors 'none'" in login.headers["content-security-policy"]
        assert "script-src 'self';" in login.headers["content-security-policy"]
        assert login.headers["x-frame-options"] == "DENY"
        assert login.headers["strict-transport-security"]
        cookie = login.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie
        sign_in(client, EMAILS[Role.ADMIN])
        for url in ("/", f"/invoices/{book.invoice_id}", f"/schedule/preview/{book.reminder_id}"):
            html = client.get(url).text
            assert "<script>" not in html and "onclick" not in html and "style=" not in html, url
        document = client.get(f"/invoices/{book.invoice_id}/document")
        assert document.headers["content-security-policy"] == "frame-ancestors 'self'"
        assert document.headers["content-type"] == "application/pdf"


def test_a_user_reads_the_workspace_in_french(client: TestClient, book: Book) -> None:
    csrf = sign_in(client, EMAILS[Role.FINANCE])
    client.post("/me/language", data={"csrf": csrf, "language": "fr", "next": "/"})
    page = client.get("/?days=60").text
    assert "Échéancier" in page and "étapes à venir" in page
    assert "1\u202f200,00\xa0€" in page  # Babel's French money
    assert "Mercredi 2 décembre 2026" in page
