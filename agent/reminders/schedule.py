"""The stored schedule: an invoice's plan turned into one reminder row per step.

Planning is idempotent (the unique (invoice, step) key), the language is resolved once and frozen
on each row, and every state change carries a reason. A step whose time passed before the invoice
reached us is never dropped silently: the latest one is caught up once, older ones are skipped with
the reason written down.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import wraps
from typing import ParamSpec, TypeVar

from sqlmodel import Session, col, select

from agent import audit
from agent.ledger.accounts import resolve_language, valid_contact
from agent.models import Account, Contact, Invoice, Reminder
from agent.models.reminder import PENDING_STATES, ReminderState
from agent.reminders.changes import recorded_change
from agent.reminders.plans import Plan, PlanStep, find_step, load_plan, step_day
from agent.reminders.sendtime import recipient_timezone, window_start
from agent.settings import Settings
from agent.templating import supported_languages

P = ParamSpec("P")
T = TypeVar("T")


def records_change(verb: str) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Run a schedule function inside `recorded_change`: the invoice's steps before and after, and the
    difference written down with the cause (`<verb>: <reason>`)."""

    def decorate(function: Callable[P, T]) -> Callable[P, T]:
        @wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> T:
            session = args[0]
            assert isinstance(session, Session)
            invoice = kwargs.get("invoice")
            invoice_id = invoice.id if isinstance(invoice, Invoice) else kwargs["invoice_id"]
            at, reason = kwargs["at"], kwargs["reason"]
            assert isinstance(invoice_id, int) and isinstance(at, datetime)
            with recorded_change(session, invoice_id=invoice_id, at=at, cause=f"{verb}: {reason}"):
                return function(*args, **kwargs)

        return run

    return decorate


def plan_name_for(invoice: Invoice, account: Account, settings: Settings) -> str:
    """Precedence: invoice < account < company (the most specific wins)."""
    return invoice.plan or account.plan or settings.reminders.default_plan


@dataclass(frozen=True)
class Recipient:
    zone: str
    zone_how: str
    country: str | None


def recipient_of(account: Account, contact: Contact | None, settings: Settings) -> Recipient:
    zone, how = recipient_timezone(
        contact_zone=contact.timezone if contact else None,
        account_zone=account.timezone,
        country=account.country,
        company_zone=settings.company.timezone,
    )
    return Recipient(zone=zone, zone_how=how, country=account.country)


def step_instant(invoice: Invoice, step: PlanStep, *, recipient: Recipient, start: time) -> datetime:
    """The UTC instant of a step: the start of the send window, in the recipient's time zone, on the
    business day of their country that `step_day` gives."""
    return window_start(step_day(invoice.due_date, step, recipient.country), start, recipient.zone)


def addressee_of(
    session: Session, invoice: Invoice, settings: Settings
) -> tuple[Account, Contact | None, str | None, str]:
    """The invoice's account, its valid contact, and the language to write in (None when no template
    language fits) with where that language came from."""
    account = session.get(Account, invoice.account_id)
    assert account is not None
    contact = valid_contact(session, account.id or 0)
    language, how = resolve_language(
        contact=contact,
        account=account,
        company_default=settings.company.default_language,
        supported=supported_languages(settings.templates_dir),
    )
    return account, contact, language, how


@dataclass(frozen=True)
class Layout:
    """An invoice's plan as it would be laid out now: who is written to, in which language (None when
    no template language fits, `how` says where it came from), and the instant of each step."""

    plan: Plan
    contact: Contact | None
    language: str | None
    how: str
    recipient: Recipient
    instants: list[datetime]


def lay_out(session: Session, *, invoice: Invoice, settings: Settings) -> Layout:
    account, contact, language, how = addressee_of(session, invoice, settings)
    plan = load_plan(settings.workflows_dir, plan_name_for(invoice, account, settings))
    recipient = recipient_of(account, contact, settings)
    instants = [
        step_instant(invoice, step, recipient=recipient, start=settings.reminders.send_window_start)
        for step in plan.steps
    ]
    return Layout(plan, contact, language, how, recipient, instants)


def plan_reminders(session: Session, *, invoice: Invoice, settings: Settings, at: datetime) -> list[Reminder]:
    """Create the invoice's reminder rows if they do not exist yet; returns the rows created."""
    existing = session.exec(select(Reminder).where(Reminder.invoice_id == invoice.id)).all()
    if existing:
        return []
    layout = lay_out(session, invoice=invoice, settings=settings)
    plan, language, how, instants = layout.plan, layout.language, layout.how, layout.instants
    recipient = layout.recipient
    past = [index for index, instant in enumerate(instants) if instant < at]
    catch_up = past[-1] if past else None
    # A holiday can bring two steps onto one day: the later (firmer) one goes out, the other is skipped.
    overtaken = {
        index: plan.steps[index + 1].name
        for index in range(len(instants) - 1)
        if instants[index + 1] <= instants[index]
    }
    created: list[Reminder] = []
    for index, (step, instant) in enumerate(zip(plan.steps, instants, strict=True)):
        state, planned_at = ReminderState.PLANNED, instant
        reason = f"language {language} from {how}; time zone {recipient.zone} from {recipient.zone_how}"
        if language is None:
            state, reason = ReminderState.PAUSED, f"no templates in the {how} language: a person must decide"
        elif index in overtaken and index not in past:
            state = ReminderState.SKIPPED
            reason = (
                f"falls on {instant:%Y-%m-%d} with step {overtaken[index]} (weekends and holidays "
                "brought them together): only that one goes out"
            )
        elif index in past and index != catch_up:
            state, reason = ReminderState.SKIPPED, "its date passed before the invoice reached relance"
        elif index == catch_up:
            planned_at, reason = (
                at,
                f"catching up a step due {instant:%Y-%m-%d}; language {language} from {how}",
            )
        created.append(
            add_step(
                session, invoice=invoice, contact=layout.contact, plan=plan, index=index, step=step,
                planned_at=planned_at, language=language, state=state, reason=reason, at=at,
            )
        )  # fmt: skip
    session.flush()
    audit.record(
        session,
        at=at,
        entity="invoice",
        entity_id=invoice.id,
        action="planned",
        message=f"Plan {plan.name} planned: {len(created)} steps, language {language or 'none'} ({how})",
    )
    return created


def add_step(
    session: Session,
    *,
    invoice: Invoice,
    contact: Contact | None,
    plan: Plan,
    index: int,
    step: PlanStep,
    planned_at: datetime,
    language: str | None,
    state: str,
    reason: str,
    at: datetime,
) -> Reminder:
    """One stored step of an invoice's plan; `index` is its unique position among the invoice's steps."""
    reminder = Reminder(
        invoice_id=invoice.id or 0,
        contact_id=contact.id if contact else None,
        plan=plan.name,
        step=index,
        step_name=step.name,
        template=step.template,
        tone=step.tone,
        planned_at=planned_at,
        language=language or "",
        state=state,
        reason=reason,
        created_at=at,
    )
    session.add(reminder)
    return reminder


@records_change("cancelled")
def cancel_pending(session: Session, *, invoice_id: int, at: datetime, reason: str) -> int:
    """Cancel every step that has not gone out. Steps being sent are left to the dispatcher's re-check."""
    pending = session.exec(
        select(Reminder).where(Reminder.invoice_id == invoice_id, col(Reminder.state).in_(PENDING_STATES))
    ).all()
    for reminder in pending:
        reminder.state, reminder.reason = ReminderState.CANCELLED, reason
        session.add(reminder)
    if pending:
        audit.record(
            session,
            at=at,
            entity="invoice",
            entity_id=invoice_id,
            action="reminders_cancelled",
            message=f"{len(pending)} pending reminder(s) cancelled: {reason}",
        )
    return len(pending)


def days_overdue(invoice: Invoice, at: datetime) -> int:
    return max(0, (at.date() - invoice.due_date).days)


@records_change("held")
def hold_steps(session: Session, *, invoice_id: int, at: datetime, reason: str) -> list[Reminder]:
    """Planned steps of the invoice become paused with the reason; `resume_steps` undoes it."""
    held = session.exec(
        select(Reminder).where(Reminder.invoice_id == invoice_id, Reminder.state == ReminderState.PLANNED)
    ).all()
    for reminder in held:
        reminder.state, reminder.reason = ReminderState.PAUSED, reason
        session.add(reminder)
    return list(held)


@records_change("paused")
def pause_invoice(
    session: Session, *, invoice: Invoice, at: datetime, reason: str, until: datetime | None = None
) -> int:
    """Hold an invoice's plan: its pending steps wait with the reason, until a person (or the date given,
    for a promise) resumes it. Returns the number of steps held."""
    invoice.paused, invoice.pause_reason, invoice.paused_until = True, reason, until
    session.add(invoice)
    held = hold_steps(session, invoice_id=invoice.id or 0, at=at, reason=f"invoice paused: {reason}")
    audit.record(
        session,
        at=at,
        entity="invoice",
        entity_id=invoice.id,
        action="paused",
        message=f"Invoice {invoice.number} paused"
        + (f" until {until:%Y-%m-%d %H:%M} UTC" if until else "")
        + f": {reason}",
    )
    return len(held)


@records_change("resumed")
def resume_steps(
    session: Session, *, invoice: Invoice, settings: Settings, at: datetime, reason: str
) -> list[Reminder]:
    """Put an invoice's held steps back on the schedule. The next one goes out at the first window from
    now (one step firmer than the last sent, since the steps are in order), the later ones keep their
    spacing; the language is resolved again, for the contact may have changed. A step meant for before
    or on the due date ("falls due on ...") makes no sense once that date has passed: it is skipped."""
    invoice.paused, invoice.pause_reason, invoice.paused_until = False, None, None
    session.add(invoice)
    held = list(
        session.exec(
            select(Reminder)
            .where(Reminder.invoice_id == invoice.id, Reminder.state == ReminderState.PAUSED)
            .order_by(col(Reminder.step))
        ).all()
    )
    if at.date() > invoice.due_date:
        for reminder in [r for r in held if _before_due(settings, r)]:
            reminder.state = ReminderState.SKIPPED
            reminder.reason = f"its moment, before the due date {invoice.due_date}, passed while paused"
            session.add(reminder)
            held.remove(reminder)
    if not held:
        return []
    _account, contact, language, how = addressee_of(session, invoice, settings)
    delay = max(at - held[0].planned_at, timedelta(0))
    for reminder in held:
        reminder.planned_at = reminder.planned_at + delay
        reminder.contact_id = contact.id if contact else None
        if language is None:
            reminder.reason = (
                f"resumed ({reason}) but no templates in the {how} language: a person must decide"
            )
            continue
        reminder.state, reminder.language = ReminderState.PLANNED, language
        reminder.reason = f"resumed: {reason}; language {language} from {how}"
        session.add(reminder)
    audit.record(
        session,
        at=at,
        entity="invoice",
        entity_id=invoice.id,
        action="resumed",
        message=f"Invoice {invoice.number} resumed: {reason}; next step {held[0].step_name} "
        f"at {held[0].planned_at:%Y-%m-%d %H:%M} UTC",
    )
    return list(held)


def _before_due(settings: Settings, reminder: Reminder) -> bool:
    step = find_step(settings.workflows_dir, reminder.plan, reminder.step_name)
    return step is not None and step.offset_days <= 0


@records_change("postponed")
def postpone_next_step(
    session: Session, *, invoice: Invoice, until: datetime, at: datetime, reason: str
) -> bool:
    """Move the invoice's next planned step to `until` when it would go out before (an out-of-office
    that says when the person is back)."""
    upcoming = session.exec(
        select(Reminder)
        .where(Reminder.invoice_id == invoice.id, Reminder.state == ReminderState.PLANNED)
        .order_by(col(Reminder.planned_at))
    ).first()
    if upcoming is None or upcoming.planned_at >= until:
        return False
    upcoming.planned_at, upcoming.reason = until, f"postponed: {reason}"
    session.add(upcoming)
    audit.record(
        session,
        at=at,
        entity="invoice",
        entity_id=invoice.id,
        action="postponed",
        message=f"Step {upcoming.step_name} of invoice {invoice.number} moved to {until:%Y-%m-%d}: {reason}",
    )
    return True


@dataclass(frozen=True)
class MoneyFollower:
    """The reminders' side of a move of money on an invoice (`agent.ledger.records.ScheduleFollower`)."""

    session: Session
    at: datetime

    def change(self, *, invoice_id: int, cause: str) -> AbstractContextManager[None]:
        return recorded_change(self.session, invoice_id=invoice_id, at=self.at, cause=cause)

    def settled(self, *, invoice_id: int, reason: str) -> None:
        cancel_pending(self.session, invoice_id=invoice_id, at=self.at, reason=reason)


def follow_money(*, session: Session, at: datetime) -> MoneyFollower:
    """What every caller that moves money passes to the ledger: a paid or credited invoice loses its
    pending steps, and each allocation is written down as a change to the schedule with its cause, in the
    transaction of the allocation."""
    return MoneyFollower(session, at)
