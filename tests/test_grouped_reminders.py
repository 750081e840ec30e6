"""One e-mail per contact for the invoices going out together, and what that changes downstream:
the last look, the schedule preview, and a reply that answers several invoices at once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from email.message import EmailMessage

from sqlmodel import col, select

from agent import views
from agent.db import session_scope
from agent.flow.service import Agent
from agent.mail.maildir import MaildirOutbox
from agent.models import Invoice, OutboundMessage, Payment, Reminder
from agent.payments.importing import record_payment
from agent.reminders.dispatch import DueStep, batches, dispatch_due
from agent.reminders.schedule import plan_reminders
from agent.runtime import Runtime
from agent.settings import Settings
from tests.conftest import make_email
from tests.helpers import make_account, make_invoice

COURTESY = datetime(2026, 11, 27, 8, 5, tzinfo=UTC)  # Fri 27 Nov: courtesy step of invoices due Wed 2 Dec


def two_customers(runtime: Runtime) -> dict[str, int]:
    """Other (G-1, due 2 Dec); Acme (F-1 and F-2 due 2 Dec, F-3 due 9 Dec). Other is planned first."""
    at = runtime.clock.now()
    ids = {}
    with session_scope(runtime.engine) as session:
        other = make_account(session, "Other", at=at)
        acme = make_account(session, "Acme", at=at)
        for account, number, amount, due in [
            (other, "G-1", "80.00", date(2026, 12, 2)),
            (acme, "F-2", "300.00", date(2026, 12, 2)),
            (acme, "F-1", "1200.00", date(2026, 12, 2)),
            (acme, "F-3", "50.00", date(2026, 12, 9)),
        ]:
            invoice = make_invoice(session, account, number, amount, due=due, at=at)
            plan_reminders(session, invoice=invoice, settings=runtime.settings, at=at)
            ids[number] = invoice.id or 0
    return ids


def to(outbox: MaildirOutbox, address: str) -> list[EmailMessage]:
    return [m for m in outbox.messages() if m["To"] == address]


def pay(runtime: Runtime, invoice_id: int, reference: str) -> None:
    at = runtime.clock.now()
    with session_scope(runtime.engine) as session:
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None
        payment = Payment(
            external_id=f"BANK-{reference}",
            received_on=at.date(),
            amount=invoice.amount_due,
            currency="EUR",
            reference=reference,
            created_at=at,
        )
        session.add(payment)
        session.flush()
        record_payment(session, payment, numbers=(invoice.number,), at=at, tolerance=Decimal("1.00"))
        assert invoice.status == "paid"


def test_invoices_of_one_contact_due_the_same_day_go_out_as_one_email(
    runtime: Runtime, settings: Settings, outbox: MaildirOutbox
) -> None:
    two_customers(runtime)
    results = dispatch_due(runtime.engine, settings, outbox, now=COURTESY)
    assert sorted(r.state for r in results) == ["sent", "sent", "sent"]
    (acme,) = to(outbox, "ap@acme.example")
    (other,) = to(outbox, "ap@other.example")
    assert acme["Subject"] == "Rappel : 2 factures arrivant à échéance"
    body = acme.get_body().get_content()  # type: ignore[union-attr]
    assert "d'un montant total de 1\u202f500,00\u00a0€" in body
    # listed by due date then number, each with its own balance; the invoice due later is not in it
    assert body.index("Facture F-1 du") < body.index("Facture F-2 du")
    assert "1\u202f200,00\u00a0€" in body and "300,00\u00a0€" in body and "F-3" not in body
    assert "Facture G-1" not in body and other["Subject"].startswith("Rappel : facture G-1 ")
    with session_scope(runtime.engine) as session:
        sent = session.exec(select(Reminder).where(Reminder.state == "sent")).all()
        by_id = {r.message_id for r in sent}
        assert len(sent) == 3 and by_id == {str(acme["Message-ID"]), str(other["Message-ID"])}
        assert len(session.exec(select(OutboundMessage)).all()) == 2
        assert any("in one e-mail listing 2 invoices" in (r.reason or "") for r in sent)


def test_the_schedule_preview_shows_the_same_grouping(runtime: Runtime, settings: Settings) -> None:
    two_customers(runtime)
    with session_scope(runtime.engine) as session:
        rows = views.schedule(session, settings, now=datetime(2026, 11, 26, tzinfo=UTC), days=2)
    courtesy = {row["invoice"]: row for row in rows if row["step"] == "courtesy"}
    assert set(courtesy) == {"G-1", "F-1", "F-2"}
    assert (
        courtesy["F-1"]["subject"] == courtesy["F-2"]["subject"] == "Rappel : 2 factures arrivant à échéance"
    )
    assert courtesy["F-1"]["same_email_as"] == ["F-2"] and courtesy["G-1"]["same_email_as"] == []


def test_a_grouped_email_listing_a_paid_invoice_is_never_sent(
    runtime: Runtime, settings: Settings, outbox: MaildirOutbox
) -> None:
    """F-1 is paid while the e-mail before Acme's is leaving: Acme's e-mail, which lists F-1, is held;
    F-1's step is withdrawn, F-2's goes out alone at the next run."""
    ids = two_customers(runtime)

    class PaysF1WhileSending:
        def __init__(self) -> None:
            self.paid = False

        def send(self, message: EmailMessage) -> None:
            outbox.send(message)
            if not self.paid:
                self.paid = True
                pay(runtime, ids["F-1"], "F-1")

    results = dispatch_due(runtime.engine, settings, PaysF1WhileSending(), now=COURTESY)
    assert [m["To"] for m in outbox.messages()] == ["ap@other.example"]  # and nothing to Acme
    with session_scope(runtime.engine) as session:
        state = {
            session.get(Invoice, r.invoice_id).number: r  # type: ignore[union-attr]
            for r in session.exec(select(Reminder).where(Reminder.step == 0))
        }
    assert state["F-1"].state == "cancelled" and "withdrawn before sending: balance 0.00" in (
        state["F-1"].reason or ""
    )
    assert state["F-2"].state == "planned" and state["F-2"].message_id is None
    assert "rewritten without it" in (state["F-2"].reason or "")
    assert {r.state for r in results} == {"sent", "cancelled", "planned"}
    dispatch_due(runtime.engine, settings, outbox, now=COURTESY.replace(minute=10))
    (acme,) = to(outbox, "ap@acme.example")
    assert acme["Subject"].startswith("Rappel : facture F-2 ")
    assert "F-1" not in acme.get_body().get_content()  # type: ignore[union-attr]


def test_a_reply_to_a_grouped_email_concerns_every_invoice_it_listed(
    agent: Agent, runtime: Runtime, settings: Settings, outbox: MaildirOutbox
) -> None:
    ids = two_customers(runtime)
    dispatch_due(runtime.engine, settings, outbox, now=COURTESY)
    (acme,) = to(outbox, "ap@acme.example")
    reply = make_email(
        sender="ap@acme.example",
        subject=f"Re: {acme['Subject']}",
        body="Bonjour, nous réglerons ces deux factures le 10 décembre. Cordialement",
        in_reply_to=str(acme["Message-ID"]),
        at=datetime(2026, 11, 27, 10, tzinfo=UTC),
    )
    runtime.inbox().deliver(reply)
    agent.tick(datetime(2026, 11, 27, 10, 5, tzinfo=UTC))
    with session_scope(runtime.engine) as session:
        invoices = {
            i.number: i for i in session.exec(select(Invoice).where(col(Invoice.id).in_(list(ids.values()))))
        }
    assert invoices["F-1"].paused and invoices["F-2"].paused
    assert invoices["F-1"].promised_for == invoices["F-2"].promised_for == date(2026, 12, 10)
    assert not invoices["F-3"].paused and not invoices["G-1"].paused


def test_batches_never_split_a_contacts_steps() -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    due = [DueStep(i, i, 0, "s", at, contact) for i, contact in enumerate([1, 2, 2, 3, 2, 4, None, None], 1)]
    assert batches(due, size=3) == [[1], [2, 3, 5], [4, 6, 7], [8]]  # contact 2: steps 2, 3 and 5
    flat = [step for batch in batches(due, size=2) for step in batch]
    assert sorted(flat) == list(range(1, 9))
