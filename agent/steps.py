"""One reminder step: what it needs, whether it may go out now, and its e-mail.

The dispatcher calls these on a reserved step; the schedule preview calls the same ones on a copy,
so the preview shows exactly what would be sent and why a step would not be.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage

from sqlmodel import Session, col, select

from agent.accounts import valid_contact
from agent.ledger import account_in_credit, open_balance
from agent.legal import legal_profile
from agent.mail.compose import compose
from agent.models import Account, Contact, Invoice, Reminder, SyncState
from agent.models.reminder import ReminderState
from agent.plans import PlanError, PlanStep, load_plan
from agent.schedule import days_overdue, recipient_of
from agent.sendtime import in_window, next_window
from agent.settings import Settings
from agent.templating import locale_for, render_email


@dataclass(frozen=True)
class StepContext:
    """What the checks and the e-mail of one step need, loaded once."""

    invoice: Invoice
    account: Account
    contact: Contact | None
    balance: Decimal


def load_context(session: Session, reminder: Reminder) -> StepContext:
    invoice = session.get(Invoice, reminder.invoice_id)
    assert invoice is not None
    account = session.get(Account, invoice.account_id)
    assert account is not None
    return StepContext(
        invoice, account, valid_contact(session, invoice.account_id), open_balance(session, invoice)
    )


def pre_send_check(
    session: Session, reminder: Reminder, settings: Settings, now: datetime, context: StepContext
) -> tuple[str, str] | None:
    """None when the step may go out; otherwise the (state, reason) it must take instead."""
    invoice, balance, contact = context.invoice, context.balance, context.contact
    if balance <= settings.reminders.balance_tolerance:
        return ReminderState.CANCELLED, f"nothing to chase: balance {balance} {invoice.currency}"
    stale = stale_payment_data(session, settings, now)
    if stale:  # stays planned: it goes out at the first tick after a fresh sync
        return ReminderState.PLANNED, stale
    step = plan_step(settings, reminder)
    if step is None:
        return ReminderState.PAUSED, f"plan {reminder.plan} has no step {reminder.step_name} any more"
    if step.min_amount is not None and balance < step.min_amount:
        return (
            ReminderState.SKIPPED,
            f"balance {balance} {invoice.currency} is under this step's minimum {step.min_amount}",
        )
    if invoice.paused:
        return ReminderState.PAUSED, f"invoice paused: {invoice.pause_reason or 'no reason given'}"
    if account_in_credit(session, invoice.account_id):
        return ReminderState.SKIPPED, "the account's net balance is a credit"
    if contact is None:
        return ReminderState.PAUSED, "no valid contact for the account"
    if contact.language != reminder.language:
        return ReminderState.PAUSED, (
            f"contact language is now {contact.language}, the step was planned in {reminder.language}"
        )
    return None


def plan_step(settings: Settings, reminder: Reminder) -> PlanStep | None:
    try:
        plan = load_plan(settings.workflows_dir, reminder.plan)
    except PlanError:
        return None
    return next((step for step in plan.steps if step.name == reminder.step_name), None)


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


def outside_window(settings: Settings, now: datetime, context: StepContext) -> datetime | None:
    """None when `now` is inside the recipient's send window (their business day, their hours);
    otherwise the start of the next window."""
    recipient = recipient_of(context.account, context.contact, settings)
    window = {
        "start": settings.reminders.send_window_start,
        "end": settings.reminders.send_window_end,
        "zone": recipient.zone,
        "country": recipient.country,
    }
    return None if in_window(now, **window) else next_window(now, **window)


def _thread(session: Session, invoice_id: int) -> list[str]:
    """Message-IDs of this invoice's earlier reminders: all of them form one thread for the customer."""
    sent = session.exec(
        select(Reminder.message_id)
        .where(Reminder.invoice_id == invoice_id, Reminder.state == ReminderState.SENT)
        .order_by(col(Reminder.step))
    ).all()
    return [m for m in sent if m]


def build_reminder(
    session: Session, reminder: Reminder, settings: Settings, at: datetime, context: StepContext
) -> EmailMessage:
    invoice, account, contact = context.invoice, context.account, context.contact
    assert contact is not None
    rendered = render_email(
        settings.templates_dir,
        reminder.template,
        reminder.language,
        {
            "locale": locale_for(reminder.language, account.country),
            "company": settings.company,
            "account": account,
            "invoice": invoice,
            "contact_name": contact.name,
            "balance": context.balance,
            "days_overdue": days_overdue(invoice, at),
            "legal": legal_profile(settings.company.country, settings.reminders.reference_rate),
        },
    )
    thread = _thread(session, invoice.id or 0)
    return compose(
        sender=settings.company.collections_address,
        recipient=contact.email,
        subject=rendered.subject,
        text=rendered.text,
        message_id=reminder.message_id or "",
        sent_at=at,
        reply_to=settings.company.collections_address,
        in_reply_to=thread[-1] if thread else None,
        references=thread or None,
        language=reminder.language,
    )
