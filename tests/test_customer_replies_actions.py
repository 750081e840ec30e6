"""What relance does with what a reply says, through the real graph: a copy of the invoice sent once, a
new address put to finance, an "already paid" checked against the payments, bounces tied by address
and soft bounces, and an out-of-office to a task that is no answer."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email.message import EmailMessage

from sqlmodel import select

from agent.db import session_scope
from agent.flow.service import Agent
from agent.mail.maildir import MaildirOutbox
from agent.models import AuditEvent, Contact, Invoice, Payment, Task
from agent.runtime import Runtime
from tests.conftest import make_email
from tests.test_customer_mail import CUSTOMER, customer_reply, first_reminder, sent_to_customer
from tests.test_graph import deliver

AT = datetime(2026, 11, 28, 9, tzinfo=UTC)


def test_a_copy_request_is_answered_with_the_invoice_once(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox
) -> None:
    reminder = first_reminder(agent, runtime, outbox)
    deliver(runtime, customer_reply(reminder, "Pourriez-vous me renvoyer la facture en PDF ?", AT))
    agent.tick(datetime(2026, 11, 28, 9, 5, tzinfo=UTC))
    (copy,) = [m for m in outbox.messages() if str(m["Subject"]) == "Copie de la facture F-2026-0800"]
    assert copy["To"] == CUSTOMER
    (pdf,) = [part for part in copy.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert pdf.get_content().startswith(b"%PDF")
    with session_scope(runtime.engine) as session:
        assert not session.exec(select(Invoice)).one().paused  # nothing to hold: they only wanted the PDF
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "invoice_copy_sent")).one()
        assert [t.kind for t in session.exec(select(Task))] == ["contact_request"]
    deliver(runtime, customer_reply(reminder, "Can you send the invoice again please?", AT.replace(hour=11)))
    agent.tick(datetime(2026, 11, 28, 11, 5, tzinfo=UTC))
    assert len([s for s in sent_to_customer(outbox) if s.startswith("Copie")]) == 1  # once, never twice
    with session_scope(runtime.engine) as session:
        (task,) = [t for t in session.exec(select(Task)) if t.kind == "review"]
        assert "sent already" in " ".join(task.details["reasons"])


def test_a_new_address_in_a_reply_is_put_to_finance(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox
) -> None:
    reminder = first_reminder(agent, runtime, outbox)
    body = "Merci d'envoyer désormais les factures à compta@dupont.example."
    deliver(runtime, customer_reply(reminder, body, AT))
    agent.tick(datetime(2026, 11, 28, 9, 5, tzinfo=UTC))
    with session_scope(runtime.engine) as session:
        new = session.exec(select(Contact).where(Contact.email == "compta@dupont.example")).one()
        assert new.valid is False and new.source == "awaiting_confirmation"
        confirm = session.exec(select(Task).where(Task.status == "open", Task.kind == "review")).one()
        assert confirm.title.startswith("confirm the new address compta@dupont.example")


def test_an_already_paid_that_a_payment_fits_bothers_no_one(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox
) -> None:
    reminder = first_reminder(agent, runtime, outbox)
    with session_scope(runtime.engine) as session:
        due = session.exec(select(Invoice)).one().amount_due
        session.add(
            Payment(
                external_id="BANK-9", received_on=date(2026, 11, 26), amount=due, currency="EUR",
                reference="VIR DUPONT 4471", created_at=AT,
            )
        )  # fmt: skip
    deliver(runtime, customer_reply(reminder, "Virement effectué le 25 novembre, référence 4471.", AT))
    agent.tick(datetime(2026, 11, 28, 9, 5, tzinfo=UTC))
    with session_scope(runtime.engine) as session:
        invoice = session.exec(select(Invoice)).one()
        assert invoice.paused and invoice.paused_until == datetime(2026, 12, 5, tzinfo=UTC)
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "customer_payment_found")).one()
        assert [t.kind for t in session.exec(select(Task))] == ["contact_request"]


def _bounce(*, status: str, diagnostic: str, action: str = "failed") -> bytes:
    """A report that returns none of our headers: it can be tied to us by the failed address only."""
    message = EmailMessage()
    message["From"] = "Mail Delivery System <MAILER-DAEMON@mx.dupont.example>"
    message["To"] = "collections@supplier.example"
    message["Subject"] = "Undelivered Mail Returned to Sender"
    message.set_content(f"Your message could not be delivered to {CUSTOMER}.")
    report = EmailMessage()
    report.set_content(
        f"Reporting-MTA: dns; mx.dupont.example\n\nFinal-Recipient: rfc822; {CUSTOMER}\nAction: {action}\n"
        f"Status: {status}\nDiagnostic-Code: smtp; {diagnostic}\n"
    )
    message.make_mixed()
    message.attach(report)
    raw = message.as_bytes().replace(b"multipart/mixed", b"multipart/report; report-type=delivery-status", 1)
    plain = b'Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: 7bit\n\nReporting'
    return raw.replace(plain, b"Content-Type: message/delivery-status\n\nReporting")


def test_a_bounce_without_our_headers_is_tied_by_the_address(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox
) -> None:
    first_reminder(agent, runtime, outbox)
    deliver(runtime, _bounce(status="5.1.1", diagnostic="550 5.1.1 User unknown"))
    agent.tick(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Contact)).one().valid is False


def test_a_second_soft_bounce_days_later_is_a_task(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox
) -> None:
    first_reminder(agent, runtime, outbox)
    full = "552 5.2.2 Mailbox full"
    deliver(runtime, _bounce(status="5.2.2", diagnostic=full))
    agent.tick(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Contact)).one().valid is True  # full is not dead: the address works
        assert [t.kind for t in session.exec(select(Task))] == ["contact_request"]
    deliver(runtime, make_email(sender="x@y.example", subject="unrelated"))  # a message between the two
    deliver(runtime, _bounce(status="5.2.2", diagnostic=full + " (again)"))
    agent.tick(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Contact)).one().valid is True
        (task,) = [t for t in session.exec(select(Task)) if t.kind == "review"]
        assert task.title == f"e-mails to {CUSTOMER} keep failing"


def test_an_out_of_office_to_a_task_creates_no_contact(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox
) -> None:
    from tests.test_graph import invoice_pdf, reply_to_task

    deliver(runtime, make_email(files=[("F-0800.pdf", invoice_pdf("F-2026-0800", "100.00"))]))
    agent.tick()
    body = "Je suis absente jusqu'au 30 novembre. Pour toute urgence : marie.martin@supplier.example"
    deliver(runtime, reply_to_task(outbox, body))
    sent_before = len(list(outbox.messages()))
    agent.tick(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Contact)).all() == []
        assert session.exec(select(Task)).one().status == "open"
    assert len(list(outbox.messages())) == sent_before  # no "your answer lacks an address" to a machine


def test_an_out_of_office_marked_automatic_is_not_routed_as_an_answer_to_a_task(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox
) -> None:
    from agent.models import InboundMessage
    from tests.test_graph import invoice_pdf

    deliver(runtime, make_email(files=[("F-0801.pdf", invoice_pdf("F-2026-0801", "100.00"))]))
    agent.tick()
    request = next(m for m in outbox.messages() if "Contact à renseigner" in str(m["Subject"]))
    deliver(
        runtime,
        make_email(
            subject=f"Réponse automatique : {request['Subject']}", body="Absente jusqu'au 30 novembre.",
            in_reply_to=str(request["Message-ID"]), headers={"Auto-Submitted": "auto-replied"},
        ),
    )  # fmt: skip
    sent_before = len(list(outbox.messages()))
    agent.tick(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    with session_scope(runtime.engine) as session:
        kinds = [m.kind for m in session.exec(select(InboundMessage).order_by(InboundMessage.id))]  # type: ignore[arg-type]
        assert kinds[-1] == "auto_reply"
        assert session.exec(select(Task)).one().status == "open"
    assert len(list(outbox.messages())) == sent_before
