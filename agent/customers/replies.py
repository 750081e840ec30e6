"""What comes back from customers: replies to reminders, out-of-office notices, and bounces.

Each decision is written down with the words that caused it (an audit event), and nothing uncertain
is acted on toward the customer: a dispute, an "already paid", or a reply we cannot read pauses the
invoice and goes to finance as a task. Only a promise with a date we can read pauses the plan on its
own, until that date plus a grace period; if the money has not come by then, the plan resumes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from agent import audit
from agent.customers.reading import ReplyReading, is_out_of_office, read_reply, reconcile, return_date
from agent.db import session_scope
from agent.finance.tasks import request_contact, request_review
from agent.ledger.records import open_balance, open_invoices
from agent.llm import LlmReply, ask, load_prompt, parse_iso_date
from agent.mail.bounce import read_bounce
from agent.mail.parse import ParsedMessage
from agent.mail.quoting import strip_quoted
from agent.models import Account, Contact, InboundMessage, Invoice, OutboundMessage, Reminder
from agent.models.ledger import InvoiceStatus
from agent.reminders.schedule import hold_steps, pause_invoice, postpone_next_step, resume_steps
from agent.runtime import Runtime

MONTH_FIRST_COUNTRIES = {"US", "PH", "FM", "MH", "PW"}  # where 12/01 is December the first


def invoices_answered(session: Session, message: ParsedMessage) -> list[Invoice]:
    """The invoices a message answers: those of the reminder e-mail its thread names (the latest one
    wins). One reminder e-mail may list several invoices of the same contact."""
    thread = [m for m in [message.in_reply_to, *reversed(message.references)] if m]
    for message_id in thread:
        reminders = session.exec(
            select(Reminder).where(Reminder.message_id == message_id).order_by(col(Reminder.id))
        ).all()
        if reminders:
            found = [session.get(Invoice, reminder.invoice_id) for reminder in reminders]
            return [invoice for invoice in found if invoice is not None]
    return []


def _midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def handle_customer_reply(runtime: Runtime, inbound_id: int, message: ParsedMessage) -> str:
    """promise | dispute | already_paid | other | out_of_office | postponed (what was decided)."""
    now = runtime.clock.now()
    settings = runtime.settings
    if is_out_of_office(message.subject, message.body_text):
        return handle_auto_reply(runtime, inbound_id, message)
    with session_scope(runtime.engine) as session:
        invoices = invoices_answered(session, message)
        account = session.get(Account, invoices[0].account_id) if invoices else None
        written_on = (message.date or now).date()
        reading = read_reply(
            message.body_text,
            written_on=written_on,
            month_first=bool(account and account.country in MONTH_FIRST_COUNTRIES),
        )
        model_reading, usage = _model_reading(runtime, message.body_text, written_on)
        reading = reconcile(reading, model_reading, message.body_text, written_on)
        numbers = ", ".join(invoice.number for invoice in invoices)
        subject = (
            (f"invoice {numbers}" if len(invoices) == 1 else f"invoices {numbers}")
            if invoices
            else "no invoice found in the thread"
        )
        for entity, entity_id in [("invoice", invoice.id) for invoice in invoices] or [
            ("inbound", inbound_id)
        ]:
            audit.record(
                session,
                at=now,
                entity=entity,
                entity_id=entity_id,
                action=f"customer_{reading.intent}",
                message=f"Reply from {message.sender} ({subject}) read as {reading.intent.replace('_', ' ')}"
                + (f" by {reading.promised_for}" if reading.promised_for else "")
                + f": “{reading.words}”",
                words=reading.words,
                inbound_id=inbound_id,
                read_by="llm+rules" if model_reading else "rules",
                llm_tokens=usage,
            )
        if invoices and reading.intent == "promise" and reading.promised_for:
            grace = settings.reminders.promise_grace_days
            for invoice in invoices:
                invoice.promised_for = reading.promised_for
                pause_invoice(
                    session,
                    invoice=invoice,
                    at=now,
                    reason=f"promise to pay by {reading.promised_for} (“{reading.words}”)",
                    until=_midnight_utc(reading.promised_for + timedelta(days=grace + 1)),
                )
            return "promise"
        title, pause_reason = {
            "dispute": (f"dispute from {message.sender} on {subject}", "disputed by the customer"),
            "already_paid": (
                f"{message.sender} says {subject} is already paid: please check the bank",
                "the customer says it is paid; finance to verify",
            ),
        }.get(reading.intent, (f"reply from customer {message.sender} on {subject}", "customer replied"))
        for invoice in invoices:
            pause_invoice(session, invoice=invoice, at=now, reason=f"{pause_reason} (“{reading.words}”)")
        request_review(
            session,
            runtime.sender,
            settings,
            at=now,
            addressee=settings.company.finance_address,
            title=title,
            reasons=[
                f"their words: “{reading.words}”",
                f"subject: {message.subject}",
                "the reminders for "
                + ("this invoice are" if len(invoices) == 1 else "these invoices are")
                + " paused until you resume them",
            ],
            account_id=invoices[0].account_id if invoices else None,
        )
        return reading.intent


def _model_reading(
    runtime: Runtime, body: str, written_on: date
) -> tuple[ReplyReading | None, dict[str, int]]:
    if runtime.llm is None:
        return None, {}
    system = load_prompt(
        runtime.settings.prompts_dir,
        "customer_reply",
        company=runtime.settings.company.name,
        written_on=written_on.isoformat(),
    )
    answer = ask(runtime.llm, system=system, text=strip_quoted(body), schema=LlmReply)
    if not isinstance(answer.value, LlmReply):
        return None, answer.usage
    value = answer.value
    return ReplyReading(value.intent, value.words, parse_iso_date(value.promised_for)), answer.usage


def handle_auto_reply(runtime: Runtime, inbound_id: int, message: ParsedMessage) -> str:
    """An automatic answer is not a customer's word: ignored, except that an out-of-office which says
    when the person is back moves the invoice's next step after that date."""
    now = runtime.clock.now()
    with session_scope(runtime.engine) as session:
        invoices = invoices_answered(session, message)
        back = (
            return_date(message.body_text, (message.date or now).date())
            if is_out_of_office(message.subject, message.body_text)
            else None
        )
        if invoices and back is not None:
            moved = [
                postpone_next_step(
                    session,
                    invoice=invoice,
                    until=_midnight_utc(back),
                    at=now,
                    reason=f"{message.sender} is away until {back} (out-of-office)",
                )
                for invoice in invoices
            ]
            if any(moved):
                return "postponed"
        audit.record(
            session,
            at=now,
            entity="inbound",
            entity_id=inbound_id,
            action="auto_reply",
            message=f"Automatic reply from {message.sender} ignored"
            + (f" (away until {back}; the next step is later already)" if back else ""),
        )
    return "ignored"


def handle_bounce(runtime: Runtime, inbound_id: int) -> str:
    """A delivery failure of one of our reminders: the contact is marked invalid, the account's planned
    steps wait, and finance is asked for a new contact. A temporary failure is only noted."""
    now = runtime.clock.now()
    settings = runtime.settings
    with session_scope(runtime.engine) as session:
        inbound = session.get(InboundMessage, inbound_id)
        assert inbound is not None
        bounce = read_bounce((runtime.store.root / inbound.raw_path).read_bytes())
        candidates = [m for m in ([bounce.original_message_id] if bounce else []) if m]
        candidates += list(bounce.mentioned_ids) if bounce else []
        outbound = next(
            (
                found
                for m in candidates
                if (
                    found := session.exec(
                        select(OutboundMessage).where(OutboundMessage.message_id == m)
                    ).first()
                )
            ),
            None,
        )
        if bounce is None or outbound is None:
            audit.record(
                session,
                at=now,
                entity="inbound",
                entity_id=inbound_id,
                action="bounce_unmatched",
                message="A delivery report that names none of our messages: kept, nothing changed",
            )
            return "ignored"
        recipient = (bounce.recipient or outbound.recipient).lower()
        if not bounce.permanent:
            audit.record(
                session,
                at=now,
                entity="inbound",
                entity_id=inbound_id,
                action="delivery_delayed",
                message=f"Delivery to {recipient} delayed ({bounce.describe()}); the server keeps trying",
            )
            return "delayed"
        reminder = session.exec(select(Reminder).where(Reminder.message_id == outbound.message_id)).first()
        invoice = session.get(Invoice, reminder.invoice_id) if reminder else None
        if invoice is None:  # one of our task e-mails to finance bounced: say so loudly
            audit.record(
                session,
                at=now,
                entity="inbound",
                entity_id=inbound_id,
                action="task_mail_bounced",
                message=f"Our {outbound.purpose} e-mail to {recipient} bounced: {bounce.describe()}",
            )
            return "task_mail_bounced"
        account = session.get(Account, invoice.account_id)
        assert account is not None
        contacts = session.exec(
            select(Contact).where(Contact.account_id == account.id, col(Contact.valid).is_(True))
        ).all()
        for contact in contacts:
            if contact.email.lower() == recipient:
                contact.valid = False
                session.add(contact)
        problem = f"{recipient} bounced: {bounce.describe()}"
        audit.record(
            session,
            at=now,
            entity="account",
            entity_id=account.id,
            action="contact_bounced",
            message=f"Reminder for invoice {invoice.number} to {recipient} bounced ({bounce.describe()}); "
            "the contact is marked invalid",
        )
        for owed in open_invoices(session, account.id or 0):
            hold_steps(
                session, invoice_id=owed.id or 0, at=now, reason=f"waiting for a new contact: {problem}"
            )
        request_contact(
            session, runtime.sender, settings, account=account, addressee=settings.company.finance_address,
            at=now, problem=problem,
        )  # fmt: skip
        return "contact_invalid"


def resume_after_new_contact(runtime: Runtime, account_id: int) -> int:
    """A new contact answers what held the account's steps (a bounce, no contact at dispatch): the steps
    of its open invoices that are not paused for their own reason go back on the schedule."""
    now = runtime.clock.now()
    resumed = 0
    with session_scope(runtime.engine) as session:
        for invoice in open_invoices(session, account_id):
            if (
                invoice.paused
                or open_balance(session, invoice) <= runtime.settings.reminders.balance_tolerance
            ):
                continue
            resumed += len(
                resume_steps(
                    session, invoice=invoice, settings=runtime.settings, at=now, reason="new contact"
                )
            )
    return resumed


def resume_broken_promises(runtime: Runtime) -> list[str]:
    """Promises whose date and grace have passed: paid invoices are already settled; the others resume,
    their next step now (one step firmer than the last one sent)."""
    now = runtime.clock.now()
    done = []
    with session_scope(runtime.engine) as session:
        due = session.exec(
            select(Invoice).where(
                col(Invoice.paused).is_(True),
                col(Invoice.paused_until).is_not(None),
                col(Invoice.paused_until) <= now,
                col(Invoice.status).in_([InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID]),
            )
        ).all()
        for invoice in due:
            reason = f"promise to pay by {invoice.promised_for} not kept"
            audit.record(
                session,
                at=now,
                entity="invoice",
                entity_id=invoice.id,
                action="promise_broken",
                message=f"Invoice {invoice.number}: {reason} (balance {open_balance(session, invoice)})",
            )
            resume_steps(session, invoice=invoice, settings=runtime.settings, at=now, reason=reason)
            done.append(invoice.number)
    return done
