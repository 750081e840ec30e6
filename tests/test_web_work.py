"""The workspace's daily-work pages over HTTP: documents to check, tasks, customers, intake, audit log, users.
Every route for each role; a viewer (and finance, on the users page) refused by the server on every
action with the session's valid token, nothing changed; and each action done through the same functions
as the e-mail answers and the CLI: a corrected document recorded and its layout taught, a contact given,
a dispute resolved, a customer paused and readdressed, a user added with a password shown once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select
from starlette.testclient import TestClient

from agent.db import session_scope
from agent.finance.tasks import request_review
from agent.flow.service import Agent
from agent.models import AuditEvent, Contact, Document, InboundMessage, Invoice, Layout, Reminder, Task, User
from agent.models.user import Role
from agent.reminders import steering
from agent.runtime import Runtime
from agent.web.app import create_app
from tests.conftest import FINANCE, make_email
from tests.test_document_review import odd_invoice
from tests.test_graph import deliver, invoice_pdf
from tests.web_helpers import EMAILS, PASSWORD, Book, sign_in, small_book


@dataclass(frozen=True)
class WorkBook:
    book: Book
    document_id: int  # F-2026-0501, in review: its due date is worded so that no reader finds it
    contact_task_id: int  # Boulangerie Dupont has no contact yet
    dispute_task_id: int  # Acme disputes F-1: paused, a task asks finance
    account_id: int  # Acme
    inbound_id: int


def work_book(runtime: Runtime) -> WorkBook:
    """The small book, plus what the mailbox brings: a document relance doubts, an invoice of a customer
    without a contact (both waiting for finance); and a customer's dispute."""
    book = small_book(runtime)
    deliver(runtime, make_email(files=[("F-0501.pdf", odd_invoice("F-2026-0501", date(2026, 12, 15)))]))
    deliver(runtime, make_email(files=[("F-0600.pdf", invoice_pdf("F-2026-0600", "500.00"))]))
    with Agent(runtime) as agent:
        agent.tick()
    at = runtime.clock.now()
    with session_scope(runtime.engine) as session:
        invoice = session.get(Invoice, book.invoice_id)
        assert invoice is not None
        steering.pause(session, invoice=invoice, at=at, reason="disputed by the customer", until=None)
        dispute = request_review(
            session, runtime.sender, runtime.settings, at=at, addressee=FINANCE,
            title="dispute from ap@acme.example on invoice F-1", reasons=["their words: “not delivered”"],
            account_id=invoice.account_id,
        )  # fmt: skip
        (document,) = session.exec(select(Document).where(Document.status == "review")).all()
        contact = session.exec(select(Task).where(Task.kind == "contact_request")).one()
        inbound = session.exec(select(InboundMessage).order_by(col(InboundMessage.id))).first()
        assert inbound is not None
        return WorkBook(
            book, document.id or 0, contact.id or 0, dispute.id or 0, invoice.account_id, inbound.id or 0
        )


@pytest.fixture
def work(runtime: Runtime) -> WorkBook:
    return work_book(runtime)


@pytest.fixture
def client(runtime: Runtime, work: WorkBook) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as test_client:
        yield test_client


def pages(w: WorkBook) -> list[str]:
    return [
        "/documents",
        f"/documents/{w.document_id}",
        f"/documents/{w.document_id}/file",
        "/tasks",
        "/tasks?state=awaiting_reply",
        "/tasks?state=open&q=acme",
        "/tasks?state=done",
        f"/tasks/{w.contact_task_id}",
        f"/tasks/{w.dispute_task_id}",
        "/accounts",
        "/accounts?q=acm",
        f"/accounts/{w.account_id}",
        "/intake",
        "/intake?status=waiting&q=supplier",
        f"/intake/{w.inbound_id}",
        f"/intake/{w.inbound_id}/raw",
        "/audit",
        "/audit?entity=invoice&action=paused&actor=finance&from=2026-11-01&to=2026-11-30",
    ]


def actions(w: WorkBook) -> dict[str, dict[str, str]]:
    """Every action of these pages, each with a form that would succeed."""
    return {
        f"/documents/{w.document_id}/confirm": {"f_due_date": "2026-12-15"},
        f"/tasks/{w.contact_task_id}/contact": {"email": "compta@dupont.example", "name": "Marie Dupont",
                                                 "language": "fr", "salutation": "ms"},
        f"/tasks/{w.dispute_task_id}/resolve": {"outcome": "resume", "note": "credit agreed by phone",
                                                 "invoice": str(w.book.invoice_id)},
        f"/accounts/{w.account_id}/contact": {"email": "ap@acme.example", "name": "Alex Payer",
                                               "language": "en", "timezone": "America/New_York"},
        f"/accounts/{w.account_id}/pause": {"reason": "in talks"},
        f"/accounts/{w.account_id}/resume": {},
    }  # fmt: skip


ADMIN_ACTIONS = {"/users": {"email": "new@supplier.example", "role": "viewer"}}


def state_of(runtime: Runtime) -> list[object]:
    """Everything an action may change: tasks, documents, contacts, invoices, steps, users."""
    with session_scope(runtime.engine) as session:
        return [
            [(t.id, t.status, t.resolution) for t in session.exec(select(Task).order_by(col(Task.id)))],
            [(d.id, d.status) for d in session.exec(select(Document).order_by(col(Document.id)))],
            [(c.id, c.email, c.language, c.valid, c.timezone) for c in session.exec(select(Contact))],
            [(i.id, i.status, i.paused) for i in session.exec(select(Invoice).order_by(col(Invoice.id)))],
            [(r.id, r.state, r.planned_at, r.language) for r in session.exec(select(Reminder))],
            [(u.email, u.role) for u in session.exec(select(User).order_by(col(User.email)))],
        ]


def test_every_page_and_action_needs_signing_in(client: TestClient, runtime: Runtime, work: WorkBook) -> None:
    before = state_of(runtime)
    for url in [*pages(work), "/users"]:
        answer = client.get(url, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), url
    for url, form in {**actions(work), **ADMIN_ACTIONS}.items():
        answer = client.post(url, data={**form, "csrf": "x"}, follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, "/login"), url
    assert state_of(runtime) == before


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reads_every_page(client: TestClient, work: WorkBook, role: Role) -> None:
    sign_in(client, EMAILS[role])
    for url in pages(work):
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.text[:500])
    raw = client.get(f"/intake/{work.inbound_id}/raw")
    assert raw.headers["content-disposition"].startswith("attachment")  # never shown as a page of ours
    assert raw.content.startswith(b"From:") or b"Message-ID" in raw.content
    users = client.get("/users", follow_redirects=False)
    assert users.status_code == (200 if role == Role.ADMIN else 403)
    assert ('href="/users"' in client.get("/").text) == (role == Role.ADMIN)
    document = client.get(f"/documents/{work.document_id}").text
    assert (f'action="/documents/{work.document_id}/confirm"' in document) == (role != Role.VIEWER)


def test_a_viewer_is_refused_every_action_by_the_server(
    client: TestClient, runtime: Runtime, work: WorkBook
) -> None:
    before = state_of(runtime)
    for role, refused in [(Role.VIEWER, {**actions(work), **ADMIN_ACTIONS}), (Role.FINANCE, ADMIN_ACTIONS)]:
        csrf = sign_in(client, EMAILS[role])
        for url, form in refused.items():
            answer = client.post(url, data={**form, "csrf": csrf}, follow_redirects=False)
            assert answer.status_code == 403 and "Your role does not allow this" in answer.text, (role, url)
    with session_scope(runtime.engine) as session:  # a user's id in a URL does not help either
        other = session.exec(select(User).where(User.email == EMAILS[Role.VIEWER])).one()
    for url, form in {f"/users/{other.id}/role": {"role": "admin"}, f"/users/{other.id}/remove": {}}.items():
        assert client.post(url, data={**form, "csrf": csrf}, follow_redirects=False).status_code == 403
    assert state_of(runtime) == before


def test_forms_without_their_token_are_refused(client: TestClient, runtime: Runtime, work: WorkBook) -> None:
    before = state_of(runtime)
    sign_in(client, EMAILS[Role.ADMIN])
    for url, form in {**actions(work), **ADMIN_ACTIONS}.items():
        answer = client.post(url, data={**form, "csrf": "stale"}, follow_redirects=False)
        assert answer.status_code == 403 and "This form has expired" in answer.text, url
    assert state_of(runtime) == before


def test_a_corrected_document_is_recorded_and_teaches_its_layout(
    client: TestClient, runtime: Runtime, work: WorkBook
) -> None:
    csrf = sign_in(client, EMAILS[Role.FINANCE])
    page = client.get(f"/documents/{work.document_id}").text
    form = dict(re.findall(r'name="(f_\w+)"[^>]*value="([^"]*)"', page))
    assert form["f_due_date"] == "" and form["f_amount_due"] == "1200.00"  # what was read, as one types it
    bad = client.post(
        f"/documents/{work.document_id}/confirm", data={**form, "f_due_date": "2026-10-01", "csrf": csrf}
    )
    assert bad.status_code == 409 and "Refused" in bad.text  # due before issue: the reply's own check
    assert 'value="2026-10-01"' in bad.text  # what the person typed stays in the form
    answer = client.post(
        f"/documents/{work.document_id}/confirm",
        data={**form, "f_due_date": "2026-12-15", "csrf": csrf},
        follow_redirects=False,
    )
    assert answer.headers["location"] == f"/documents/{work.document_id}?done=confirmed"
    shown = client.get(answer.headers["location"]).text
    assert "The invoice F-2026-0501 is recorded." in shown
    with session_scope(runtime.engine) as session:
        invoice = session.exec(select(Invoice).where(Invoice.number == "F-2026-0501")).one()
        assert invoice.due_date == date(2026, 12, 15)
        (layout,) = session.exec(select(Layout)).all()
        assert layout.validated_by == "person" and layout.fields["due_date"].startswith(
            "règlement attendu le"
        )
        task = session.exec(select(Task).where(Task.document_id == work.document_id)).one()
        assert task.status == "done" and task.details["closed_by"] == EMAILS[Role.FINANCE]
        assert task.resolution == f"confirmed by {EMAILS[Role.FINANCE]}, corrected: due_date"
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "workspace_confirmed")).one()
        assert event.detail["actor"] == EMAILS[Role.FINANCE]


def test_a_document_is_set_aside_with_a_reason(client: TestClient, runtime: Runtime, work: WorkBook) -> None:
    csrf = sign_in(client, EMAILS[Role.FINANCE])
    url = f"/documents/{work.document_id}/reject"
    assert client.post(url, data={"csrf": csrf, "reason": " "}).status_code == 409
    client.post(url, data={"csrf": csrf, "reason": "a duplicate of F-1"})
    with session_scope(runtime.engine) as session:
        document = session.get(Document, work.document_id)
        assert document is not None and document.status == "rejected"
        assert document.error == f"set aside by {EMAILS[Role.FINANCE]}: a duplicate of F-1"
    again = client.post(f"/documents/{work.document_id}/confirm", data={"csrf": csrf, "f_number": "X"})
    assert again.status_code == 409 and "not waiting for a check" in again.text


def test_a_contact_given_on_the_page_takes_the_email_answers_path(
    client: TestClient, runtime: Runtime, work: WorkBook
) -> None:
    csrf = sign_in(client, EMAILS[Role.FINANCE])
    url = f"/tasks/{work.contact_task_id}/contact"
    for wrong in [{"email": "not an address"}, {"email": "a@b.example", "language": "xx"},
                  {"email": "a@b.example", "salutation": "Dr Who"}]:  # fmt: skip
        assert client.post(url, data={"csrf": csrf, **wrong}).status_code == 409, wrong
    form = {"email": "Compta@Dupont.example", "name": "Marie Dupont", "language": "", "salutation": "ms"}
    answer = client.post(url, data={"csrf": csrf, **form}, follow_redirects=False)
    assert answer.headers["location"] == f"/tasks/{work.contact_task_id}?done=answered"
    with session_scope(runtime.engine) as session:
        contact = session.exec(select(Contact).where(Contact.email == "compta@dupont.example")).one()
        assert (contact.name, contact.salutation, contact.language, contact.language_inferred) == (
            "Marie Dupont", "ms", "fr", True,  # no language said: the country's, as for an e-mail answer
        )  # fmt: skip
        task = session.get(Task, work.contact_task_id)
        assert (
            task is not None and task.status == "done" and task.details["closed_by"] == EMAILS[Role.FINANCE]
        )
        invoice = session.exec(select(Invoice).where(Invoice.number == "F-2026-0600")).one()
        steps = session.exec(select(Reminder).where(Reminder.invoice_id == invoice.id)).all()
        assert steps and {s.language for s in steps} == {"fr"}  # the waiting message went on: planned
    assert client.post(url, data={"csrf": csrf, **form}).status_code == 409  # answered already
    done = client.get("/tasks?state=done").text
    assert "Contact needed for Boulangerie Dupont SARL" in done and EMAILS[Role.FINANCE] in done


def test_tasks_are_listed_in_the_state_of_their_life(client: TestClient, work: WorkBook) -> None:
    sign_in(client, EMAILS[Role.VIEWER])
    awaiting = client.get("/tasks?state=awaiting_reply").text  # e-mailed, nobody answered
    assert "Contact needed for Boulangerie Dupont SARL" in awaiting and "dispute from" in awaiting
    assert "dispute from" not in client.get("/tasks?state=open").text
    assert "digest" not in client.get("/tasks").text


def test_a_noted_reply_makes_a_task_one_to_do(client: TestClient, runtime: Runtime, work: WorkBook) -> None:
    with session_scope(runtime.engine) as session:
        session.add(AuditEvent(at=runtime.clock.now(), entity="task", entity_id=work.dispute_task_id,
                               action="reply_noted", message="Reply noted", detail={}))  # fmt: skip
    sign_in(client, EMAILS[Role.VIEWER])
    assert "dispute from" in client.get("/tasks?state=open").text
    assert "dispute from" not in client.get("/tasks?state=awaiting_reply").text


@pytest.mark.parametrize(
    ("outcome", "status", "paused", "steps"),
    [("resume", "open", False, "planned"), ("keep_paused", "open", True, "paused"),
     ("cancel_invoice", "cancelled", False, "cancelled")],
)  # fmt: skip
def test_a_dispute_is_resolved_from_the_page(
    client: TestClient, runtime: Runtime, work: WorkBook, outcome: str, status: str, paused: bool, steps: str
) -> None:
    csrf = sign_in(client, EMAILS[Role.FINANCE])
    url = f"/tasks/{work.dispute_task_id}/resolve"
    assert client.post(url, data={"csrf": csrf, "outcome": outcome}).status_code == 409  # no invoice ticked
    form = {"csrf": csrf, "outcome": outcome, "note": "agreed by phone", "invoice": str(work.book.invoice_id)}
    assert client.post(url, data=form, follow_redirects=False).status_code == 303
    with session_scope(runtime.engine) as session:
        invoice = session.get(Invoice, work.book.invoice_id)
        assert invoice is not None and (invoice.status, invoice.paused) == (status, paused)
        states = {r.state for r in session.exec(select(Reminder).where(Reminder.invoice_id == invoice.id))}
        assert steps in states and ("planned" in states) == (outcome == "resume")
        task = session.get(Task, work.dispute_task_id)
        assert task is not None and task.status == "done" and task.resolution and "F-1" in task.resolution
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "resolved")).one()
        assert event.detail["actor"] == EMAILS[Role.FINANCE]
    assert client.post(url, data=form).status_code == 409  # closed already


def test_a_contact_edit_readdresses_the_waiting_steps(
    client: TestClient, runtime: Runtime, work: WorkBook
) -> None:
    csrf = sign_in(client, EMAILS[Role.FINANCE])
    other = work.book.other_id  # Globex: planned steps, in English, at 09:00 London
    with session_scope(runtime.engine) as session:
        account_id = session.get(Invoice, other).account_id  # type: ignore[union-attr]
        before = {
            r.id: r.planned_at for r in session.exec(select(Reminder).where(Reminder.invoice_id == other))
        }
    url = f"/accounts/{account_id}/contact"
    assert client.post(url, data={"csrf": csrf, "email": "x", "language": "en"}).status_code == 409
    assert client.post(url, data={"csrf": csrf, "email": "a@b.example", "language": "en",
                                  "timezone": "Mars/Olympus"}).status_code == 409  # fmt: skip
    form = {"csrf": csrf, "email": "billing@globex.example", "name": "Pat Lee", "language": "fr",
            "salutation": "", "timezone": "America/New_York"}  # fmt: skip
    assert client.post(url, data=form, follow_redirects=False).status_code == 303
    with session_scope(runtime.engine) as session:
        contacts = session.exec(select(Contact).where(Contact.account_id == account_id)).all()
        assert [(c.email, c.valid) for c in contacts] == [
            ("ap@globex.example", False),
            ("billing@globex.example", True),
        ]
        moved = 0
        for reminder in session.exec(select(Reminder).where(Reminder.invoice_id == other)):
            if reminder.state == "planned":  # the same hour of the day, now in New York
                london = before[reminder.id or 0].astimezone(ZoneInfo("Europe/London")).replace(tzinfo=None)
                assert (
                    reminder.planned_at.astimezone(ZoneInfo("America/New_York")).replace(tzinfo=None)
                    == london
                )
                assert reminder.language == "fr"
                moved += 1
        assert moved >= 3


def test_a_customer_is_paused_and_resumed_whole(client: TestClient, runtime: Runtime, work: WorkBook) -> None:
    csrf = sign_in(client, EMAILS[Role.FINANCE])
    with session_scope(runtime.engine) as session:
        account_id = session.get(Invoice, work.book.other_id).account_id  # type: ignore[union-attr]
    client.post(f"/accounts/{account_id}/pause", data={"csrf": csrf, "reason": "in talks"})
    with session_scope(runtime.engine) as session:
        invoice = session.get(Invoice, work.book.other_id)
        assert (
            invoice is not None
            and invoice.paused
            and f"in talks ({EMAILS[Role.FINANCE]})" in str(invoice.pause_reason)
        )
    client.post(f"/accounts/{account_id}/resume", data={"csrf": csrf})
    with session_scope(runtime.engine) as session:
        invoice = session.get(Invoice, work.book.other_id)
        assert invoice is not None and not invoice.paused
    refused = client.post(f"/accounts/{account_id}/resume", data={"csrf": csrf})
    assert refused.status_code == 409 and "no paused invoice" in refused.text


def test_an_admin_adds_a_user_whose_password_is_shown_once(
    client: TestClient, runtime: Runtime, work: WorkBook
) -> None:
    csrf = sign_in(client, EMAILS[Role.ADMIN])
    answer = client.post("/users", data={"csrf": csrf, "email": "New@Supplier.example", "role": "finance"})
    assert answer.status_code == 200
    password = re.search(r'<code class="password">([^<]+)</code>', answer.text)
    assert password is not None
    assert "password" not in client.get("/users").text.split("<main")[1].split("Add a user")[0].lower()
    newcomer = TestClient(client.app)
    sign_in(newcomer, "new@supplier.example", password.group(1))
    with session_scope(runtime.engine) as session:
        added = session.exec(select(User).where(User.email == "new@supplier.example")).one()
        assert added.role == "finance" and password.group(1) not in added.password_hash
    client.post(f"/users/{added.id}/role", data={"csrf": csrf, "role": "viewer"})
    assert newcomer.get("/", follow_redirects=False).status_code == 303  # signed out by the role change
    client.post(f"/users/{added.id}/remove", data={"csrf": csrf})
    with session_scope(runtime.engine) as session:
        assert session.exec(select(User).where(User.email == "new@supplier.example")).first() is None
        me = session.exec(select(User).where(User.email == EMAILS[Role.ADMIN])).one()
    assert client.post(f"/users/{me.id}/remove", data={"csrf": csrf}).status_code == 409  # not oneself
    assert (
        client.post("/users", data={"csrf": csrf, "email": EMAILS[Role.VIEWER], "role": "viewer"}).status_code
        == 409
    )


def test_the_audit_log_filters_by_person_and_day(
    client: TestClient, runtime: Runtime, work: WorkBook
) -> None:
    csrf = sign_in(client, EMAILS[Role.FINANCE])
    client.post(f"/tasks/{work.dispute_task_id}/cancel", data={"csrf": csrf, "reason": "handled by phone"})
    page = client.get("/audit?actor=FINANCE@supplier").text
    assert "handled by phone" in page and "Asked compta@supplier.example" not in page
    assert "handled by phone" not in client.get("/audit?to=2026-11-01").text  # the day before
    assert (
        "handled by phone"
        in client.get("/audit?from=2026-11-02&to=2026-11-02&entity=task&action=cancelled").text
    )
    assert PASSWORD not in page


def test_the_read_models_run_on_postgresql(pg_runtime: Runtime) -> None:
    """The states worked out in SQL (EXISTS, CASE) and the actor read from the JSON detail, on PostgreSQL."""
    from agent.finance.task_answers import cancel_task
    from agent.views.account_list import account_page
    from agent.views.audit_log import AuditFilters, audit_page, count_audit
    from agent.views.intake import inbound_page
    from agent.views.review import review_queue
    from agent.views.task_list import state_counts, task_page

    work = work_book(pg_runtime)
    with session_scope(pg_runtime.engine) as session:
        assert state_counts(session)["awaiting_reply"] == 3  # the document's, the contact's, the dispute's
        assert {row["id"] for row in task_page(session, state="awaiting_reply")} >= {work.dispute_task_id}
        task = session.get(Task, work.dispute_task_id)
        assert task is not None
        cancel_task(
            session, task=task, reason="settled", by="marie@supplier.example", at=pg_runtime.clock.now()
        )
    with session_scope(pg_runtime.engine) as session:
        assert state_counts(session)["cancelled"] == 1
        mine = audit_page(session, AuditFilters(actor="MARIE"))
        assert [e["action"] for e in mine] == ["cancelled"] and count_audit(
            session, AuditFilters(actor="x@")
        ) == 0
        assert [r["id"] for r in review_queue(session)] == [work.document_id]
        assert any(row["contact"] is None for row in account_page(session))  # Boulangerie Dupont
        assert inbound_page(session)[0]["documents"]
