"""What the workspace's tests share: a small book with a document, one user per role, and signing in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlmodel import select
from starlette.testclient import TestClient

from agent.db import session_scope
from agent.demo.pdfs import render_pdf
from agent.demo.scenario import demo_documents
from agent.models import Document, Invoice, Reminder
from agent.models.user import Role, User
from agent.runtime import Runtime
from agent.web.auth import hash_password
from tests.helpers import planned_invoice

PASSWORD = "correct horse battery"
EMAILS = {role: f"{role.value}@supplier.example" for role in Role}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass(frozen=True)
class Book:
    invoice_id: int  # Acme's F-1, due 2 Dec 2026, recorded from a PDF
    other_id: int  # Globex's G-7, an English customer
    reminder_id: int  # F-1's next planned step


def small_book(runtime: Runtime) -> Book:
    """Two customers with planned steps (the clock is 2 Nov 2026), F-1 with its source PDF, and a user of
    each role with the same password."""
    invoice_id = planned_invoice(runtime, name="Acme", number="F-1", amount="1200.00", due=date(2026, 12, 2))
    other_id = planned_invoice(
        runtime,
        name="Globex",
        number="G-7",
        amount="80.00",
        due=date(2026, 12, 9),
        language="en",
        country="GB",
    )
    pdf = render_pdf(demo_documents()["F-2026-0412"])
    digest, relative = runtime.store.put(pdf, ".pdf")
    with session_scope(runtime.engine) as session:
        document = Document(
            filename="F-1.pdf", content_type="application/pdf", content_hash=digest, raw_path=relative,
            kind="invoice", method="text", confidence=0.95, status="recorded",
            extraction={"source": "text", "number": "F-1", "confidence": {"number": 0.95}},
        )  # fmt: skip
        session.add(document)
        session.flush()
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None
        invoice.document_id = document.id
        session.add(invoice)
        for role, email in EMAILS.items():
            session.add(
                User(email=email, password_hash=password_hash(), role=role, created_at=runtime.clock.now())
            )
        first = session.exec(
            select(Reminder)
            .where(Reminder.invoice_id == invoice_id, Reminder.state == "planned")
            .order_by(Reminder.planned_at)
        ).first()
        assert first is not None
    return Book(invoice_id=invoice_id, other_id=other_id, reminder_id=first.id or 0)


@lru_cache(maxsize=1)
def password_hash() -> str:
    """PASSWORD's argon2 hash, made once: a hash takes a third of a second, on purpose."""
    return hash_password(PASSWORD)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form token"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's form token (read from the schedule page)."""
    token = csrf_of(client.get("/login").text)
    answer = client.post(
        "/login",
        data={"email": email, "password": password, "csrf": token, "next": "/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    page = client.get("/")
    assert page.status_code == 200
    return csrf_of(page.text)
