"""What finance does to the schedule: pause, resume, skip a step, change a plan.

Each action is a recorded change (`agent.reminders.changes`): the review screen shows, for every invoice, what
each action did to its steps. Nothing here sends anything; the dispatcher's checks still apply.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from agent import audit
from agent.ledger.records import open_invoices
from agent.models import Account, Invoice, Reminder
from agent.models.ledger import InvoiceStatus
from agent.models.reminder import PENDING_STATES, ReminderState
from agent.reminders.plans import load_plan
from agent.reminders.schedule import (
    add_step,
    lay_out,
    pause_invoice,
    records_change,
    resume_steps,
)
from agent.settings import Settings

OPEN = (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID)


class ReviewRefused(ValueError):
    """An action that cannot be done as asked; the message says why, in words for finance."""


def find_invoice(session: Session, number: str, *, account: str | None = None) -> Invoice:
    """The invoice with this number (of this account, when two customers' numbers collide)."""
    statement = select(Invoice).where(Invoice.number == number)
    if account:
        statement = statement.join(Account, col(Account.id) == Invoice.account_id).where(
            Account.name == account
        )
    found = session.exec(statement).all()
    if not found:
        raise ReviewRefused(f"no invoice {number}" + (f" for {account}" if account else ""))
    if len(found) > 1:
        names = ", ".join(
            sorted(str(getattr(session.get(Account, i.account_id), "name", "?")) for i in found)
        )
        raise ReviewRefused(f"several invoices are numbered {number} ({names}): say which with --account")
    return found[0]


def find_account(session: Session, name: str) -> Account:
    account = session.exec(select(Account).where(Account.name == name)).first()
    if account is None:
        raise ReviewRefused(f"no account named {name!r}")
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
