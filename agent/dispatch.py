"""Send due reminder steps at most once, and never after payment.

For each due step: (1) reserve it and re-check everything in one transaction: an UPDATE from
`planned` to `sending` that only one dispatcher can win, then balance, pause, account credit and
contact; (2) send; (3) mark it sent. A crash between (2) and (3) leaves the step in `sending`; the
next run looks for its Message-ID where sent mail is kept and marks it `sent` if found, `ambiguous`
otherwise, for a person to decide. It is never re-sent blindly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy import Engine, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from agent import audit
from agent.db import session_scope
from agent.mail.compose import domain_of, message_id_for
from agent.mail.outgoing import Sender
from agent.models import Allocation, AuditEvent, Invoice, OutboundMessage, Reminder
from agent.models.reminder import ReminderState
from agent.settings import Settings
from agent.steps import build_reminder, load_context, outside_window, pre_send_check

log = logging.getLogger(__name__)


class SentLookup(Protocol):
    def contains(self, message_id: str) -> bool: ...


@dataclass(frozen=True)
class Dispatched:
    reminder_id: int
    state: str
    reason: str


def _reserve(session: Session, reminder_id: int, at: datetime) -> bool:
    result = session.connection().execute(
        update(Reminder)
        .where(col(Reminder.id) == reminder_id, col(Reminder.state) == ReminderState.PLANNED)
        .values(state=ReminderState.SENDING, reason=f"reserved at {at.isoformat()}")
    )
    return result.rowcount == 1


def resolve_interrupted(engine: Engine, sent_mail: SentLookup | None, at: datetime) -> list[Dispatched]:
    """Steps a crash left in `sending`: sent if their Message-ID is found where sent mail is kept."""
    results: list[Dispatched] = []
    with session_scope(engine) as session:
        stuck = session.exec(select(Reminder).where(Reminder.state == ReminderState.SENDING)).all()
        for reminder in stuck:
            if reminder.message_id and sent_mail is not None and sent_mail.contains(reminder.message_id):
                reminder.state, reminder.sent_at = ReminderState.SENT, at
                reminder.reason = "found in sent mail after an interruption"
            else:
                reminder.state = ReminderState.AMBIGUOUS
                reminder.reason = "interrupted while sending and not found in sent mail: a person must check"
            session.add(reminder)
            results.append(Dispatched(reminder.id or 0, reminder.state, reminder.reason))
    return results


@dataclass(frozen=True)
class DueStep:
    """The few columns a dispatch run needs to know of each due step (not whole rows: memory stays
    small however many steps are due at once)."""

    id: int
    invoice_id: int
    step: int
    step_name: str
    planned_at: datetime


def due_steps(session: Session, now: datetime) -> list[DueStep]:
    statement = (
        select(Reminder.id, Reminder.invoice_id, Reminder.step, Reminder.step_name, Reminder.planned_at)
        .where(Reminder.state == ReminderState.PLANNED, col(Reminder.planned_at) <= now)
        .order_by(col(Reminder.planned_at), col(Reminder.id))
    )
    return [DueStep(*row) for row in session.exec(statement)]


def supersede_missed(engine: Engine, now: datetime) -> list[Dispatched]:
    """After a gap (service down, machine asleep), an invoice may have several steps due at once. Only
    the latest goes out: the customer gets one message, in the tone the plan has reached, not three in a
    minute. The older ones are skipped, each with its reason: caught up once, never dropped silently."""
    results: list[Dispatched] = []
    with session_scope(engine) as session:
        due = due_steps(session, now)
        latest: dict[int, DueStep] = {}
        for step in due:
            if step.invoice_id not in latest or step.step > latest[step.invoice_id].step:
                latest[step.invoice_id] = step
        for step in due:
            keep = latest[step.invoice_id]
            if step.id == keep.id:
                continue
            reason = (
                f"missed on {step.planned_at:%Y-%m-%d} while relance was not running; "
                f"only the latest due step ({keep.step_name}) goes out"
            )
            skipped = session.connection().execute(
                update(Reminder)
                .where(col(Reminder.id) == step.id, col(Reminder.state) == ReminderState.PLANNED)
                .values(state=ReminderState.SKIPPED, reason=reason)
            )
            if skipped.rowcount == 1:
                audit.record(
                    session,
                    at=now,
                    entity="reminder",
                    entity_id=step.id,
                    action="skipped",
                    message=f"Step {step.step_name} skipped: {reason}",
                )
                results.append(Dispatched(step.id, ReminderState.SKIPPED, reason))
    return results


BATCH = 25  # steps reserved (and later marked) per transaction


@dataclass(frozen=True)
class Prepared:
    reminder_id: int
    message: EmailMessage


def dispatch_due(
    engine: Engine, settings: Settings, sender: Sender, *, now: datetime, sent_mail: SentLookup | None = None
) -> list[Dispatched]:
    """Send every due step once: per batch, reserve and re-check (one transaction), send, then record.

    Each step is reserved and re-checked in a committed transaction before its e-mail leaves, and marked
    sent only after; a crash in between leaves it `sending`, resolved by `resolve_interrupted`. Batching
    only decides how many steps share those two transactions (a synchronous commit each)."""
    results = resolve_interrupted(engine, sent_mail, now)
    results += supersede_missed(engine, now)
    with session_scope(engine) as session:
        due = [step.id for step in due_steps(session, now)]
    for start in range(0, len(due), BATCH):
        prepared = _reserve_and_prepare(engine, settings, due[start : start + BATCH], now, results)
        outcomes: list[tuple[Prepared, Exception | None]] = []
        for item in prepared:
            withdrawn, error = _send_if_still_owed(engine, settings, sender, item, now)
            if withdrawn is not None:
                results.append(withdrawn)
            else:
                outcomes.append((item, error))
        results += _record(engine, outcomes, now)
    return results


def _send_if_still_owed(
    engine: Engine, settings: Settings, sender: Sender, item: Prepared, now: datetime
) -> tuple[Dispatched | None, Exception | None]:
    """The last look before the e-mail leaves, with the invoice row locked until it has left.

    A payment or a pause committed since the step was reserved is seen here, and the step is withdrawn.
    On PostgreSQL the lock also makes a payment committing during the send wait for it, so the two are
    ordered: the reminder left before the payment was known, never after. (SQLite has no row locks; its
    window is the few milliseconds of one SMTP exchange.) Two small queries, no ORM: this runs for every
    e-mail."""
    with engine.begin() as connection:
        invoice_id = connection.execute(
            sa_select(Reminder.invoice_id).where(col(Reminder.id) == item.reminder_id)
        ).scalar_one()
        amount_due, paused, pause_reason, currency = connection.execute(
            sa_select(Invoice.amount_due, Invoice.paused, Invoice.pause_reason, Invoice.currency)
            .where(col(Invoice.id) == invoice_id)
            .with_for_update()
        ).one()
        allocated = connection.execute(
            sa_select(Allocation.amount).where(col(Allocation.invoice_id) == invoice_id)
        ).scalars()
        balance = amount_due - sum(allocated, Decimal("0.00"))
        if balance <= settings.reminders.balance_tolerance or paused:
            state = ReminderState.PAUSED if paused else ReminderState.CANCELLED
            reason = (
                f"withdrawn before sending: {pause_reason or 'invoice paused'}"
                if paused
                else f"withdrawn before sending: balance {balance} {currency}"
            )
            connection.execute(
                update(Reminder)
                .where(col(Reminder.id) == item.reminder_id)
                .values(state=state, reason=reason)
            )
            connection.execute(
                insert(AuditEvent).values(
                    at=now,
                    entity="reminder",
                    entity_id=item.reminder_id,
                    action=state,
                    message=f"Step {reason}",
                    detail={},
                )
            )
            return Dispatched(item.reminder_id, state, reason), None
        try:
            sender.send(item.message)
        except Exception as error:  # the step must not stay reserved forever: say what happened
            log.exception("sending reminder %s failed", item.reminder_id)
            return None, error
    return None, None


def _reserve_and_prepare(
    engine: Engine, settings: Settings, reminder_ids: list[int], now: datetime, results: list[Dispatched]
) -> list[Prepared]:
    """Reserve each step, re-check it, and render its e-mail, all in one transaction."""
    domain = domain_of(settings.company.collections_address)
    prepared: list[Prepared] = []
    with session_scope(engine) as session:
        for reminder_id in reminder_ids:
            if not _reserve(session, reminder_id, now):
                continue  # another dispatcher took it, or its state changed since we looked
            reminder = session.get(Reminder, reminder_id)
            assert reminder is not None
            session.refresh(reminder)
            context = load_context(session, reminder)
            verdict = pre_send_check(session, reminder, settings, now, context)
            if verdict is not None:
                reminder.state, reminder.reason = verdict
                session.add(reminder)
                if verdict[0] != ReminderState.PLANNED:  # a hold is retried every tick: its reason is enough
                    audit.record(
                        session,
                        at=now,
                        entity="reminder",
                        entity_id=reminder_id,
                        action=verdict[0],
                        message=f"Step {reminder.step_name} not sent: {verdict[1]}",
                    )
                results.append(Dispatched(reminder_id, verdict[0], verdict[1]))
                continue
            later = outside_window(settings, now, context)
            if later is not None:  # due, but not a moment to write to this customer: the next window
                reminder.state, reminder.planned_at = ReminderState.PLANNED, later
                reminder.reason = f"outside the send window: moved to {later:%Y-%m-%d %H:%M} UTC"
                session.add(reminder)
                results.append(Dispatched(reminder_id, ReminderState.PLANNED, reminder.reason))
                continue
            reminder.message_id = message_id_for("reminder", str(reminder_id), domain)
            session.add(reminder)
            prepared.append(Prepared(reminder_id, build_reminder(session, reminder, settings, now, context)))
    return prepared


def _record(
    engine: Engine, outcomes: list[tuple[Prepared, Exception | None]], now: datetime
) -> list[Dispatched]:
    """Mark what was sent (and what failed, with the server's words) in one transaction."""
    results: list[Dispatched] = []
    with session_scope(engine) as session:
        for item, error in outcomes:
            reminder = session.get(Reminder, item.reminder_id)
            assert reminder is not None
            if error is not None:
                reminder.state, reminder.reason = ReminderState.FAILED, f"send failed: {error}"
                session.add(reminder)
                results.append(Dispatched(item.reminder_id, ReminderState.FAILED, str(error)))
                continue
            recipient = str(item.message["To"])
            reminder.state, reminder.sent_at = ReminderState.SENT, now
            reminder.reason = f"sent to {recipient} in {reminder.language}"
            session.add(reminder)
            session.add(
                OutboundMessage(
                    message_id=reminder.message_id or "",
                    purpose="reminder",
                    recipient=recipient,
                    subject=str(item.message["Subject"]),
                    language=reminder.language,
                    sent_at=now,
                )
            )
            audit.record(
                session,
                at=now,
                entity="invoice",
                entity_id=reminder.invoice_id,
                action="reminder_sent",
                message=f"Step {reminder.step_name} sent to {recipient} in {reminder.language}",
                reminder_id=item.reminder_id,
            )
            results.append(Dispatched(item.reminder_id, ReminderState.SENT, reminder.reason))
    return results
