"""Finance steers the schedule (pause, resume, skip, change of plan), and every change to an invoice's
steps, whatever its cause, is written down as a difference the review screen shows."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from agent.cli import app
from agent.db import session_scope
from agent.mail.maildir import MaildirOutbox
from agent.models import Invoice, Payment, Reminder
from agent.payments.importing import record_payment
from agent.reminders.changes import diff, schedule_changes
from agent.reminders.dispatch import dispatch_due
from agent.reminders.steering import ReviewRefused, find_invoice, pause, resume, set_plan, skip_step
from agent.runtime import Runtime
from agent.settings import Settings
from tests.helpers import make_account, make_invoice, planned_invoice

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # the clock fixture's instant


def steps(runtime: Runtime, invoice_id: int) -> dict[str, tuple[str, str]]:
    with session_scope(runtime.engine) as session:
        rows = session.exec(select(Reminder).where(Reminder.invoice_id == invoice_id).order_by(Reminder.step))
        return {f"{r.plan}/{r.step_name}": (r.state, f"{r.planned_at:%Y-%m-%d}") for r in rows}


def changes(runtime: Runtime, invoice_id: int) -> list[dict[str, object]]:
    with session_scope(runtime.engine) as session:
        return schedule_changes(session, invoice_id)


def test_diff_names_each_change() -> None:
    before = {
        "balance": "1200.00",
        "paused": False,
        "steps": {"a": {"state": "planned", "planned_at": "d1", "language": "fr", "template": "t"}},
    }
    after = {
        "balance": "900.00",
        "paused": False,
        "steps": {
            "a": {"state": "planned", "planned_at": "d2", "language": "de", "template": "t"},
            "b": {"state": "planned", "planned_at": "d3", "language": "de", "template": "u"},
        },
    }
    assert diff(before, after) == [
        {"what": "balance", "from": "1200.00", "to": "900.00"},
        {"step": "a", "what": "planned_at", "from": "d1", "to": "d2"},
        {"step": "a", "what": "language", "from": "fr", "to": "de"},
        {"step": "b", "what": "added", "to": after["steps"]["b"]},
    ]
    assert diff(after, after) == []


def test_pause_and_resume_by_finance(runtime: Runtime, settings: Settings, outbox: MaildirOutbox) -> None:
    invoice_id = planned_invoice(runtime, due=date(2026, 12, 2))
    with session_scope(runtime.engine) as session:
        invoice = find_invoice(session, "F-1")
        assert pause(session, invoice=invoice, at=NOW, reason="discount being negotiated", until=None) == 5
    assert {state for state, _ in steps(runtime, invoice_id).values()} == {"paused"}
    assert dispatch_due(runtime.engine, settings, outbox, now=datetime(2026, 12, 2, 8, 30, tzinfo=UTC)) == []
    assert outbox.messages() == []
    at = datetime(2026, 12, 10, 14, 0, tzinfo=UTC)  # Thursday afternoon: outside the 09:00-11:00 window
    with session_scope(runtime.engine) as session:
        invoice = find_invoice(session, "F-1")
        resumed = resume(session, invoice=invoice, settings=settings, at=at)
        # nothing went out; the steps meant for before the due date no longer make sense
        assert [r.step_name for r in resumed] == ["first_reminder", "second_reminder", "final_notice"]
        assert resumed[0].planned_at == at
        with pytest.raises(ReviewRefused, match="is not paused"):
            resume(session, invoice=invoice, settings=settings, at=at)
    (paused, resumed_change) = changes(runtime, invoice_id)
    assert paused["cause"] == "paused: by finance: discount being negotiated"
    assert {"step": "courtesy", "what": "state", "from": "planned", "to": "paused"} in paused["changes"]
    assert {"what": "paused", "from": False, "to": True} in paused["changes"]
    assert resumed_change["cause"] == "resumed: by finance"
    moved = [c for c in resumed_change["changes"] if c.get("what") == "planned_at"]
    assert len(moved) == 3  # every step keeps its spacing, shifted by the pause
    assert {"step": "due_today", "what": "state", "from": "paused", "to": "skipped"} in resumed_change[
        "changes"
    ]


def test_skip_one_step(runtime: Runtime) -> None:
    invoice_id = planned_invoice(runtime)
    with session_scope(runtime.engine) as session:
        invoice = find_invoice(session, "F-1")
        skip_step(
            session,
            invoice=invoice,
            step_name="courtesy",
            at=NOW,
            reason="the customer asked for no pre-due notes",
        )
        with pytest.raises(ReviewRefused, match="no step 'courtesy' waiting"):
            skip_step(session, invoice=invoice, step_name="courtesy", at=NOW, reason="again")
    assert steps(runtime, invoice_id)["standard/courtesy"][0] == "skipped"
    assert steps(runtime, invoice_id)["standard/due_today"][0] == "planned"
    (change,) = changes(runtime, invoice_id)
    assert change["changes"] == [{"step": "courtesy", "what": "state", "from": "planned", "to": "skipped"}]


def test_a_change_of_plan_never_sends_a_burst_or_the_same_letter_twice(
    runtime: Runtime, settings: Settings, outbox: MaildirOutbox
) -> None:
    invoice_id = planned_invoice(runtime, due=date(2026, 12, 2))
    for day in (27, 2):  # courtesy (27 Nov) and due_today (2 Dec) go out under the standard plan
        month = 11 if day == 27 else 12
        dispatch_due(runtime.engine, settings, outbox, now=datetime(2026, month, day, 8, 30, tzinfo=UTC))
    at = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    with session_scope(runtime.engine) as session:
        invoice = find_invoice(session, "F-1")
        assert set_plan(session, plan="firm", settings=settings, at=at, invoice=invoice) == [invoice]
        with pytest.raises(Exception, match="no plan named 'nonesuch'"):
            set_plan(session, plan="nonesuch", settings=settings, at=at, invoice=invoice)
    rows = steps(runtime, invoice_id)
    assert rows["standard/courtesy"][0] == rows["standard/due_today"][0] == "sent"
    assert {
        rows[f"standard/{name}"][0] for name in ("first_reminder", "second_reminder", "final_notice")
    } == {"cancelled"}
    assert rows["firm/due_today"][0] == "skipped"  # its date passed (and it went out already)
    assert rows["firm/first_reminder"] == (
        "skipped",
        "2026-12-07",
    )  # +3 is 5 Dec, a Saturday: Monday 7, 09:00
    assert rows["firm/second_reminder"] == ("planned", "2026-12-14")
    (change,) = [c for c in changes(runtime, invoice_id) if str(c["cause"]).startswith("plan changed")]
    assert change["cause"] == "plan changed: invoice F-1 set to firm by finance"
    assert {"step": "first_reminder", "what": "state", "from": "planned", "to": "cancelled"} in change[
        "changes"
    ]
    assert any(c["what"] == "added" and "second_reminder (firm" in c["step"] for c in change["changes"])


def test_an_accounts_plan_replans_its_invoices_without_their_own(
    runtime: Runtime, settings: Settings
) -> None:
    with session_scope(runtime.engine) as session:
        account = make_account(session, "Acme", at=NOW)
        own = make_invoice(session, account, "F-1", "100.00", due=date(2026, 12, 2), at=NOW)
        own.plan = "standard"
        follows = make_invoice(session, account, "F-2", "100.00", due=date(2026, 12, 2), at=NOW)
        replanned = set_plan(session, plan="gentle", settings=settings, at=NOW, account=account)
        assert [i.number for i in replanned] == ["F-2"] and follows.plan is None


def test_payments_and_credits_record_what_they_changed(runtime: Runtime, settings: Settings) -> None:
    invoice_id = planned_invoice(runtime)
    for external_id, amount in (("BANK-1", "200.00"), ("BANK-2", "1000.00")):
        with session_scope(runtime.engine) as session:
            payment = Payment(
                external_id=external_id, received_on=date(2026, 11, 20), amount=Decimal(amount),
                currency="EUR", reference="F-1", created_at=NOW,
            )  # fmt: skip
            session.add(payment)
            session.flush()
            record_payment(session, payment, numbers=("F-1",), at=NOW, tolerance=Decimal("1.00"))
    partial, settled = changes(runtime, invoice_id)
    assert partial["changes"] == [{"what": "balance", "from": "1200.00", "to": "1000.00"}]
    assert {"what": "balance", "from": "1000.00", "to": "0.00"} in settled["changes"]
    cancelled = [c for c in settled["changes"] if c.get("to") == "cancelled"]
    assert len(cancelled) == 5  # one event for the payment and the cancellation it caused
    assert "1000.00 EUR" in str(settled["cause"])


def test_the_review_commands(runtime: Runtime, settings: Settings) -> None:
    planned_invoice(runtime, name="Acme", number="F-9")
    planned_invoice(runtime, name="Other", number="F-9")
    runner = CliRunner()
    env = {"RELANCE_CONFIG": "", "RELANCE_DATA_DIR": str(settings.data_dir)}
    now = ["--now", "2026-11-03T10:00Z"]
    ambiguous = runner.invoke(app, ["pause", "F-9", "--reason", "x", *now], env=env)
    assert ambiguous.exit_code == 1 and "say which with --account" in ambiguous.output
    paused = runner.invoke(
        app, ["pause", "F-9", "--account", "Acme", "--reason", "call on Monday", *now], env=env
    )
    assert paused.exit_code == 0, paused.output
    assert "invoice F-9 paused: 5 step(s) held" in paused.output
    skipped = runner.invoke(
        app, ["skip", "F-9", "courtesy", "--account", "Other", "--reason", "x", *now], env=env
    )
    assert skipped.exit_code == 0, skipped.output
    shown = runner.invoke(app, ["history", "F-9", "--account", "Acme", "--json"], env=env)
    data = json.loads(shown.stdout)
    assert data["paused"] and data["pause_reason"] == "by finance: call on Monday"
    assert [c["cause"] for c in data["changes"]] == ["paused: by finance: call on Monday"]
    assert {row["state"] for row in data["steps"]} == {"paused"}
    text = runner.invoke(app, ["history", "F-9", "--account", "Acme"], env=env).output
    assert "courtesy: planned → paused" in text
    plan = runner.invoke(app, ["set-plan", "gentle", "--account", "Other", *now], env=env)
    assert plan.exit_code == 0 and "replanned: F-9" in plan.output
    with session_scope(runtime.engine) as session:
        assert len(session.exec(select(Invoice)).all()) == 2
