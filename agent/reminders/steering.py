"""What finance does to the schedule: pause, resume, skip a step, change a plan; pause or resume a whole
account; cancel an invoice the customer was right about; readdress the waiting steps after a contact edit.

Each action is a recorded change (`agent.reminders.changes`): the review screen shows, for every invoice, what
each action did to its steps. Nothing here sends anything; the dispatcher's checks still apply.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from agent import audit
from agent.ledger.records import open_invoices
from agent.models import Account, Invoice, Reminder
from agent.models.ledger import InvoiceStatus
from agent.models.reminder import PENDING_STATES, ReminderState
from agent.reminders.plans import load_plan
from agent.reminders.schedule import (
    add_step,
    cancel_pending,
    lay_out,
    pause_invoice,
    records_change,
    resume_steps,
)
from agent.settings import Settings

OPEN = (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID)


class ReviewRefused(ValueError):
    """An action that cannot be done as asked; the message says why, in words for finance."""


class Unknown(ReviewRefused):
    """What was named does not exist (no invoice with this number, no such account): the command line
    says so with the exit code of a wrong value, not of a refusal."""


def find_invoice(session: Session, number: str, *, account: str | None = None) -> Invoice:
    """The invoice with this number (of this account, when two customers' numbers collide)."""
    statement = select(Invoice).where(Invoice.number == number)
    if account:
        statement = statement.join(Account, col(Account.id) == Invoice.account_id).where(
            Account.name == account
        )
    found = session.exec(statement).all()
    if not found:
        raise Unknown(f"no invoice {number}" + (f" for {account}" if account else ""))
    if len(found) > 1:
        names = ", ".join(
            sorted(str(getattr(session.get(Account, i.account_id), "name", "?")) for i in found)
        )
        raise ReviewRefused(f"several invoices are numbered {number} ({names}): say which with --account")
    return found[0]


def find_account(session: Session, name: str) -> Account:
    account = session.exec(select(Account).where(Account.name == name)).first()
    if account is None:
        raise Unknown(f"no account named {name!r}")
    return account


def pause(session: Session, *, invoice: Invoice, at: datetime, reason: str, until: datetime | None) -> int:
    if invoice.status not in OPEN:
        raise ReviewRefused(f"invoice {invoice.number} is {invoice.status}: nothing to pause")
    return pause_invoice(session, invoice=invoice, at=at, reason=f"by finance: {reason}", until=until)


def resume(session: Session, *, invoice: Invoice, settings: Settings, at: datetime) -> list[Reminder]:
    if not invoice.paused:
        raise ReviewRefused(f"invoice {invoice.number} is not paused")
    return resume_steps(session, invoice=invoice, settings=settings, at=at, reason="by finance")


@records_change("skipped by finance")
def skip_step(session: Session, *, invoice: Invoice, step_name: str, at: datetime, reason: str) -> Reminder:
    """One step that has not gone out will not: the others keep their dates."""
    reminder = session.exec(
        select(Reminder)
        .where(
            Reminder.invoice_id == invoice.id,
            Reminder.step_name == step_name,
            col(Reminder.state).in_(PENDING_STATES),
        )
        .order_by(col(Reminder.step).desc())
    ).first()
    if reminder is None:
        raise ReviewRefused(f"invoice {invoice.number} has no step {step_name!r} waiting to go out")
    reminder.state, reminder.reason = ReminderState.SKIPPED, f"skipped by finance: {reason}"
    session.add(reminder)
    return reminder


@records_change("plan changed")
def replan(
    session: Session, *, invoice: Invoice, settings: Settings, at: datetime, reason: str
) -> list[Reminder]:
    """Replace the invoice's waiting steps by those of its plan (after a plan change).

    What went out stays. The new plan's steps whose date has passed are skipped, not caught up (a
    change of plan never sends a burst), and so is a step whose template already went out under the
    old plan (the customer never gets the same letter twice). A paused invoice stays paused."""
    existing = session.exec(select(Reminder).where(Reminder.invoice_id == invoice.id)).all()
    for reminder in existing:
        if reminder.state in PENDING_STATES:
            reminder.state, reminder.reason = ReminderState.CANCELLED, f"replaced: {reason}"
            session.add(reminder)
    already_out = {r.template for r in existing if r.state in (ReminderState.SENT, ReminderState.SENDING)}
    layout = lay_out(session, invoice=invoice, settings=settings)
    plan, contact, language, how = layout.plan, layout.contact, layout.language, layout.how
    first_index = max((r.step for r in existing), default=-1) + 1
    created = []
    for offset, (step, instant) in enumerate(zip(plan.steps, layout.instants, strict=True)):
        state, why = ReminderState.PLANNED, f"plan {plan.name} ({reason}); language {language} from {how}"
        if language is None:
            state, why = ReminderState.PAUSED, f"no templates in the {how} language: a person must decide"
        elif instant < at:
            state, why = ReminderState.SKIPPED, f"its date had passed when the plan changed to {plan.name}"
        elif step.template in already_out:
            state, why = ReminderState.SKIPPED, f"a {step.template} e-mail already went out for this invoice"
        elif invoice.paused:
            state, why = ReminderState.PAUSED, f"invoice paused: {invoice.pause_reason or 'no reason given'}"
        created.append(
            add_step(
                session, invoice=invoice, contact=contact, plan=plan, index=first_index + offset, step=step,
                planned_at=instant, language=language, state=state, reason=why, at=at,
            )
        )  # fmt: skip
    return created


def set_plan(
    session: Session,
    *,
    plan: str,
    settings: Settings,
    at: datetime,
    invoice: Invoice | None = None,
    account: Account | None = None,
) -> list[Invoice]:
    """Choose the plan of one invoice, or of an account (its invoices without a plan of their own
    follow), and replan the open invoices concerned. Returns them."""
    load_plan(settings.workflows_dir, plan)  # an unknown plan is refused before anything changes
    if invoice is not None:
        invoice.plan = plan
        session.add(invoice)
        concerned = [invoice] if invoice.status in OPEN else []
        subject = f"invoice {invoice.number}"
    elif account is not None:
        account.plan = plan
        session.add(account)
        concerned = [i for i in open_invoices(session, account.id or 0) if i.plan is None]
        subject = f"account {account.name}"
    else:
        raise ReviewRefused("say which invoice or which account")
    audit.record(
        session,
        at=at,
        entity="invoice" if invoice else "account",
        entity_id=invoice.id if invoice else account.id if account else None,
        action="plan_set",
        message=f"Plan of {subject} set to {plan} by finance",
    )
    for owed in concerned:
        replan(session, invoice=owed, settings=settings, at=at, reason=f"{subject} set to {plan} by finance")
    return concerned


def pause_account(
    session: Session, *, account: Account, at: datetime, reason: str, until: datetime | None
) -> list[Invoice]:
    """Pause every open invoice of the account not paused yet (each one recorded as its own change)."""
    owed = open_invoices(session, account.id or 0)
    if not owed:
        raise ReviewRefused(f"{account.name} has no open invoice: nothing to pause")
    paused = [invoice for invoice in owed if not invoice.paused]
    for invoice in paused:
        pause(session, invoice=invoice, at=at, reason=reason, until=until)
    return paused


def resume_account(session: Session, *, account: Account, settings: Settings, at: datetime) -> list[Invoice]:
    """Resume every paused open invoice of the account."""
    paused = [invoice for invoice in open_invoices(session, account.id or 0) if invoice.paused]
    if not paused:
        raise ReviewRefused(f"{account.name} has no paused invoice")
    for invoice in paused:
        resume(session, invoice=invoice, settings=settings, at=at)
    return paused


def cancel_invoice(session: Session, *, invoice: Invoice, at: datetime, reason: str) -> int:
    """The customer was right: the invoice is cancelled (its credit note, if any, is the billing tool's
    business). Its waiting steps are cancelled with the reason, nothing more goes out about it, and the
    book no longer counts it as owed. Returns the number of steps cancelled."""
    if invoice.status not in OPEN:
        raise ReviewRefused(f"invoice {invoice.number} is {invoice.status}: it cannot be cancelled")
    invoice.status = InvoiceStatus.CANCELLED
    invoice.paused, invoice.pause_reason, invoice.paused_until = False, None, None
    session.add(invoice)
    cancelled = cancel_pending(
        session, invoice_id=invoice.id or 0, at=at, reason=f"invoice cancelled by finance: {reason}"
    )
    audit.record(
        session, at=at, entity="invoice", entity_id=invoice.id, action="cancelled",
        message=f"Invoice {invoice.number} cancelled by finance: {reason}",
    )  # fmt: skip
    return cancelled


@records_change("readdressed")
def readdress(
    session: Session, *, invoice: Invoice, settings: Settings, at: datetime, reason: str, previous_zone: str
) -> int:
    """After a contact or account edit: the invoice's waiting steps go to the contact now valid, in the
    language now resolved, at the same local hour in the recipient's time zone now known
    (`previous_zone` was theirs before). A step that would move into the past keeps its instant (an edit
    never sends a burst); a language without templates holds the step for a person. Returns the number
    of steps changed."""
    layout = lay_out(session, invoice=invoice, settings=settings)
    before, after = ZoneInfo(previous_zone), ZoneInfo(layout.recipient.zone)
    changed = 0
    waiting = session.exec(
        select(Reminder).where(Reminder.invoice_id == invoice.id, col(Reminder.state).in_(PENDING_STATES))
    ).all()
    for reminder in waiting:
        wall = reminder.planned_at.astimezone(before).replace(tzinfo=after)
        planned_at = wall if wall >= at else reminder.planned_at
        contact_id = layout.contact.id if layout.contact else None
        was = (reminder.planned_at, reminder.contact_id, reminder.language, reminder.state)
        reminder.planned_at, reminder.contact_id = planned_at, contact_id
        if layout.language is None:
            reminder.state = ReminderState.PAUSED
            reminder.reason = f"no templates in the {layout.how} language: a person must decide"
        else:
            reminder.language = layout.language
            if reminder.state == ReminderState.PLANNED:  # a held step keeps the reason it is held for
                reminder.reason = f"{reason}; language {layout.language} from {layout.how}"
        if (reminder.planned_at, reminder.contact_id, reminder.language, reminder.state) != was:
            changed += 1
        session.add(reminder)
    return changed
