"""The stored schedule and the dispatcher: at most once, never after payment, never silently dropped."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlmodel import select

from agent.db import make_engine, session_scope
from agent.mail.maildir import MaildirOutbox
from agent.models import Contact, CreditNote, Invoice, Payment, Reminder
from agent.payments.importing import record_payment
from agent.reminders.dispatch import dispatch_due
from agent.reminders.schedule import plan_reminders
from agent.runtime import Runtime
from agent.settings import Settings
from tests.helpers import make_account, make_invoice, planned_invoice


def states(runtime: Runtime) -> dict[str, str]:
    with session_scope(runtime.engine) as session:
        return {r.step_name: r.state for r in session.exec(select(Reminder).order_by(Reminder.step))}


def test_steps_are_local_send_hour_across_daylight_saving(runtime: Runtime) -> None:
    planned_invoice(runtime, due=date(2026, 3, 31))  # Paris leaves winter time on 29 March 2026
    with session_scope(runtime.engine) as session:
        instants = {r.step_name: r.planned_at for r in session.exec(select(Reminder))}
    assert instants["courtesy"] == datetime(2026, 3, 27, 8, 0, tzinfo=UTC)  # Sat 28 -> Fri 27, 09:00 CET
    assert instants["due_today"] == datetime(2026, 3, 31, 7, 0, tzinfo=UTC)  # 09:00 CEST


@pytest.mark.parametrize(
    ("country", "language", "expected_due_step"),
    [
        (
            "FR",
            "fr",
            datetime(2026, 12, 24, 8, 0, tzinfo=UTC),
        ),  # due Fri 25 Dec (Christmas): back to Thu 24, 09:00 CET
        ("GB", "en", datetime(2026, 12, 24, 9, 0, tzinfo=UTC)),  # the same day at 09:00 in London
    ],
)
def test_holidays_and_time_zone_of_the_customer(
    runtime: Runtime, country: str, language: str, expected_due_step: datetime
) -> None:
    planned_invoice(runtime, due=date(2026, 12, 25), country=country, language=language)
    with session_scope(runtime.engine) as session:
        rows = {r.step_name: r for r in session.exec(select(Reminder))}
    assert rows["due_today"].planned_at == expected_due_step
    # +7 calendar days = Fri 1 Jan (New Year's Day, a holiday in both): forward to Mon 4 Jan
    assert rows["first_reminder"].planned_at.date() == date(2027, 1, 4)
    assert f"time zone {'Europe/Paris' if country == 'FR' else 'Europe/London'} from country {country}" in (
        rows["due_today"].reason or ""
    )


def test_german_holidays_are_not_french_ones(runtime: Runtime) -> None:
    # 26 December is a public holiday in Germany (2. Weihnachtstag), not in France; 2026-12-26 is a Saturday,
    # so use 2025-12-26 (a Friday).
    runtime.clock.set(datetime(2025, 11, 1, tzinfo=UTC))
    planned_invoice(runtime, name="Muster", number="R-1", due=date(2025, 12, 19), country="DE", language="de")
    planned_invoice(runtime, name="Dupont", number="F-1", due=date(2025, 12, 19), country="FR", language="fr")
    with session_scope(runtime.engine) as session:
        first = {
            r.invoice_id: r.planned_at.date()
            for r in session.exec(select(Reminder).where(Reminder.step == 2))
        }
    assert sorted(first.values()) == [
        date(2025, 12, 26),
        date(2025, 12, 29),
    ]  # FR sends on the 26th, DE waits


def test_business_day_offsets(runtime: Runtime, tmp_path: Path) -> None:
    workflows = tmp_path / "workflows"
    workflows.mkdir()
    (workflows / "standard.yaml").write_text(
        "name: standard\nsteps:\n"
        "  - {name: courtesy, offset_days: -3, days: business, template: courtesy}\n"
        "  - {name: first_reminder, offset_days: 5, days: business, template: first_reminder}\n"
    )
    runtime.settings.workflows_dir = workflows
    planned_invoice(runtime, due=date(2026, 12, 2))  # a Wednesday
    with session_scope(runtime.engine) as session:
        days = [r.planned_at.date() for r in session.exec(select(Reminder).order_by(Reminder.step))]
    assert days == [date(2026, 11, 27), date(2026, 12, 9)]  # Fri before, and Wed a week later


def test_a_step_due_at_night_waits_for_the_next_window(runtime: Runtime, settings: Settings) -> None:
    planned_invoice(runtime, due=date(2026, 12, 2))
    outbox = MaildirOutbox(settings.outbox_path)
    night = datetime(2026, 11, 27, 22, 30, tzinfo=UTC)  # Friday 23:30 in Paris
    (result,) = dispatch_due(runtime.engine, settings, outbox, now=night)
    assert (
        result.state == "planned"
        and result.reason == "outside the send window: moved to 2026-11-30 08:00 UTC"
    )
    assert outbox.messages() == []  # Monday 09:00 Paris, not Friday night, not the weekend
    sent = dispatch_due(runtime.engine, settings, outbox, now=datetime(2026, 11, 30, 8, 1, tzinfo=UTC))
    assert [r.state for r in sent] == ["sent"]


def test_past_steps_are_skipped_with_a_reason_and_the_latest_caught_up_once(runtime: Runtime) -> None:
    runtime.clock.set(datetime(2026, 12, 12, 10, 0, tzinfo=UTC))  # ten days after the due date
    planned_invoice(runtime, due=date(2026, 12, 2))
    with session_scope(runtime.engine) as session:
        rows = {r.step_name: r for r in session.exec(select(Reminder))}
    assert rows["courtesy"].state == rows["due_today"].state == "skipped"
    assert "passed before the invoice reached relance" in (rows["courtesy"].reason or "")
    assert rows["first_reminder"].state == "planned"
    assert rows["first_reminder"].planned_at == runtime.clock.now()
    assert rows["second_reminder"].state == "planned"


def test_each_step_goes_out_once_in_the_frozen_language(runtime: Runtime, settings: Settings) -> None:
    planned_invoice(runtime, language="de", country="DE", due=date(2026, 12, 2))
    outbox = MaildirOutbox(settings.outbox_path)
    at = datetime(2026, 11, 27, 8, 5, tzinfo=UTC)
    first = dispatch_due(runtime.engine, settings, outbox, now=at)
    again = dispatch_due(runtime.engine, settings, outbox, now=at)
    assert [d.state for d in first] == ["sent"] and again == []
    (message,) = outbox.messages()
    assert message["Subject"] == "Zahlungserinnerung: Rechnung F-1 fällig am 2. Dezember 2026"
    assert "1.200,00\u00a0€" in message.get_body().get_content()  # Babel, de_DE
    assert message["Message-ID"] == "<relance.reminder.1@supplier.example>"


def test_payment_before_the_send_cancels_the_step(runtime: Runtime, settings: Settings) -> None:
    invoice_id = planned_invoice(runtime, number="F-2026-0001")
    at = datetime(2026, 11, 27, 8, 5, tzinfo=UTC)
    with session_scope(runtime.engine) as session:
        payment = Payment(
            external_id="BANK-1",
            received_on=date(2026, 11, 28),
            amount=Decimal("1200.00"),
            currency="EUR",
            reference="VIR FACTURE F 2026 0001",
            created_at=at,
        )
        session.add(payment)
        session.flush()
        record_payment(session, payment, at=at, tolerance=settings.reminders.balance_tolerance)
        assert session.get(Invoice, invoice_id).status == "paid"  # type: ignore[union-attr]
    outbox = MaildirOutbox(settings.outbox_path)
    assert dispatch_due(runtime.engine, settings, outbox, now=datetime(2027, 2, 1, tzinfo=UTC)) == []
    assert outbox.messages() == []
    assert set(states(runtime).values()) == {"cancelled"}


def test_checks_right_before_sending(runtime: Runtime, settings: Settings) -> None:
    invoice_id = planned_invoice(runtime)
    with session_scope(runtime.engine) as session:
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None
        invoice.paused, invoice.pause_reason = True, "dispute about delivery"
        session.add(invoice)
    outbox = MaildirOutbox(settings.outbox_path)
    (result,) = dispatch_due(runtime.engine, settings, outbox, now=datetime(2026, 11, 27, 8, 5, tzinfo=UTC))
    assert result.state == "paused" and "dispute about delivery" in result.reason
    with session_scope(runtime.engine) as session:
        contact = session.exec(select(Contact)).one()
        contact.valid = False  # bounced
        session.add(contact)
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None
        invoice.paused = False
        session.add(invoice)
    (result,) = dispatch_due(runtime.engine, settings, outbox, now=datetime(2026, 12, 2, 8, 5, tzinfo=UTC))
    assert result.state == "paused" and result.reason == "no valid contact for the account"
    assert outbox.messages() == []


def test_unsupported_language_pauses_instead_of_guessing(runtime: Runtime) -> None:
    planned_invoice(runtime, language="ja", country="JP")
    with session_scope(runtime.engine) as session:
        rows = session.exec(select(Reminder)).all()
    assert {r.state for r in rows} == {"paused"}
    assert "no templates in the contact language" in (rows[0].reason or "")


class SlowOutbox(MaildirOutbox):
    def send(self, message: EmailMessage) -> None:
        threading.Event().wait(0.05)
        super().send(message)


def test_two_dispatchers_on_one_database_never_both_send(runtime: Runtime, settings: Settings) -> None:
    for index in range(12):
        planned_invoice(runtime, name=f"Customer {index}", number=f"F-{index}")
    outbox = SlowOutbox(settings.outbox_path)
    at = datetime(2026, 11, 27, 8, 5, tzinfo=UTC)  # the courtesy step of twelve invoices: 12 steps due
    engines = [make_engine(settings.effective_database_url) for _ in range(2)]  # two "processes"
    threads = [
        threading.Thread(target=dispatch_due, args=(engine, settings, outbox), kwargs={"now": at})
        for engine in engines
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [str(m["Message-ID"]) for m in outbox.messages()]
    assert len(ids) == 12 and len(set(ids)) == 12


class CrashAfterSend(MaildirOutbox):
    """The process dies right after the message left, before the step is marked sent."""

    def send(self, message: EmailMessage) -> None:
        super().send(message)
        raise KeyboardInterrupt("killed")


class CrashBeforeSend(MaildirOutbox):
    def send(self, message: EmailMessage) -> None:
        raise KeyboardInterrupt("killed")


@pytest.mark.parametrize(
    ("crashing_sender", "outcome"), [(CrashAfterSend, "sent"), (CrashBeforeSend, "ambiguous")]
)
def test_crash_between_send_and_mark_is_never_resent(
    runtime: Runtime, settings: Settings, crashing_sender: type[MaildirOutbox], outcome: str
) -> None:
    planned_invoice(runtime)
    at = datetime(2026, 11, 27, 8, 5, tzinfo=UTC)
    with pytest.raises(KeyboardInterrupt):
        dispatch_due(runtime.engine, settings, crashing_sender(settings.outbox_path), now=at)
    assert states(runtime)["courtesy"] == "sending"
    outbox = MaildirOutbox(settings.outbox_path)
    # Until the dead dispatcher's lease lapses its step is left alone (it might be a live one, mid-send).
    assert dispatch_due(runtime.engine, settings, outbox, now=at, sent_mail=outbox) == []
    assert states(runtime)["courtesy"] == "sending"
    after_lease = at + timedelta(seconds=settings.workers.lease_seconds)
    results = dispatch_due(runtime.engine, settings, outbox, now=after_lease, sent_mail=outbox)
    assert [r.state for r in results] == [outcome]
    assert states(runtime)["courtesy"] == outcome
    assert len(outbox.messages()) == (1 if outcome == "sent" else 0)  # never sent a second time


def test_planning_is_idempotent(runtime: Runtime) -> None:
    invoice_id = planned_invoice(runtime)
    with session_scope(runtime.engine) as session:
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None
        assert (
            plan_reminders(session, invoice=invoice, settings=runtime.settings, at=runtime.clock.now()) == []
        )
        assert len(session.exec(select(Reminder)).all()) == 5


def test_account_with_net_credit_is_not_chased(runtime: Runtime, settings: Settings) -> None:
    at = runtime.clock.now()
    with session_scope(runtime.engine) as session:
        account = make_account(session, "Creditor", at=at)
        invoice = make_invoice(session, account, "F-77", "100.00", due=date(2026, 12, 2), at=at)
        plan_reminders(session, invoice=invoice, settings=settings, at=at)
        # A credit note recorded but not yet applied: the account as a whole is owed money, not owing it.
        session.add(
            CreditNote(
                account_id=account.id or 0,
                number="AV-77",
                issue_date=at.date(),
                currency="EUR",
                total_gross=Decimal("500.00"),
                created_at=at,
            )
        )
    outbox = MaildirOutbox(settings.outbox_path)
    (result,) = dispatch_due(runtime.engine, settings, outbox, now=datetime(2026, 11, 27, 8, 5, tzinfo=UTC))
    assert result.state == "skipped" and result.reason == "the account's net balance is a credit"


def test_after_a_gap_only_the_latest_due_step_goes_out(runtime: Runtime, settings: Settings) -> None:
    planned_invoice(runtime, due=date(2026, 12, 2))
    outbox = MaildirOutbox(settings.outbox_path)
    # Down from before the courtesy note (29 Nov) until after the first reminder (9 Dec).
    results = dispatch_due(runtime.engine, settings, outbox, now=datetime(2026, 12, 10, 8, 5, tzinfo=UTC))
    assert [(r.state, r.reminder_id) for r in results] == [("skipped", 1), ("skipped", 2), ("sent", 3)]
    (message,) = outbox.messages()
    assert str(message["Subject"]).startswith("Relance : facture F-1")  # the first reminder, not the courtesy
    assert states(runtime) == {
        "courtesy": "skipped",
        "due_today": "skipped",
        "first_reminder": "sent",
        "second_reminder": "planned",
        "final_notice": "planned",
    }
    with session_scope(runtime.engine) as session:
        reasons = [r.reason for r in session.exec(select(Reminder).where(Reminder.state == "skipped"))]
    why = "while relance was not running; only the latest due step (first_reminder) goes out"
    assert reasons == [f"missed on 2026-11-27 {why}", f"missed on 2026-12-02 {why}"]


def test_a_step_under_its_minimum_amount_is_skipped(
    runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    workflows = tmp_path / "workflows"
    workflows.mkdir()
    (workflows / "standard.yaml").write_text(
        "name: standard\nsteps:\n"
        "  - {name: courtesy, offset_days: -3, template: courtesy, min_amount: '500.00'}\n"
        "  - {name: first_reminder, offset_days: 7, template: first_reminder}\n"
    )
    settings.workflows_dir = workflows
    planned_invoice(runtime, amount="120.00", due=date(2026, 12, 2))
    outbox = MaildirOutbox(settings.outbox_path)
    (result,) = dispatch_due(runtime.engine, settings, outbox, now=datetime(2026, 11, 27, 8, 5, tzinfo=UTC))
    assert result.state == "skipped"
    assert result.reason == "balance 120.00 EUR is under this step's minimum 500.00"
    assert outbox.messages() == []


def test_stale_payment_data_holds_reminders_until_a_fresh_sync(runtime: Runtime, settings: Settings) -> None:
    from agent.payments import mark_synced

    settings.reminders.max_payment_sync_age_hours = 24
    planned_invoice(runtime, due=date(2026, 12, 2))
    outbox = MaildirOutbox(settings.outbox_path)
    at = datetime(2026, 11, 27, 8, 5, tzinfo=UTC)
    (never,) = dispatch_due(runtime.engine, settings, outbox, now=at)
    assert (never.state, never.reason) == ("planned", "held: payments never synced")
    with session_scope(runtime.engine) as session:
        mark_synced(session, datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    (stale,) = dispatch_due(runtime.engine, settings, outbox, now=at)
    assert stale.reason == "held: payments last synced 48 h ago (limit 24 h)"
    assert outbox.messages() == []
    with session_scope(runtime.engine) as session:
        mark_synced(session, datetime(2026, 11, 27, 7, 0, tzinfo=UTC))
    (sent,) = dispatch_due(runtime.engine, settings, outbox, now=at)
    assert sent.state == "sent" and len(outbox.messages()) == 1
