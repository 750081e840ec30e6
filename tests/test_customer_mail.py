"""What customers send back: promises to pay (kept and broken), out-of-office notices, bounces, and
the whole conversation through a real IMAP mailbox (Dovecot) and a real SMTP server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

import pytest
from babel.numbers import format_currency
from sqlmodel import select

from agent.clock import FixedClock
from agent.customers.reading import ReplyReading, read_reply, reconcile
from agent.db import session_scope
from agent.flow.service import Agent
from agent.ledger.records import open_balance
from agent.mail.maildir import MaildirOutbox
from agent.models import AuditEvent, Contact, Invoice, Payment, Reminder, Task
from agent.payments.importing import record_payment
from agent.runtime import Runtime
from agent.settings import MailboxSettings, OutgoingSettings, Settings
from tests.conftest import COMPANY, FINANCE, make_email
from tests.mail_samples import delivery_status_notification, out_of_office
from tests.servers.dovecot import PASSWORD, DovecotServer
from tests.servers.smtp import SmtpServer
from tests.test_graph import deliver, invoice_pdf, reply_to_task

CUSTOMER = "paul@dupont.example"


@pytest.mark.parametrize(
    ("text", "intent", "promised"),
    [
        ("Bonjour, je paierai le 15. Cordialement", "promise", date(2026, 12, 15)),
        ("Hello, payment will be made next Friday.", "promise", date(2026, 12, 11)),
        ("Wir werden am 20. Dezember überweisen.", "promise", date(2026, 12, 20)),
        ("Pagaremos a finales de mes.", "promise", date(2026, 12, 31)),
        ("Pagheremo entro fine mese.", "promise", date(2026, 12, 31)),
        ("Wij zullen de factuur volgende week betalen.", "promise", date(2026, 12, 18)),
        ("Faremos a transferencia dentro de 10 dias.", "promise", date(2026, 12, 19)),
        ("We'll pay on 2026-12-22, sorry for the delay.", "promise", date(2026, 12, 22)),
        ("We will pay soon.", "other", None),  # no date we can hold the plan on
        ("Nous ne paierons pas : la marchandise n'a jamais été reçue.", "dispute", None),
        ("Die Rechnung wurde bereits am 3. Dezember überwiesen.", "already_paid", None),
        ("La factura ya ha sido pagada.", "already_paid", None),
        ("Could you send the purchase order number?", "other", None),
    ],
)
def test_reading_replies_in_seven_languages(text: str, intent: str, promised: date | None) -> None:
    reading = read_reply(
        text + "\n\nOn 7 Dec 2026, Collections wrote:\n> pay by 12/12", written_on=date(2026, 12, 9)
    )
    assert (reading.intent, reading.promised_for) == (intent, promised)
    assert reading.words in text  # the decision keeps the customer's words, never the quoted reminder


def first_reminder(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox, number: str = "F-2026-0800"
) -> EmailMessage:
    deliver(runtime, make_email(files=[(f"{number}.pdf", invoice_pdf(number, "100.00"))]))
    agent.tick()
    deliver(runtime, reply_to_task(outbox, f"Paul, {CUSTOMER}, fr"))
    agent.tick(datetime(2026, 11, 27, 8, 30, tzinfo=UTC))  # the courtesy step (due date 2026-12-02)
    return next(m for m in outbox.messages() if m["To"] == CUSTOMER)


def customer_reply(reminder: EmailMessage, body: str, at: datetime) -> bytes:
    return make_email(
        sender=CUSTOMER,
        subject=f"Re: {reminder['Subject']}",
        body=body,
        in_reply_to=str(reminder["Message-ID"]),
        at=at,
    )


def sent_to_customer(outbox: MaildirOutbox) -> list[str]:
    return [str(m["Subject"]) for m in outbox.messages() if m["To"] == CUSTOMER]


def states(runtime: Runtime) -> dict[str, str]:
    with session_scope(runtime.engine) as session:
        return {r.step_name: r.state for r in session.exec(select(Reminder))}


def test_a_kept_promise_stops_the_plan(agent: Agent, runtime: Runtime, outbox: MaildirOutbox) -> None:
    reminder = first_reminder(agent, runtime, outbox)
    deliver(
        runtime, customer_reply(reminder, "Je paierai le 10 décembre.", datetime(2026, 11, 28, 9, tzinfo=UTC))
    )
    agent.tick(datetime(2026, 11, 28, 9, 5, tzinfo=UTC))
    with session_scope(runtime.engine) as session:
        invoice = session.exec(select(Invoice)).one()
        assert invoice.paused and invoice.promised_for == date(2026, 12, 10)
        assert invoice.paused_until == datetime(2026, 12, 14, tzinfo=UTC)  # the date + 3 days of grace
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "customer_promise")).one()
        assert event.detail["words"] == "Je paierai le 10 décembre."
    agent.tick(datetime(2026, 12, 2, 8, 30, tzinfo=UTC))  # due date: nothing goes out
    assert len(sent_to_customer(outbox)) == 1
    with session_scope(runtime.engine) as session:
        invoice = session.exec(select(Invoice)).one()
        payment = Payment(
            external_id="BANK-77", received_on=date(2026, 12, 10), amount=invoice.amount_due, currency="EUR",
            reference=invoice.number, created_at=datetime(2026, 12, 11, tzinfo=UTC),
        )  # fmt: skip
        session.add(payment)
        session.flush()
        record_payment(session, payment, at=datetime(2026, 12, 11, tzinfo=UTC), tolerance=Decimal("1.00"))
    for day in (15, 20, 31):
        agent.tick(datetime(2026, 12, day, 8, 30, tzinfo=UTC))
    assert len(sent_to_customer(outbox)) == 1
    assert set(states(runtime).values()) == {"sent", "cancelled"}


def test_a_broken_promise_resumes_one_step_firmer(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox
) -> None:
    reminder = first_reminder(agent, runtime, outbox)
    deliver(
        runtime,
        customer_reply(
            reminder, "Nous réglerons la facture le 20 décembre.", datetime(2026, 11, 30, tzinfo=UTC)
        ),
    )
    for day in (30,):
        agent.tick(datetime(2026, 11, day, 9, 0, tzinfo=UTC))
    for day in (2, 9, 17, 23):  # due_today (12-02) and first_reminder (12-09) fall inside the promise
        agent.tick(datetime(2026, 12, day, 8, 30, tzinfo=UTC))
    assert len(sent_to_customer(outbox)) == 1
    report = agent.tick(datetime(2026, 12, 24, 0, 5, tzinfo=UTC))  # 20 + 3 days of grace have passed
    assert report.promises_broken == ["F-2026-0800"]
    agent.tick(datetime(2026, 12, 24, 8, 30, tzinfo=UTC))  # the next window in Paris
    subjects = sent_to_customer(outbox)
    assert len(subjects) == 2  # one step, not the three the promise held back
    with session_scope(runtime.engine) as session:
        sent = session.exec(select(Reminder).where(Reminder.state == "sent").order_by(Reminder.step)).all()
        # the step after the last one sent that still makes sense: "falls due on 2 December" does not
        assert [r.step_name for r in sent] == ["courtesy", "first_reminder"]
        skipped = session.exec(select(Reminder).where(Reminder.step_name == "due_today")).one()
        assert skipped.state == "skipped" and "passed while paused" in (skipped.reason or "")
        later = session.exec(select(Reminder).where(Reminder.step_name == "second_reminder")).one()
        # spacing kept: 8 days after, as in the plan (the dispatcher then moves it past New Year's Day)
        assert later.state == "planned" and later.planned_at.date() == date(2027, 1, 1)
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "promise_broken")).one()


def test_an_out_of_office_with_a_return_date_postpones_the_next_step(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox
) -> None:
    reminder = first_reminder(agent, runtime, outbox)
    deliver(
        runtime,
        out_of_office(
            sender=CUSTOMER, in_reply_to=str(reminder["Message-ID"]), subject="Absence du bureau",
            body="Je suis absent jusqu'au 4 décembre inclus. Retour le 5 décembre.",
        ),
    )  # fmt: skip
    agent.tick(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    agent.tick(datetime(2026, 12, 2, 8, 30, tzinfo=UTC))
    assert len(sent_to_customer(outbox)) == 1  # not on the due date: they are away
    with session_scope(runtime.engine) as session:
        step = session.exec(select(Reminder).where(Reminder.step_name == "due_today")).one()
        assert step.reason == f"postponed: {CUSTOMER} is away until 2026-12-05 (out-of-office)"
        assert [t.kind for t in session.exec(select(Task))] == ["contact_request"]  # no task for a robot
    agent.tick(datetime(2026, 12, 7, 8, 30, tzinfo=UTC))  # Monday after their return
    assert len(sent_to_customer(outbox)) == 2


def test_a_bounce_invalidates_the_contact_and_a_new_one_resumes_the_plan(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox
) -> None:
    reminder = first_reminder(agent, runtime, outbox)
    deliver(runtime, delivery_status_notification(original=reminder, recipient=CUSTOMER))
    agent.tick(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Contact)).one().valid is False
        assert set(states(runtime).values()) == {"sent", "paused"}
        task = session.exec(select(Task).where(Task.status == "open")).one()
        assert task.kind == "contact_request" and "5.1.1" in task.details["problem"]
    (request,) = [
        m for m in outbox.messages() if m["Message-ID"] == task.message_id
    ]  # (a Maildir has no order)
    assert "ne fonctionne plus" in request.get_content() and "User unknown" in request.get_content()
    agent.tick(datetime(2026, 12, 2, 8, 30, tzinfo=UTC))
    assert len(sent_to_customer(outbox)) == 1  # nothing to a dead address
    answer = make_email(
        sender=FINANCE, subject=f"Re: {request['Subject']}", body="Paul Dupont, compta@dupont.example, fr",
        in_reply_to=str(request["Message-ID"]),
    )  # fmt: skip
    deliver(runtime, answer)
    agent.tick(datetime(2026, 12, 3, 8, 30, tzinfo=UTC))  # "falls due on 2 December" is skipped now
    assert [m for m in outbox.messages() if m["To"] == "compta@dupont.example"] == []
    # A changed address is used only once finance confirms it, by replying to a new task's e-mail.
    with session_scope(runtime.engine) as session:
        new = session.exec(select(Contact).where(Contact.email == "compta@dupont.example")).one()
        assert new.valid is False
        confirm = session.exec(select(Task).where(Task.status == "open")).one()
        assert confirm.title == "confirm the new address compta@dupont.example for Boulangerie Dupont SARL"
    agent.tick(datetime(2026, 12, 9, 8, 30, tzinfo=UTC))
    assert [m for m in outbox.messages() if m["To"] == "compta@dupont.example"] == []  # not confirmed yet
    (question,) = [m for m in outbox.messages() if m["Message-ID"] == confirm.message_id]
    subject, question_id = f"Re: {question['Subject']}", str(question["Message-ID"])
    deliver(runtime, make_email(sender=FINANCE, subject=subject, body="OK", in_reply_to=question_id))
    agent.tick(datetime(2026, 12, 9, 8, 40, tzinfo=UTC))  # the first reminder, on its date, to the new one
    resent = [m for m in outbox.messages() if m["To"] == "compta@dupont.example"]
    assert len(resent) == 1 and "F-2026-0800" in str(resent[0]["Subject"]) + resent[0].get_content()
    assert str(resent[0]["Subject"]).startswith("Relance : facture F-2026-0800")


def test_a_temporary_failure_changes_nothing(agent: Agent, runtime: Runtime, outbox: MaildirOutbox) -> None:
    reminder = first_reminder(agent, runtime, outbox)
    deliver(
        runtime,
        delivery_status_notification(original=reminder, recipient=CUSTOMER, status="4.2.2", action="delayed"),
    )
    agent.tick(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Contact)).one().valid is True
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "delivery_delayed")).one()


@pytest.fixture
def mail_runtime(
    dovecot: DovecotServer, smtp_server: SmtpServer, tmp_path: Path
) -> Iterator[tuple[Runtime, MailboxSettings]]:
    """The agent's runtime on a fresh Dovecot mailbox, sending through the SMTP server."""
    mailbox = MailboxSettings(
        kind="imap", host="127.0.0.1", port=dovecot.imap_port, security="none",
        user=f"agent-{uuid.uuid4().hex[:8]}@example.test", password=PASSWORD,
    )  # fmt: skip
    outgoing = OutgoingSettings(kind="smtp", host="127.0.0.1", port=smtp_server.port, security="none")
    settings = Settings(data_dir=tmp_path / "data", company=COMPANY, mailbox=mailbox, outgoing=outgoing)
    runtime = Runtime.open(settings, FixedClock(datetime(2026, 11, 2, 8, 0, tzinfo=UTC)))
    yield runtime, mailbox
    runtime.engine.dispose()


def test_the_whole_conversation_through_imap_and_smtp(
    mail_runtime: tuple[Runtime, MailboxSettings], smtp_server: SmtpServer
) -> None:
    """Forwarded invoice -> task e-mail to finance -> finance's reply -> contact -> first reminder ->
    the customer's promise -> then a bounce; every message through Dovecot and the SMTP server."""
    from tests.test_imap import append

    runtime, mailbox = mail_runtime
    received = smtp_server.received.messages
    with Agent(runtime) as agent:
        append(mailbox, make_email(files=[("F-2026-0800.pdf", invoice_pdf("F-2026-0800", "100.00"))]))
        agent.tick()
        (request,) = [m for m in received if m["To"] == FINANCE]
        append(
            mailbox,
            make_email(
                sender=FINANCE, subject=f"Re: {request['Subject']}", body=f"Paul, {CUSTOMER}, français",
                in_reply_to=str(request["Message-ID"]),
            ),
        )  # fmt: skip
        agent.tick(datetime(2026, 11, 27, 8, 30, tzinfo=UTC))
        (reminder,) = [m for m in received if m["To"] == CUSTOMER]
        assert reminder["Content-Language"] == "fr"
        append(
            mailbox,
            customer_reply(reminder, "Je paierai le 10 décembre.", datetime(2026, 11, 28, tzinfo=UTC)),
        )
        agent.tick(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
        with session_scope(runtime.engine) as session:
            assert session.exec(select(Invoice)).one().promised_for == date(2026, 12, 10)
        append(mailbox, delivery_status_notification(original=reminder, recipient=CUSTOMER))
        agent.tick(datetime(2026, 11, 28, 9, 30, tzinfo=UTC))
        with session_scope(runtime.engine) as session:
            assert session.exec(select(Contact)).one().valid is False
        new_request = [m for m in received if m["To"] == FINANCE][-1]
        assert new_request["Message-ID"] != request["Message-ID"] and CUSTOMER in new_request.get_content()
        agent.tick(datetime(2026, 12, 20, 8, 30, tzinfo=UTC))
    assert [m["To"] for m in received].count(CUSTOMER) == 1


def test_credit_notes_duplicates_and_a_forged_reply_through_imap_and_smtp(
    mail_runtime: tuple[Runtime, MailboxSettings], smtp_server: SmtpServer
) -> None:
    """Two customers of one supplier through Dovecot and SMTP: one invoice cancelled exactly by a
    credit note (nothing may reach that customer), one partly credited (its reminders ask for the
    rest); the same invoice forwarded twice; a forged answer to a task from an outsider."""
    from tests.test_graph import Party
    from tests.test_imap import append

    other = Party("Northwind Trading Ltd", ("1 Baker Street", "London", "United Kingdom"), "GB314159228")
    runtime, mailbox = mail_runtime
    received = smtp_server.received.messages
    cancelled_pdf = invoice_pdf("F-2026-0600", "500.00")
    with Agent(runtime) as agent:
        append(mailbox, make_email(files=[("F-0600.pdf", cancelled_pdf)]))
        append(mailbox, make_email(subject="Fwd: again", files=[("copy of F-0600.pdf", cancelled_pdf)]))
        append(
            mailbox,
            make_email(files=[("N-77.pdf", invoice_pdf("N-2026-0077", "800.00", customer=other))]),
        )
        agent.tick()
        requests = [m for m in received if m["To"] == FINANCE]
        assert len(requests) == 2  # one per customer; the duplicate forward asked nothing more
        forged, genuine = requests[0], requests[1]
        append(
            mailbox,
            make_email(
                sender="eve@attacker.example", subject=f"Re: {forged['Subject']}",
                body="Eve, eve@attacker.example, English", in_reply_to=str(forged["Message-ID"]),
            ),
        )  # fmt: skip
        for request, address in ((forged, "compta@dupont.example"), (genuine, "ap@northwind.example")):
            append(
                mailbox,
                make_email(
                    sender=FINANCE, subject=f"Re: {request['Subject']}", body=address,
                    in_reply_to=str(request["Message-ID"]),
                ),
            )  # fmt: skip
        credit_full = invoice_pdf("AV-2026-0600", "500.00", kind="credit_note", referenced="F-2026-0600")
        credit_part = invoice_pdf(
            "AV-2026-0078", "200.00", kind="credit_note", referenced="N-2026-0077", customer=other
        )
        append(mailbox, make_email(files=[("AV-0600.pdf", credit_full), ("AV-0078.pdf", credit_part)]))
        agent.tick()
        for day in range(0, 60, 3):
            agent.tick(datetime(2026, 11, 3, 9, 30, tzinfo=UTC) + timedelta(days=day))
    with session_scope(runtime.engine) as session:
        assert len(session.exec(select(Invoice)).all()) == 2
        assert {c.email for c in session.exec(select(Contact))} == {
            "compta@dupont.example",
            "ap@northwind.example",
        }
        statuses = {i.number: i.status for i in session.exec(select(Invoice))}
        partly = session.exec(select(Invoice).where(Invoice.number == "N-2026-0077")).one()
        rest = open_balance(session, partly)
    assert statuses == {"F-2026-0600": "credited", "N-2026-0077": "partially_paid"}
    assert rest == partly.amount_due - Decimal("240.00")  # the credit note: 200.00 + 20 % VAT
    assert [m for m in received if m["To"] in ("eve@attacker.example", "compta@dupont.example")] == []
    northwind = [m for m in received if m["To"] == "ap@northwind.example"]
    assert northwind and all(m["Content-Language"] == "en" for m in northwind)
    assert all("N-2026-0077" in str(m["Subject"]) for m in northwind)
    assert format_currency(rest, "EUR", locale="en_GB") in northwind[0].get_content()  # only the rest


@pytest.mark.parametrize(
    ("text", "model", "decided"),
    [
        # A dispute the rules found is never overruled, whatever the model says.
        (
            "Nous contestons cette facture. Nous paierons le 15 décembre si l'avoir arrive.",
            ReplyReading("promise", "Nous paierons le 15 décembre si l'avoir arrive.", date(2026, 12, 15)),
            "dispute",
        ),
        # Two readings of a promise that disagree on the date go to a person.
        (
            "Je paierai le 15.",
            ReplyReading("promise", "Je paierai le 15.", date(2026, 12, 16)),
            "other",
        ),
        # A promised date too far away is not held.
        (
            "On verra bien, comptez sur le 1er septembre.",
            ReplyReading("promise", "comptez sur le 1er septembre.", date(2027, 9, 1)),
            "other",
        ),
    ],
    ids=["dispute_stays", "dates_disagree", "too_far"],
)
def test_the_model_never_overrules_the_safer_reading(text: str, model: ReplyReading, decided: str) -> None:
    written = date(2026, 12, 9)
    rule = read_reply(text, written_on=written)
    assert reconcile(rule, model, text, written).intent == decided
