"""The weekly digest's figures, on a small book whose every line is known."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel import select

from agent.db import session_scope
from agent.models import Contact, Document, InboundMessage, Payment, Task
from agent.models.document import DocumentStatus
from agent.reminders.schedule import plan_reminders
from agent.runtime import Runtime
from agent.views.digest import iso_week, weekly_digest
from tests.helpers import make_account, make_invoice

MONDAY = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)  # 08:00 in Paris, before the 09:00 send window


def build_book(runtime: Runtime) -> None:
    at = MONDAY
    with session_scope(runtime.engine) as session:
        acme = make_account(session, "Acme", at=at)
        # Due Thursday: its courtesy step (3 days before) goes out today at 09:00, due_today on Thursday.
        soon = make_invoice(session, acme, "F-1", "1200.00", due=date(2026, 11, 5), at=at)
        # Due 2026-10-05: its final notice (30 days after) falls on Wednesday 2026-11-04.
        late = make_invoice(session, acme, "F-2", "5000.00", due=date(2026, 10, 5), at=at)
        # Due in a month: nothing next week.
        later = make_invoice(session, acme, "F-3", "90.00", due=date(2026, 12, 4), at=at)
        for invoice in (soon, late, later):
            plan_reminders(session, invoice=invoice, settings=runtime.settings, at=at)
        session.add(
            Task(kind="review", token="RL-T1", addressee="finance@x", title="check F-9", created_at=at)
        )
        inbound = InboundMessage(
            message_id="<m@x>", sender="finance@x", subject="s", raw_path="r", content_hash="h",
            thread_id="t", received_at=at,
        )  # fmt: skip
        session.add(inbound)
        session.flush()
        session.add(
            Document(
                inbound_id=inbound.id or 0, filename="scan.pdf", content_type="application/pdf",
                content_hash="d", raw_path="d", status=DocumentStatus.REVIEW, created_at=at,
            )
        )  # fmt: skip
        session.add(
            Payment(
                external_id="TX-77", received_on=date(2026, 10, 30), amount=Decimal("310.00"), currency="EUR",
                status="unmatched", created_at=at,
            )
        )  # fmt: skip
        bounced = session.exec(select(Contact).where(Contact.account_id == acme.id)).one()
        bounced.valid = False
        session.add(bounced)


def test_the_week_to_come_and_what_waits_for_finance(runtime: Runtime) -> None:
    build_book(runtime)
    with session_scope(runtime.engine) as session:
        digest = weekly_digest(session=session, settings=runtime.settings, now=MONDAY)
    assert digest.week == "2026-W45"
    per_day = dict(digest.coming_per_day)
    assert list(per_day) == [date(2026, 11, d) for d in range(2, 9)]
    # Monday: F-1's courtesy and F-2's second reminder (its day passed before we knew it: caught up now);
    # Wednesday: F-2's final notice; Thursday: F-1 due today.
    assert per_day[date(2026, 11, 2)] == 2
    assert per_day[date(2026, 11, 4)] == 1
    assert per_day[date(2026, 11, 5)] == 1
    assert digest.steps_coming == 4
    # Each invoice once, largest balance first, with its next step of the week.
    assert [(s.number, s.step, s.balance) for s in digest.largest] == [
        ("F-2", "second_reminder", Decimal("5000.00")),
        ("F-1", "courtesy", Decimal("1200.00")),
    ]
    assert [(s.number, s.step, s.day) for s in digest.final_notices] == [
        ("F-2", "final_notice", date(2026, 11, 4))
    ]
    assert [(w.what, w.label) for w in digest.waiting] == [
        ("task", "check F-9"),
        ("document", "scan.pdf"),
        ("payment", "TX-77"),
        ("contact", "ap@acme.example (Acme)"),
    ]
    assert digest.waiting[0].reference == "RL-T1"


def test_iso_weeks_across_the_year_end() -> None:
    assert iso_week(date(2026, 12, 28)) == "2026-W53"
    assert iso_week(date(2027, 1, 4)) == "2027-W01"
