"""Credit notes: referenced invoice first, then oldest; partial; leftover credit; never chase a credit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import select

from agent.db import session_scope
from agent.ledger.records import account_net_balance, apply_available_credits, credit_remaining, open_balance
from agent.models import CreditNote, Invoice, Reminder
from agent.reminders.schedule import follow_money, plan_reminders
from agent.runtime import Runtime
from tests.helpers import credit, make_account, make_invoice


def test_referenced_invoice_first_then_oldest_then_leftover(runtime: Runtime) -> None:
    at = runtime.clock.now()
    with session_scope(runtime.engine) as session:
        account = make_account(session, "Acme", at=at)
        old = make_invoice(session, account, "F-1", "100.00", due=date(2026, 11, 10), at=at)
        newer = make_invoice(session, account, "F-2", "300.00", due=date(2026, 12, 10), at=at)
        made = credit(session, account, "AV-1", "450.00", at=at, referenced="F-2")
        assert [a.invoice_id for a in made] == [newer.id, old.id]  # type: ignore[attr-defined]
        assert open_balance(session, newer) == 0 and newer.status == "credited"
        assert open_balance(session, old) == 0
        note = session.exec(select(CreditNote)).one()
        assert credit_remaining(session, note) == Decimal("50.00")
        assert account_net_balance(session, account.id or 0) == Decimal("-50.00")
        third = make_invoice(session, account, "F-3", "80.00", due=date(2027, 1, 10), at=at)
        apply_available_credits(
            session,
            account_id=account.id or 0,
            at=at,
            tolerance=Decimal("1.00"),
            schedule=follow_money(session=session, at=at),
        )
        assert open_balance(session, third) == Decimal("30.00") and third.status == "partially_paid"
        assert credit_remaining(session, note) == 0


def test_exact_credit_cancels_every_pending_step(runtime: Runtime) -> None:
    at = runtime.clock.now()
    with session_scope(runtime.engine) as session:
        account = make_account(session, "Acme", at=at)
        invoice = make_invoice(session, account, "F-9", "240.00", due=date(2026, 12, 2), at=at)
        plan_reminders(session, invoice=invoice, settings=runtime.settings, at=at)
        credit(session, account, "AV-9", "240.00", at=at, referenced="F-9")
        states = {r.state for r in session.exec(select(Reminder).where(Reminder.invoice_id == invoice.id))}
        assert states == {"cancelled"}
        reasons = {r.reason for r in session.exec(select(Reminder))}
        assert reasons == {"invoice credited (balance 0.00)"}


def test_partial_credit_keeps_the_plan(runtime: Runtime) -> None:
    at = runtime.clock.now()
    with session_scope(runtime.engine) as session:
        account = make_account(session, "Acme", at=at)
        invoice = make_invoice(session, account, "F-5", "500.00", due=date(2026, 12, 2), at=at)
        plan_reminders(session, invoice=invoice, settings=runtime.settings, at=at)
        credit(session, account, "AV-5", "200.00", at=at)
        assert open_balance(session, invoice) == Decimal("300.00")
        assert session.get(Invoice, invoice.id).status == "partially_paid"  # type: ignore[union-attr]
        assert {r.state for r in session.exec(select(Reminder))} == {"planned"}
