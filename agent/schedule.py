"""The stored schedule: an invoice's plan turned into one reminder row per step.

Planning is idempotent (the unique (invoice, step) key), the language is resolved once and frozen
on each row, and every state change carries a reason. A step whose time passed before the invoice
reached us is never dropped silently: the latest one is caught up once, older ones are skipped with
the reason written down.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from agent import audit
from agent.accounts import resolve_language, valid_contact
from agent.models import Account, Invoice, Reminder
from agent.models.reminder import PENDING_STATES, ReminderState
from agent.plans import Plan, PlanStep, load_plan
from agent.settings import Settings
from agent.templating import supported_languages


def plan_name_for(invoice: Invoice, account: Account, settings: Settings) -> str:
    """Precedence: invoice < account < company (the most specific wins)."""
    return invoice.plan or account.plan or settings.reminders.default_plan


def step_instant(invoice: Invoice, step: PlanStep, *, timezone: str, send_hour: int) -> datetime:
    """The UTC instant of a step: the local send hour on due date + offset, daylight-saving safe."""
    local_day = invoice.due_date + timedelta(days=step.offset_days)
    local = datetime.combine(local_day, time(hour=send_hour), tzinfo=ZoneInfo(timezone))
    return local.astimezone(ZoneInfo("UTC"))


def plan_reminders(session: Session, *, invoice: Invoice, settings: Settings, at: datetime) -> list[Reminder]:
    """Create the invoice's reminder rows if they do not exist yet; returns the rows created."""
    existing = session.exec(select(Reminder).where(Reminder.invoice_id == invoice.id)).all()
    if existing:
        return []
    account = session.get(Account, invoice.account_id)
    assert account is not None
    contact = valid_contact(session, account.id or 0)
    plan: Plan = load_plan(settings.workflows_dir, plan_name_for(invoice, account, settings))
    language, how = resolve_language(
        contact=contact,
        account=account,
        company_default=settings.company.default_language,
        supported=supported_languages(settings.templates_dir),
    )
    instants = [
        step_instant(
            invoice, step, timezone=settings.company.timezone, send_hour=settings.reminders.send_hour
        )
        for step in plan.steps
    ]
    past = [index for index, instant in enumerate(instants) if instant < at]
    catch_up = past[-1] if past else None
    created: list[Reminder] = []
    for index, (step, instant) in enumerate(zip(plan.steps, instants, strict=True)):
        state, reason, planned_at = ReminderState.PLANNED, f"language {language} from {how}", instant
        if language is None:
            state, reason = ReminderState.PAUSED, f"no templates in the {how} language: a person must decide"
        elif index in past and index != catch_up:
            state, reason = ReminderState.SKIPPED, "its date passed before the invoice reached relance"
        elif index == catch_up:
            planned_at, reason = (
                at,
                f"catching up a step due {instant:%Y-%m-%d}; language {language} from {how}",
            )
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
        created.append(reminder)
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


def planned_until(session: Session, *, end: datetime) -> list[Reminder]:
    """Steps still planned at or before `end` (overdue ones included), in sending order."""
    statement = (
        select(Reminder)
        .where(Reminder.state == ReminderState.PLANNED, col(Reminder.planned_at) <= end)
        .order_by(col(Reminder.planned_at), col(Reminder.id))
    )
    return list(session.exec(statement))


def days_overdue(invoice: Invoice, at: datetime) -> int:
    return max(0, (at.date() - invoice.due_date).days)
