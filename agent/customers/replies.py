"""What comes back from customers: replies to reminders, automatic answers, and bounces (bounces.py).

Each decision is written down with the words that caused it (an audit event), and nothing uncertain
is acted on toward the customer: a dispute, an "already paid" that no recorded payment fits, a question
or a reply we cannot read pauses the invoice and goes to finance as a task. A promise with a date we
can read pauses the plan on its own, until that date plus a grace period; if the money has not come by
then, the plan resumes. An "already paid" that a recorded payment fits waits a week for the payment to
be allocated. A request for a copy is answered with the invoice's PDF (once); a new address a reply
gives is put to finance to confirm. A reply that says several of these gets each done.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from agent import audit
from agent.customers.actions import matching_payment, propose_new_contact, send_invoice_copy
from agent.customers.bounces import handle_bounce
from agent.customers.reading import (
    ALREADY_PAID,
    CONTACT_CHANGE,
    COPY_REQUEST,
    DISPUTE,
    EMAIL,
    PROMISE,
    QUESTION,
    ReplyReading,
    read_reply,
    reconcile,
    return_date,
)
from agent.db import session_scope
from agent.finance.tasks import request_contact, request_review
from agent.ledger.records import open_balance, open_invoices
from agent.llm import LlmReply, ask, load_prompt, parse_iso_date
from agent.mail.autoreply import OOO_SUBJECT, automatic_kind, fold, headers_say_automatic
from agent.mail.parse import ParsedMessage
from agent.mail.quoting import strip_quoted
from agent.models import Account, Invoice, Reminder
from agent.models.ledger import InvoiceStatus
from agent.reminders.schedule import pause_invoice, postpone_next_step, resume_steps
from agent.runtime import Runtime

MONTH_FIRST_COUNTRIES = {"US", "PH", "FM", "MH", "PW"}  # where 12/01 is December the first
PAYMENT_WAIT = 7  # a payment found for an "already paid" has this long to be allocated
__all__ = ["handle_auto_reply", "handle_bounce", "handle_customer_reply", "resume_after_new_contact"]


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
    """promise | dispute | already_paid | copy_request | contact_change | other | postponed | ignored."""
    now = runtime.clock.now()
    settings = runtime.settings
    if automatic(message, today=now.date()) is not None:
        return handle_auto_reply(runtime, inbound_id, message)
    with session_scope(runtime.engine) as session:
        invoices = invoices_answered(session, message)
        account = session.get(Account, invoices[0].account_id) if invoices else None
        written_on = (message.date or now).date()
        ours = (settings.company.collections_address, settings.company.finance_address)
        reading = read_reply(
            message.body_text,
            written_on=written_on,
            month_first=bool(account and account.country in MONTH_FIRST_COUNTRIES),
            sender=message.sender,
            ours=ours,
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
                + (f" (it also says: {', '.join(reading.intents)})" if reading.intents else "")
                + f": “{reading.words}”",
                words=reading.words,
                intents=list(reading.intents),
                inbound_id=inbound_id,
                read_by="llm+rules" if model_reading else "rules",
                llm_tokens=usage,
            )
        for_a_person = act_on_requests(session, runtime, reading, invoices, account, message)
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
            return _tell(session, runtime, message, invoices, subject, for_a_person) or "promise"
        if (
            invoices
            and reading.intent == "already_paid"
            and _payment_found(session, runtime, reading, invoices)
        ):
            return _tell(session, runtime, message, invoices, subject, for_a_person) or "already_paid"
        if reading.intent == "other" and not for_a_person and _only_handled(reading):
            return reading.intents[0]  # a copy sent, a new address put to finance: nothing more to do
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
                *for_a_person,
                f"subject: {message.subject}",
                "the reminders for "
                + ("this invoice are" if len(invoices) == 1 else "these invoices are")
                + " paused until you resume them",
            ],
            account_id=invoices[0].account_id if invoices else None,
        )
        return reading.intent


HANDLED_ALONE = {
    COPY_REQUEST,
    CONTACT_CHANGE,
}  # done without a person: a copy sent, an address put to finance


def _only_handled(reading: ReplyReading) -> bool:
    return bool(reading.findings) and all(f.intent in HANDLED_ALONE for f in reading.findings)


def act_on_requests(
    session: Session,
    runtime: Runtime,
    reading: ReplyReading,
    invoices: list[Invoice],
    account: Account | None,
    message: ParsedMessage,
) -> list[str]:
    """Answer a copy request, put a new address to finance; what a person must still do, in words."""
    now = runtime.clock.now()
    left: list[str] = []
    if reading.finding(COPY_REQUEST):
        for invoice in invoices:
            why = send_invoice_copy(session, runtime, invoice=invoice, at=now, in_reply_to=message.message_id)
            if why:
                left.append(f"they ask for a copy of invoice {invoice.number}, not sent: {why}")
        if not invoices:
            left.append("they ask for a copy of an invoice, but the thread names none of ours")
    change = reading.finding(CONTACT_CHANGE)
    if change and change.address:
        if account is not None:
            propose_new_contact(
                session, runtime, account=account, address=change.address, words=change.words, at=now
            )
        else:
            left.append(f"they ask us to write to {change.address}, but the thread names no account")
    for finding in reading.findings:
        if finding.intent == QUESTION:
            left.append(f"their question: “{finding.words}”")
    return left


def _tell(
    session: Session,
    runtime: Runtime,
    message: ParsedMessage,
    invoices: list[Invoice],
    subject: str,
    for_a_person: list[str],
) -> str | None:
    """A task for what a reply asks besides what was acted on (a question beside a promise...)."""
    if not for_a_person:
        return None
    request_review(
        session, runtime.sender, runtime.settings, at=runtime.clock.now(),
        addressee=runtime.settings.company.finance_address,
        title=f"reply from customer {message.sender} on {subject}: a question", reasons=for_a_person,
        account_id=invoices[0].account_id if invoices else None,
    )  # fmt: skip
    return None


def _payment_found(
    session: Session, runtime: Runtime, reading: ReplyReading, invoices: list[Invoice]
) -> bool:
    """Each invoice has a recorded payment that fits the customer's words: the reminders wait a week for
    it to be allocated (then resume if it was not), and no one is bothered."""
    said = reading.finding(ALREADY_PAID)
    if said is None:
        return False
    tolerance = runtime.settings.reminders.balance_tolerance
    found = [
        matching_payment(session, invoice=invoice, said=said, due=open_balance(session, invoice))
        for invoice in invoices
    ]
    if not all(found) or any(open_balance(session, invoice) <= tolerance for invoice in invoices):
        return False
    now = runtime.clock.now()
    until = _midnight_utc((now + timedelta(days=PAYMENT_WAIT)).date())
    for invoice, payment in zip(invoices, found, strict=True):
        assert payment is not None
        pause_invoice(
            session, invoice=invoice, at=now, until=until,
            reason=f"the customer says it is paid and payment {payment.external_id} of {payment.amount} "
            f"received on {payment.received_on} fits (“{said.words}”)",
        )  # fmt: skip
        audit.record(
            session, at=now, entity="invoice", entity_id=invoice.id, action="customer_payment_found",
            message=f"Invoice {invoice.number}: the payment the customer names was found ({payment.amount} "
            f"on {payment.received_on}, {payment.reference!r}); the reminders wait for its allocation",
            payment_id=payment.id,
        )  # fmt: skip
    return True


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


def automatic(message: ParsedMessage, *, today: date) -> str | None:
    """The kind of automatic answer a message is, or None when a person wrote it. Wording alone (no
    automatic header or subject) is not enough when the message also says something a person says."""
    kind = automatic_kind(message.headers, message.subject, message.body_text)
    if kind is None or headers_say_automatic({k.lower(): v for k, v in message.headers.items()}):
        return kind
    if OOO_SUBJECT.search(fold(message.subject)) or kind == "read_receipt":
        return kind
    said = read_reply(message.body_text, written_on=(message.date.date() if message.date else today)).findings
    return None if any(f.intent in (DISPUTE, ALREADY_PAID, PROMISE) for f in said) else kind


def handle_auto_reply(runtime: Runtime, inbound_id: int, message: ParsedMessage) -> str:
    """An automatic answer is not a customer's word: ignored, except that an out-of-office which says
    when the person is back moves the invoice's next step after that date, and a notice that the
    address is no longer used asks finance for another (with the one it names, if any)."""
    now = runtime.clock.now()
    kind = automatic(message, today=now.date()) or "automatic"
    with session_scope(runtime.engine) as session:
        invoices = invoices_answered(session, message)
        back = (
            return_date(message.body_text, (message.date or now).date()) if kind == "out_of_office" else None
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
        if kind == "moved" and invoices:
            return _address_retired(session, runtime, message, invoices)
        audit.record(
            session,
            at=now,
            entity="inbound",
            entity_id=inbound_id,
            action="auto_reply",
            message=f"Automatic reply ({kind.replace('_', ' ')}) from {message.sender} ignored"
            + (f" (away until {back}; the next step is later already)" if back else ""),
        )
    return "ignored"


def _address_retired(
    session: Session, runtime: Runtime, message: ParsedMessage, invoices: list[Invoice]
) -> str:
    """ "This address is no longer in use": a new address it names goes to finance to confirm; without
    one, finance is asked for a new contact, as after a bounce."""
    account = session.get(Account, invoices[0].account_id)
    assert account is not None
    ours = {runtime.settings.company.collections_address.lower(), message.sender.lower()}
    named = [a.lower() for a in EMAIL.findall(strip_quoted(message.body_text)) if a.lower() not in ours]
    now = runtime.clock.now()
    if named and propose_new_contact(
        session, runtime, account=account, address=named[0], words=message.body_text[:300], at=now
    ):
        return "contact_change"
    request_contact(
        session, runtime.sender, runtime.settings, account=account, at=now,
        addressee=runtime.settings.company.finance_address,
        problem=f"{message.sender} answers that the address is no longer in use",
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
            reason = (
                f"promise to pay by {invoice.promised_for} not kept"
                if invoice.promised_for
                else "the payment the customer named was not allocated to it in time"
            )
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
