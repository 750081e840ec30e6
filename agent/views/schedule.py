"""The schedule: what will go out, to whom, when, in which words, and why not when it will not.

Three readers, one set of rules (`agent.reminders.steps`, the dispatcher's own checks and grouping):

- `schedule_page`: one page of steps for the workspace, filtered, in a fixed number of statements per
  page whatever the book's size, and without writing any e-mail;
- `email_preview`: the one e-mail of one step, written by `build_reminder` (the dispatcher's function)
  with the steps it would go out with, only when a person opens it;
- `schedule`: the CLI's dry run (every step of the next days with its subject, and its body on demand).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, or_, select

from agent.models import Account, Invoice, Reminder
from agent.models.reminder import ReminderState
from agent.reminders.schedule import recipient_of
from agent.reminders.steps import (
    StepContext,
    build_reminder,
    group_for_one_email,
    load_contexts,
    pre_send_check,
    stale_payment_data,
    threads_of,
)
from agent.settings import Settings

SHOWN_STATES = (ReminderState.PLANNED, ReminderState.PAUSED)  # the steps still to come


@dataclass(frozen=True)
class ScheduleFilters:
    """What the schedule page narrows to. `start`/`end` are UTC instants; `search` matches an invoice
    number or a customer's name (any part, any case)."""

    end: datetime
    start: datetime | None = None
    account_id: int | None = None
    language: str | None = None
    plan: str | None = None
    state: str | None = None  # planned | paused
    search: str | None = None


def _filtered(statement: Any, filters: ScheduleFilters) -> Any:
    states = [filters.state] if filters.state in SHOWN_STATES else list(SHOWN_STATES)
    statement = statement.where(col(Reminder.state).in_(states), col(Reminder.planned_at) <= filters.end)
    if filters.start is not None:
        statement = statement.where(col(Reminder.planned_at) >= filters.start)
    if filters.account_id is not None:
        statement = statement.where(Invoice.account_id == filters.account_id)
    if filters.language:
        statement = statement.where(Reminder.language == filters.language)
    if filters.plan:
        statement = statement.where(Reminder.plan == filters.plan)
    if filters.search:
        pattern = f"%{filters.search.strip().lower()}%"
        statement = statement.where(
            or_(func.lower(Invoice.number).like(pattern), func.lower(Account.name).like(pattern))
        )
    return statement


def _joined(statement: Any) -> Any:
    return statement.join(Invoice, col(Invoice.id) == col(Reminder.invoice_id)).join(
        Account, col(Account.id) == col(Invoice.account_id)
    )


def count_steps(session: Session, filters: ScheduleFilters) -> int:
    return int(session.exec(_filtered(_joined(select(func.count()).select_from(Reminder)), filters)).one())


def schedule_page(
    session: Session, settings: Settings, *, now: datetime, filters: ScheduleFilters, limit: int, offset: int
) -> list[dict[str, Any]]:
    """One page of the steps to come, in send order, each with its customer, contact, send instant in the
    customer's time zone, and whether it will go out (else why not), as the dispatcher would decide now.

    `same_email_as` lists the other invoices its e-mail will carry; they are found among all the steps of
    the same customers at the same instants, not only this page's. No e-mail is written here."""
    page = list(
        session.exec(
            _filtered(_joined(select(Reminder)), filters)
            .order_by(col(Reminder.planned_at), col(Reminder.id))
            .offset(offset)
            .limit(limit)
        )
    )
    if not page:
        return []
    hold = stale_payment_data(session, settings, now)
    contexts = load_contexts(session, page)
    peers = _peers(session, page, contexts)
    contexts |= load_contexts(session, [r for r in peers if r.id not in contexts])
    ready = [
        (r, contexts[r.id or 0])
        for r in {r.id: r for r in [*page, *peers]}.values()
        if r.state == ReminderState.PLANNED
        and pre_send_check(r, settings, contexts[r.id or 0], payment_data_hold=hold) is None
    ]
    together: dict[int, list[str]] = {}
    for planned_at in {r.planned_at for r, _ in ready}:
        for group in group_for_one_email([item for item in ready if item[0].planned_at == planned_at]):
            numbers = [context.invoice.number for _, context in group]
            for reminder, context in group:
                together[reminder.id or 0] = [n for n in numbers if n != context.invoice.number]
    rows = []
    for reminder in page:
        context = contexts[reminder.id or 0]
        verdict = pre_send_check(reminder, settings, context, payment_data_hold=hold)
        recipient = recipient_of(context.account, context.contact, settings)
        rows.append(
            _row(reminder, context)
            | {
                "customer_zone": recipient.zone,
                "customer_zone_how": recipient.zone_how,
                "would_send": verdict is None,
                "hold_reason": verdict.reason if verdict else None,
                "same_email_as": together.get(reminder.id or 0, []),
            }
        )
    return rows


def _row(reminder: Reminder, context: StepContext) -> dict[str, Any]:
    contact = context.contact
    return {
        "reminder_id": reminder.id,
        "invoice_id": context.invoice.id,
        "invoice": context.invoice.number,
        "account": context.account.name,
        "account_id": context.account.id,
        "contact": None if contact is None else {"name": contact.name, "email": contact.email},
        "language": reminder.language,
        "plan": reminder.plan,
        "step": reminder.step_name,
        "template": reminder.template,
        "planned_at": reminder.planned_at,
        "state": reminder.state,
        "reason": reminder.reason,
        "balance": context.balance,
        "currency": context.invoice.currency,
        "due_date": context.invoice.due_date,
    }


def _peers(session: Session, page: list[Reminder], contexts: dict[int, StepContext]) -> list[Reminder]:
    """The planned steps that may share an e-mail with a step of the page: same customer, same instant."""
    accounts = {contexts[r.id or 0].account.id for r in page}
    instants = {r.planned_at for r in page}
    return list(
        session.exec(
            select(Reminder)
            .join(Invoice, col(Invoice.id) == col(Reminder.invoice_id))
            .where(
                Reminder.state == ReminderState.PLANNED,
                col(Reminder.planned_at).in_(instants),
                col(Invoice.account_id).in_(accounts),
            )
        )
    )


def email_preview(
    session: Session, settings: Settings, *, reminder_id: int, now: datetime
) -> dict[str, Any] | None:
    """The e-mail one step will send, exactly: written by the dispatcher's `build_reminder`, with the
    other steps it goes out with (one e-mail listing their invoices) and the thread it answers. When the
    step would not go out now, `hold_reason` says why and there is no e-mail. None: no such step."""
    reminder = session.get(Reminder, reminder_id)
    if reminder is None:
        return None
    contexts = load_contexts(session, [reminder])
    context = contexts[reminder_id]
    peers = [r for r in _peers(session, [reminder], contexts) if r.id != reminder_id]
    contexts |= load_contexts(session, peers)
    hold = stale_payment_data(session, settings, now)
    verdict = pre_send_check(reminder, settings, context, payment_data_hold=hold)
    recipient = recipient_of(context.account, context.contact, settings)
    preview: dict[str, Any] = _row(reminder, context) | {
        "customer_zone": recipient.zone,
        "customer_zone_how": recipient.zone_how,
        "would_send": verdict is None and reminder.state == ReminderState.PLANNED,
        "hold_reason": verdict.reason if verdict else None,
        "headers": [],
        "body": None,
        "invoices": [],
    }
    if not preview["would_send"]:
        if verdict is None:
            preview["hold_reason"] = reminder.reason
        return preview
    ready = [(reminder, context)] + [
        (peer, contexts[peer.id or 0])
        for peer in peers
        if pre_send_check(peer, settings, contexts[peer.id or 0], payment_data_hold=hold) is None
    ]
    group = next(g for g in group_for_one_email(ready) if any(r.id == reminder_id for r, _ in g))
    threads = threads_of(session, [r.invoice_id for r, _ in group])
    message = build_reminder(
        group, settings, max(now, reminder.planned_at), message_id="<preview>", threads=threads
    )
    preview["headers"] = [(name, str(value)) for name, value in message.items() if name != "Message-ID"]
    preview["body"] = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    preview["invoices"] = [
        {
            "id": c.invoice.id,
            "number": c.invoice.number,
            "due_date": c.invoice.due_date,
            "balance": c.balance,
            "currency": c.invoice.currency,
        }
        for _, c in group
    ]
    return preview


def schedule(session: Session, settings: Settings, *, now: datetime, days: int) -> list[dict[str, Any]]:
    """What will go out in the next `days` days, to whom, in which words (dry run: nothing is sent).

    Steps are checked and grouped exactly as the dispatcher will: the steps of one contact planned for
    the same moment show the one e-mail that lists their invoices."""
    end = now + timedelta(days=days)
    statement = (
        select(Reminder)
        .where(Reminder.state == "planned", col(Reminder.planned_at) <= end)
        .order_by(col(Reminder.planned_at), col(Reminder.id))
    )
    payment_data_hold = stale_payment_data(session, settings, now)
    rows: dict[int, dict[str, Any]] = {}
    going_out: dict[datetime, list[tuple[Reminder, StepContext]]] = {}
    due = list(session.exec(statement))
    contexts = load_contexts(session, due)
    for reminder in due:
        context = contexts[reminder.id or 0]
        verdict = pre_send_check(reminder, settings, context, payment_data_hold=payment_data_hold)
        rows[reminder.id or 0] = {
            "reminder_id": reminder.id,
            "invoice": context.invoice.number,
            "account": context.account.name,
            "step": reminder.step_name,
            "planned_at": reminder.planned_at.isoformat(),
            "language": reminder.language,
            "template": reminder.template,
            "balance": str(context.balance),
            "currency": context.invoice.currency,
            "would_send": verdict is None,
            "hold_reason": verdict.reason if verdict else None,
        }
        if verdict is None:
            going_out.setdefault(reminder.planned_at, []).append((reminder, context))
    threads = threads_of(
        session, [reminder.invoice_id for ready in going_out.values() for reminder, _ in ready]
    )
    for planned_at, ready in going_out.items():
        for group in group_for_one_email(ready):
            preview = build_reminder(
                group, settings, max(now, planned_at), message_id="<preview>", threads=threads
            )
            numbers = [context.invoice.number for _, context in group]
            for reminder, context in group:
                rows[reminder.id or 0] |= {
                    "to": str(preview["To"]),
                    "subject": str(preview["Subject"]),
                    "body": preview.get_body(preferencelist=("plain",)).get_content(),  # type: ignore[union-attr]
                    "same_email_as": [n for n in numbers if n != context.invoice.number],
                }
    return list(rows.values())
