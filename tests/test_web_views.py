"""The read models behind the workspace: a fixed number of statements per page whatever the book's size,
filters that narrow, and an e-mail preview that is, word for word, the e-mail the dispatcher then sends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlmodel import Session, col, select

from agent import views
from agent.db import session_scope
from agent.mail.maildir import MaildirOutbox
from agent.models import Reminder
from agent.reminders.dispatch import dispatch_due
from agent.reminders.schedule import plan_reminders
from agent.runtime import Runtime
from tests.helpers import make_account, make_invoice, planned_invoice

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def book_of(runtime: Runtime, customers: int) -> None:
    """`customers` customers with two invoices each, due the same day (one e-mail per step for the pair)."""
    at = runtime.clock.now()
    with session_scope(runtime.engine) as session:
        for n in range(customers):
            account = make_account(session, f"Customer {n:03d}", at=at)
            for k in range(2):
                due = date(2026, 11, 20) + timedelta(days=n % 9)
                invoice = make_invoice(session, account, f"F-{n:03d}-{k}", "100.00", due=due, at=at)
                plan_reminders(session, invoice=invoice, settings=runtime.settings, at=at)


@contextmanager
def statements(runtime: Runtime) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(runtime.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(runtime.engine, "before_cursor_execute", count)


def page_statements(runtime: Runtime) -> tuple[int, int, int]:
    filters = views.ScheduleFilters(end=NOW + timedelta(days=60))
    with Session(runtime.engine) as session:
        with statements(runtime) as schedule:
            rows = views.schedule_page(
                session, runtime.settings, now=NOW, filters=filters, limit=50, offset=0
            )
        with statements(runtime) as invoices:
            listed = views.invoices(session, limit=50)
        with statements(runtime) as one:
            views.invoice_detail(session, runtime.settings, listed[-1]["id"])
    assert len(rows) == 50 and len(listed) == 50
    return len(schedule), len(invoices), len(one)


def test_the_pages_read_models_do_not_grow_with_the_book(runtime: Runtime) -> None:
    book_of(runtime, 30)  # 60 invoices, 300 steps
    small = page_statements(runtime)
    book_of_more = 150
    with session_scope(runtime.engine) as session:  # a second batch of customers, more than a page's worth
        at = runtime.clock.now()
        for n in range(book_of_more):
            account = make_account(session, f"More {n:03d}", at=at)
            invoice = make_invoice(session, account, f"M-{n:03d}", "50.00", due=date(2026, 11, 20), at=at)
            plan_reminders(session, invoice=invoice, settings=runtime.settings, at=at)
    assert page_statements(runtime) == small
    assert small[1] == 2  # the invoice list: the invoices with their customer, then their allocations


def test_the_schedule_page_knows_the_invoices_that_share_an_email_across_pages(runtime: Runtime) -> None:
    book_of(runtime, 30)
    filters = views.ScheduleFilters(end=NOW + timedelta(days=60))
    with Session(runtime.engine) as session:
        total = views.count_steps(session, filters)
        rows = [
            row
            for offset in range(0, total, 7)  # pages of 7: a pair of invoices is often cut in two
            for row in views.schedule_page(
                session, runtime.settings, now=NOW, filters=filters, limit=7, offset=offset
            )
        ]
    assert len(rows) == total == 300
    for row in rows:
        pair = row["invoice"][:-1] + ("1" if row["invoice"].endswith("0") else "0")
        assert row["same_email_as"] == [pair], row


def test_schedule_filters_and_search(runtime: Runtime) -> None:
    planned_invoice(runtime, name="Acme", number="F-1")  # due 2 Dec
    planned_invoice(runtime, name="Globex", number="G-7", language="en", country="GB", due=date(2026, 12, 9))
    end = NOW + timedelta(days=90)

    def invoices_for(**given: Any) -> set[str]:
        filters = views.ScheduleFilters(**({"end": end} | given))
        with Session(runtime.engine) as session:
            rows = views.schedule_page(
                session, runtime.settings, now=NOW, filters=filters, limit=50, offset=0
            )
            assert views.count_steps(session, filters) == len(rows)
        return {row["invoice"] for row in rows}

    assert invoices_for() == {"F-1", "G-7"}
    assert invoices_for(language="en") == {"G-7"}
    assert invoices_for(search="glob") == {"G-7"}
    assert invoices_for(search="f-1") == {"F-1"}
    assert invoices_for(plan="firm") == set()
    assert invoices_for(state="paused") == set()
    assert invoices_for(start=datetime(2026, 12, 1, tzinfo=UTC), end=datetime(2026, 12, 3, tzinfo=UTC)) == {
        "F-1"
    }


def test_the_preview_is_the_email_the_dispatcher_sends(runtime: Runtime) -> None:
    invoice_id = planned_invoice(runtime, name="Acme", number="F-1")
    planned_invoice(runtime, name="Globex", number="G-7", language="en", country="GB")
    with Session(runtime.engine) as session:
        steps = session.exec(
            select(Reminder).where(Reminder.invoice_id == invoice_id).order_by(col(Reminder.planned_at))
        ).all()
    outbox = MaildirOutbox(runtime.settings.outbox_path)
    for step in steps[:2]:  # the second answers the first: its preview carries the thread
        with Session(runtime.engine) as session:
            preview = views.email_preview(session, runtime.settings, reminder_id=step.id or 0, now=NOW)
        assert preview is not None and preview["would_send"]
        dispatch_due(runtime.engine, runtime.settings, runtime.sender, now=step.planned_at)
        sent = [m for m in outbox.messages() if m["To"] == "ap@acme.example"][-1]
        headers = dict(preview["headers"])
        for name in (
            "From",
            "To",
            "Reply-To",
            "Subject",
            "Date",
            "In-Reply-To",
            "References",
            "Content-Language",
        ):
            assert headers.get(name) == (str(sent[name]) if sent[name] is not None else None), name
        assert preview["body"] == sent.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "In-Reply-To" in headers  # the second step's preview did carry the thread


def test_a_held_step_says_why_and_writes_no_email(runtime: Runtime) -> None:
    invoice_id = planned_invoice(runtime, name="Acme", number="F-1", language=None)  # no contact yet
    with Session(runtime.engine) as session:
        step = session.exec(select(Reminder).where(Reminder.invoice_id == invoice_id)).first()
        assert step is not None
        preview = views.email_preview(session, runtime.settings, reminder_id=step.id or 0, now=NOW)
        assert views.email_preview(session, runtime.settings, reminder_id=999_999, now=NOW) is None
    assert preview is not None and not preview["would_send"] and preview["body"] is None
    assert preview["hold_reason"]
