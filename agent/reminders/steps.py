"""One reminder step: what it needs, whether it may go out now, and its e-mail.

The dispatcher calls these on reserved steps; the schedule preview calls the same ones on copies, so
the preview shows exactly what would be sent, grouped as it would be, and why a step would not be.

Several steps of one contact that go out together (invoices due the same day) make one e-mail listing
every invoice: `group_for_one_email` decides which, `build_reminder` writes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from typing import Any, NamedTuple

from sqlmodel import Session, col, select

from agent.ledger.records import account_in_credit
from agent.mail.compose import compose
from agent.models import Account, Allocation, Contact, CreditNote, Invoice, Payment, Reminder, SyncState
from agent.models.reminder import ReminderState
from agent.reminders.greeting import greeting
from agent.reminders.legal import legal_profile
from agent.reminders.payment_details import payment_details
from agent.reminders.plans import PlanStep, find_step
from agent.reminders.schedule import days_overdue, recipient_of
from agent.reminders.sendtime import in_window, next_window, window_start
from agent.settings import Settings
from agent.templating import locale_for, render_email


@dataclass(frozen=True)
class Settled:
    """Money already set against an invoice, as the customer's own books show it: a credit note (its
    number and date) or a payment (the day it was received)."""

    kind: str  # credit_note | payment
    reference: str | None
    on: date
    amount: Decimal


@dataclass(frozen=True)
class StepContext:
    """What the checks and the e-mail of one step need, loaded once."""

    invoice: Invoice
    account: Account
    contact: Contact | None
    balance: Decimal
    account_in_credit: bool
    settled: tuple[Settled, ...] = ()


def load_contexts(session: Session, reminders: list[Reminder]) -> dict[int, StepContext]:
    """The context of each step (by reminder id), in a few queries for the whole batch rather than a
    few per step: this runs for every reminder that goes out."""
    invoice_ids = list({r.invoice_id for r in reminders})
    invoices = {i.id: i for i in session.exec(select(Invoice).where(col(Invoice.id).in_(invoice_ids)))}
    account_ids = list({i.account_id for i in invoices.values()})
    accounts = {a.id: a for a in session.exec(select(Account).where(col(Account.id).in_(account_ids)))}
    contacts: dict[int, Contact] = {}
    for contact in session.exec(
        select(Contact)
        .where(col(Contact.account_id).in_(account_ids), col(Contact.valid).is_(True))
        .order_by(col(Contact.id))
    ):
        contacts[contact.account_id] = contact  # the latest valid one, as `valid_contact` chooses
    allocated: dict[int, Decimal] = {}
    settled: dict[int, list[Settled]] = {}
    for invoice_id, amount, number, issued, received in session.exec(
        select(
            Allocation.invoice_id,
            Allocation.amount,
            CreditNote.number,
            CreditNote.issue_date,
            Payment.received_on,
        )
        .outerjoin(CreditNote, col(CreditNote.id) == col(Allocation.credit_note_id))
        .outerjoin(Payment, col(Payment.id) == col(Allocation.payment_id))
        .where(col(Allocation.invoice_id).in_(invoice_ids))
        .order_by(col(Allocation.id))
    ):
        allocated[invoice_id] = allocated.get(invoice_id, Decimal("0.00")) + amount
        kind, on = ("credit_note", issued) if number is not None else ("payment", received)
        if on is not None:
            settled.setdefault(invoice_id, []).append(Settled(kind, number, on, amount))
    # Most accounts have neither a credit note nor an overpayment: only the others need a balance.
    with_credit = set(
        session.exec(select(CreditNote.account_id).where(col(CreditNote.account_id).in_(account_ids)))
    ) | set(
        session.exec(
            select(Payment.account_id).where(
                col(Payment.account_id).in_(account_ids), Payment.status == "overpaid"
            )
        )
    )
    in_credit = {
        account_id: account_in_credit(session, account_id) for account_id in with_credit if account_id
    }
    contexts = {}
    for reminder in reminders:
        invoice = invoices[reminder.invoice_id]
        contexts[reminder.id or 0] = StepContext(
            invoice=invoice,
            account=accounts[invoice.account_id],
            contact=contacts.get(invoice.account_id),
            balance=invoice.amount_due - allocated.get(invoice.id or 0, Decimal("0.00")),
            account_in_credit=in_credit.get(invoice.account_id, False),
            settled=tuple(settled.get(invoice.id or 0, ())),
        )
    return contexts


class Verdict(NamedTuple):
    """Why a due step does not go out now: the state it takes instead, and the reason in words."""

    state: str
    reason: str


def pre_send_check(
    reminder: Reminder,
    settings: Settings,
    context: StepContext,
    *,
    payment_data_hold: str | None,
) -> Verdict | None:
    """None when the step may go out; otherwise the state it must take instead, and why.

    `payment_data_hold` is `stale_payment_data(...)` computed once per run by the caller: it is the
    same for every step."""
    invoice, balance, contact = context.invoice, context.balance, context.contact
    if balance <= settings.reminders.balance_tolerance:
        return Verdict(ReminderState.CANCELLED, f"nothing to chase: balance {balance} {invoice.currency}")
    if payment_data_hold:  # stays planned: it goes out at the first tick after a fresh sync
        return Verdict(ReminderState.PLANNED, payment_data_hold)
    step = plan_step(settings, reminder)
    if step is None:
        return Verdict(
            ReminderState.PAUSED, f"plan {reminder.plan} has no step {reminder.step_name} any more"
        )
    if step.min_amount is not None and balance < step.min_amount:
        return Verdict(
            ReminderState.SKIPPED,
            f"balance {balance} {invoice.currency} is under this step's minimum {step.min_amount}",
        )
    if invoice.paused:
        return Verdict(ReminderState.PAUSED, f"invoice paused: {invoice.pause_reason or 'no reason given'}")
    if context.account_in_credit:
        return Verdict(ReminderState.SKIPPED, "the account's net balance is a credit")
    if contact is None:
        return Verdict(ReminderState.PAUSED, "no valid contact for the account")
    if contact.language != reminder.language:
        return Verdict(
            ReminderState.PAUSED,
            f"contact language is now {contact.language}, the step was planned in {reminder.language}",
        )
    return None


def plan_step(settings: Settings, reminder: Reminder) -> PlanStep | None:
    return find_step(settings.workflows_dir, reminder.plan, reminder.step_name)


def stale_payment_data(session: Session, settings: Settings, now: datetime) -> str | None:
    """Why payment data is too old to chase anyone on, or None. No reminder on stale data.

    Every configured connector must be fresh too: a bank file dropped this morning does not make up for
    the accounting tool that has not answered for three days."""
    limit = settings.reminders.max_payment_sync_age_hours
    if limit is None:
        return None
    sources = {"payments": "payments.last_sync"} | {
        f"connector {name}": f"payments.connector.{name}" for name in settings.payments.connectors
    }
    for label, state_name in sources.items():
        synced = session.get(SyncState, state_name)
        if synced is None:
            return f"held: {label} never synced"
        age = now - synced.updated_at
        if age > timedelta(hours=limit):
            return f"held: {label} last synced {age.total_seconds() / 3600:.0f} h ago (limit {limit} h)"
    return None


def not_yet(
    settings: Settings, reminder: Reminder, now: datetime, context: StepContext
) -> tuple[datetime, str] | None:
    """None when the step may go out at `now`; otherwise when it may, and why not now: outside the
    recipient's send window (their business day, their hours), or before the step's condition "only if
    still unpaid N days after the due date" holds (a step caught up or resumed early waits for it)."""
    recipient = recipient_of(context.account, context.contact, settings)
    window = {
        "start": settings.reminders.send_window_start,
        "end": settings.reminders.send_window_end,
        "zone": recipient.zone,
        "country": recipient.country,
    }
    step = plan_step(settings, reminder)
    if step is not None and step.unpaid_after_days is not None:
        day = context.invoice.due_date + timedelta(days=step.unpaid_after_days)
        earliest = window_start(day, settings.reminders.send_window_start, recipient.zone)
        if now < earliest:
            condition = f"only if still unpaid {step.unpaid_after_days} days after the due date"
            return next_window(earliest, **window), condition
    if in_window(now, **window):
        return None
    return next_window(now, **window), "outside the send window"


def group_key(reminder: Reminder, context: StepContext) -> tuple[object, ...]:
    """Steps with the same key go out as one e-mail: same contact, same template (so the same stage
    of the plan: invoices due the same day), same language, same currency (one total)."""
    contact_id = context.contact.id if context.contact else None
    return (contact_id, reminder.template, reminder.language, context.invoice.currency)


def group_for_one_email(
    ready: list[tuple[Reminder, StepContext]],
) -> list[list[tuple[Reminder, StepContext]]]:
    """Split the steps about to go out into e-mails, invoices listed by due date then number."""
    groups: dict[tuple[object, ...], list[tuple[Reminder, StepContext]]] = {}
    for reminder, context in ready:
        groups.setdefault(group_key(reminder, context), []).append((reminder, context))
    return [
        sorted(group, key=lambda item: (item[1].invoice.due_date, item[1].invoice.number))
        for group in groups.values()
    ]


def threads_of(session: Session, invoice_ids: list[int]) -> dict[int, list[str]]:
    """Message-IDs of these invoices' earlier reminders, oldest first, per invoice: every reminder
    about an invoice answers the previous one, so the customer sees one thread."""
    sent = session.exec(
        select(Reminder.invoice_id, Reminder.message_id)
        .where(col(Reminder.invoice_id).in_(invoice_ids), Reminder.state == ReminderState.SENT)
        .order_by(col(Reminder.sent_at), col(Reminder.step))
    ).all()
    threads: dict[int, list[str]] = {}
    for invoice_id, message_id in sent:
        if message_id and message_id not in threads.setdefault(invoice_id, []):
            threads[invoice_id].append(message_id)
    return threads


def reminder_variables(
    items: list[dict[str, Any]],
    *,
    locale: str,
    company: Any,
    account: Any,
    contact_name: str | None,
    legal: Any,
    salutation: str | None = None,
) -> dict[str, Any]:
    """What a reminder template sees: `invoices` (each with its `invoice`, `balance`, `days_overdue` and
    `settled`: the credit notes and payments already set against it, so the customer can reconcile the
    balance with their books, and `pay`: how to pay it, `payment_details.PaymentDetails`, or None), their
    `total` and `currency`; and, for the common single-invoice case,
    the first one's values at the top level. `greeting` opens the letter (greeting.py): formal, and
    gender-neutral unless the contact's salutation is known."""
    items = [{"settled": (), "pay": None, **item} for item in items]  # nothing set against it unless said
    return {
        "locale": locale,
        "company": company,
        "account": account,
        "contact_name": contact_name,
        "greeting": greeting(contact_name, salutation),
        "invoices": items,
        "total": sum((item["balance"] for item in items), Decimal("0.00")),
        "currency": items[0]["invoice"].currency,
        **items[0],
        "legal": legal,
    }


def build_reminder(
    group: list[tuple[Reminder, StepContext]],
    settings: Settings,
    at: datetime,
    *,
    message_id: str,
    threads: dict[int, list[str]],
) -> EmailMessage:
    """The e-mail of one step, or of several steps of one contact (one e-mail listing the invoices).

    The template variables are `reminder_variables`."""
    first_reminder, first = group[0]
    account, contact = first.account, first.contact
    assert contact is not None
    language = first_reminder.language
    items = [
        {
            "invoice": c.invoice,
            "balance": c.balance,
            "days_overdue": days_overdue(c.invoice, at),
            "settled": c.settled,
            "pay": payment_details(
                company=settings.company,
                link_template=settings.payments.link_template,
                invoice_id=c.invoice.id or 0,
                invoice_number=c.invoice.number,
                amount=c.balance,
                currency=c.invoice.currency,
                with_qr=False,
            ),
        }
        for _, c in group
    ]
    rendered = render_email(
        settings.templates_dir,
        first_reminder.template,
        language,
        reminder_variables(
            items,
            locale=locale_for(language, account.country),
            company=settings.company,
            account=account,
            contact_name=contact.name,
            salutation=contact.salutation,
            legal=legal_profile(settings.company.country, settings.reminders.reference_rate),
        ),
    )
    thread = list(dict.fromkeys(m for _, c in group for m in threads.get(c.invoice.id or 0, [])))
    return compose(
        sender=settings.company.from_header(),
        recipient=contact.email,
        subject=rendered.subject,
        text=rendered.text,
        message_id=message_id,
        sent_at=at,
        reply_to=settings.company.collections_address,
        in_reply_to=thread[-1] if thread else None,
        references=thread or None,
        language=language,
    )
