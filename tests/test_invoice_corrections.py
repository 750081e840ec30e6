"""Correcting a recorded invoice (agent.reminders.corrections): the waiting steps follow the new due date,
amount or customer, a step already sent is never sent again, every correction is audited with the person
and recorded as a change with its cause, and a refused correction changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlmodel import Session, col, select

from agent.db import session_scope
from agent.models import Account, AuditEvent, Invoice, Reminder
from agent.payments.importing import import_lines
from agent.payments.lines import PaymentLine
from agent.reminders.corrections import Correction, correct_invoice
from agent.reminders.dispatch import dispatch_due
from agent.reminders.steering import ReviewRefused
from agent.runtime import Runtime
from tests.helpers import make_account, planned_invoice

WHO = "finance@supplier.example"


def steps(session: Session, invoice_id: int) -> list[tuple[str, str, str]]:
    rows = session.exec(select(Reminder).where(Reminder.invoice_id == invoice_id).order_by(col(Reminder.id)))
    return [(r.step_name, r.state, r.planned_at.date().isoformat()) for r in rows]


def correct(runtime: Runtime, invoice_id: int, correction: Correction, reason: str = "misread") -> dict:
    with session_scope(runtime.engine) as session:
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None
        return correct_invoice(
            session, invoice=invoice, correction=correction, settings=runtime.settings,
            at=runtime.clock.now(), actor=WHO, reason=reason,
        )  # fmt: skip


def sent_templates(runtime: Runtime, invoice_id: int) -> list[str]:
    with session_scope(runtime.engine) as session:
        rows = session.exec(
            select(Reminder.template).where(Reminder.invoice_id == invoice_id, Reminder.state == "sent")
        )
        return list(rows)


def test_a_later_due_date_moves_the_waiting_steps_and_never_resends_one(runtime: Runtime) -> None:
    invoice_id = planned_invoice(runtime, due=date(2026, 11, 20))  # clock: 2 Nov; courtesy on 17 Nov
    dispatch_due(
        runtime.engine, runtime.settings, runtime.sender, now=datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
    )
    assert sent_templates(runtime, invoice_id) == ["courtesy"]
    runtime.clock.set(datetime(2026, 11, 18, 10, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    changed = correct(
        runtime, invoice_id, Correction(due_date=date(2026, 12, 20)), "due date of the contract"
    )
    assert changed == {"due_date": (date(2026, 11, 20), date(2026, 12, 20))}
    with session_scope(runtime.engine) as session:
        now = steps(session, invoice_id)
        waiting = [(name, day) for name, state, day in now if state == "planned"]
        # the courtesy step of the new date (17 Dec) is skipped: that letter already went out
        assert waiting == [
            ("due_today", "2026-12-18"),  # 20 Dec is a Sunday: the business day before
            ("first_reminder", "2026-12-28"),
            ("second_reminder", "2027-01-04"),
            ("final_notice", "2027-01-19"),
        ]
        assert ("courtesy", "sent", "2026-11-17") in now and ("courtesy", "skipped", "2026-12-17") in now
        events = session.exec(select(AuditEvent).where(AuditEvent.entity_id == invoice_id)).all()
        corrected = [e for e in events if e.action == "corrected"]
        assert len(corrected) == 1 and corrected[0].detail["actor"] == WHO
        assert corrected[0].detail["changes"] == {"due_date": ["2026-11-20", "2026-12-20"]}
        causes = [e.detail["cause"] for e in events if e.action == "schedule_changed"]
        assert causes == [f"corrected by {WHO} (due_date 2026-11-20 → 2026-12-20): due date of the contract"]
    # the days of the next steps, and the old courtesy day again: each letter goes out once
    for day in ["2026-12-17", *(day for _, day in waiting[:2])]:
        at = datetime.fromisoformat(day).replace(hour=9, tzinfo=UTC)
        dispatch_due(runtime.engine, runtime.settings, runtime.sender, now=at)
    assert sent_templates(runtime, invoice_id) == ["courtesy", "due_today", "first_reminder"]


def test_an_amount_lowered_to_what_was_paid_settles_the_invoice(runtime: Runtime) -> None:
    invoice_id = planned_invoice(runtime, amount="1200.00")
    line = PaymentLine(
        external_id="BANK-1", received_on=date(2026, 11, 2), amount=Decimal("1000.00"), currency="EUR",
        reference="F-1", invoice_numbers=("F-1",),
    )  # fmt: skip
    with session_scope(runtime.engine) as session:
        import_lines(session, [line], source="csv", at=runtime.clock.now(), settings=runtime.settings,
                     sender=runtime.sender)  # fmt: skip
    with pytest.raises(ReviewRefused, match=r"1000\.00 EUR were already paid"):
        correct(runtime, invoice_id, Correction(amount_due=Decimal("900.00")))
    correct(runtime, invoice_id, Correction(amount_due=Decimal("1000.00")), "discount agreed")
    with session_scope(runtime.engine) as session:
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None and invoice.status == "paid" and invoice.total_gross == Decimal("1000.00")
        assert {state for _, state, _ in steps(session, invoice_id)} == {"cancelled"}
    # and raised again: reopened, its plan laid out again from now
    correct(runtime, invoice_id, Correction(amount_due=Decimal("1100.00")), "the discount was refused")
    with session_scope(runtime.engine) as session:
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None and invoice.status == "partially_paid"
        assert [name for name, state, _ in steps(session, invoice_id) if state == "planned"] == [
            "courtesy", "due_today", "first_reminder", "second_reminder", "final_notice",
        ]  # fmt: skip


def test_another_customer_writes_to_their_contact_in_their_language(runtime: Runtime) -> None:
    invoice_id = planned_invoice(runtime)
    with session_scope(runtime.engine) as session:
        right = make_account(session, "Globex Ltd", country="GB", language="en", at=runtime.clock.now())
        right_id = right.id
    with session_scope(runtime.engine) as session:
        account = session.get(Account, right_id)
        assert account is not None
        correct_invoice(
            session, invoice=session.get(Invoice, invoice_id), correction=Correction(account=account),  # type: ignore[arg-type]
            settings=runtime.settings, at=runtime.clock.now(), actor=WHO, reason="sent to the wrong customer",
        )  # fmt: skip
    with session_scope(runtime.engine) as session:
        planned = session.exec(
            select(Reminder).where(Reminder.invoice_id == invoice_id, Reminder.state == "planned")
        ).all()
        assert {r.language for r in planned} == {"en"} and len(planned) == 5
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None and invoice.account_id == right_id


def test_refused_corrections_change_nothing(runtime: Runtime) -> None:
    invoice_id = planned_invoice(runtime)
    planned_invoice(runtime, name="Acme", number="F-2")  # another Acme account (same name, its own id)
    with session_scope(runtime.engine) as session:
        before = steps(session, invoice_id)
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None
        other = session.exec(select(Invoice).where(Invoice.number == "F-2")).one()
        other_account = session.get(Account, other.account_id)
    refusals = [
        (Correction(), "misread", "nothing to correct"),
        (Correction(amount_due=Decimal("1200.00"), number="F-1"), "misread", "nothing to correct"),
        (Correction(amount_due=Decimal("0")), "misread", "more than zero"),
        (Correction(amount_due=Decimal("10.001")), "misread", "at most two decimals"),
        (Correction(due_date=date(2020, 1, 1)), "misread", "before the issue date"),
        (Correction(number="F-2", account=other_account), "misread", "already has an invoice numbered F-2"),
        (Correction(number="F-9"), "  ", "say why"),
    ]
    for correction, reason, why in refusals:
        with pytest.raises(ReviewRefused, match=why):
            correct(runtime, invoice_id, correction, reason)
    with session_scope(runtime.engine) as session:
        assert steps(session, invoice_id) == before
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None and (invoice.number, invoice.amount_due) == ("F-1", Decimal("1200.00"))
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "corrected")).all() == []
