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

from sqlalchemy import Connection, Engine, bindparam, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from agent import audit
from agent.db import session_scope
from agent.mail.compose import domain_of, message_id_for
from agent.mail.outgoing import Sender
from agent.models import Allocation, AuditEvent, Invoice, OutboundMessage, Reminder
from agent.models.reminder import ReminderState
from agent.reminders.steps import (
    StepContext,
    Verdict,
    build_reminder,
    group_for_one_email,
    load_contexts,
    not_yet,
    pre_send_check,
    stale_payment_data,
    threads_of,
)
from agent.settings import Settings

log = logging.getLogger(__name__)


class SentLookup(Protocol):
    def contains(self, message_id: str) -> bool: ...


@dataclass(frozen=True)
class Dispatched:
    reminder_id: int
    state: str
    reason: str


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
    contact_id: int | None


def due_steps(session: Session, now: datetime) -> list[DueStep]:
    statement = (
        select(
            Reminder.id,
            Reminder.invoice_id,
            Reminder.step,
            Reminder.step_name,
            Reminder.planned_at,
            Reminder.contact_id,
        )
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


def batches(due: list[DueStep], size: int = BATCH) -> list[list[int]]:
    """Due step ids in batches of about `size`, never splitting one contact's steps: the steps that go
    out as one e-mail must be reserved together."""
    by_contact: dict[object, list[int]] = {}
    for step in due:
        key = step.contact_id if step.contact_id is not None else ("step", step.id)
        by_contact.setdefault(key, []).append(step.id)
    result: list[list[int]] = [[]]
    for ids in by_contact.values():
        if result[-1] and len(result[-1]) + len(ids) > size:
            result.append([])
        result[-1].extend(ids)
    return [batch for batch in result if batch]


@dataclass(frozen=True)
class Prepared:
    """One e-mail about to leave, and the steps (one per invoice it lists) it carries out."""

    reminder_ids: tuple[int, ...]
    invoice_ids: tuple[int, ...]
    message_id: str
    language: str
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
        due = due_steps(session, now)
    for batch in batches(due):
        prepared = _reserve_and_prepare(engine, settings, batch, now, results)
        outcomes: list[tuple[Prepared, Exception | None]] = []
        for item in prepared:
            withdrawn, error = _send_if_still_owed(engine, settings, sender, item, now)
            if withdrawn:
                results += withdrawn
            else:
                outcomes.append((item, error))
        results += _record(engine, outcomes, now)
    return results


def _reserve_and_prepare(
    engine: Engine, settings: Settings, reminder_ids: list[int], now: datetime, results: list[Dispatched]
) -> list[Prepared]:
    """Reserve the batch's steps, re-check each, and write their e-mails, all in one transaction.

    The reservation is one UPDATE from `planned` to `sending`: a step another dispatcher took, or whose
    state changed since it was listed, is not returned and not touched."""
    domain = domain_of(settings.company.collections_address)
    with session_scope(engine) as session:
        reserved = session.connection().execute(
            update(Reminder)
            .where(col(Reminder.id).in_(reminder_ids), col(Reminder.state) == ReminderState.PLANNED)
            .values(state=ReminderState.SENDING, reason=f"reserved at {now.isoformat()}")
            .returning(Reminder.id)
        )
        reserved_ids = sorted(reserved.scalars())
        payment_data_hold = stale_payment_data(session, settings, now)
        ready: list[tuple[Reminder, StepContext]] = []
        reminders = session.exec(select(Reminder).where(col(Reminder.id).in_(reserved_ids))).all()
        contexts = load_contexts(session, list(reminders))
        for reminder in reminders:
            context = contexts[reminder.id or 0]
            verdict = pre_send_check(
                reminder, settings, context, payment_data_hold=payment_data_hold
            ) or _later(settings, reminder, now, context)
            if verdict is None:
                ready.append((reminder, context))
                continue
            reminder.state, reminder.reason = verdict
            session.add(reminder)
            if verdict.state != ReminderState.PLANNED:  # a hold is retried every tick: its reason is enough
                audit.record(
                    session,
                    at=now,
                    entity="reminder",
                    entity_id=reminder.id,
                    action=verdict.state,
                    message=f"Step {reminder.step_name} not sent: {verdict.reason}",
                )
            results.append(Dispatched(reminder.id or 0, verdict.state, verdict.reason))
        prepared: list[Prepared] = []
        threads = threads_of(session, [reminder.invoice_id for reminder, _ in ready])
        for group in group_for_one_email(ready):
            message_id = message_id_for("reminder", str(group[0][0].id), domain)
            for reminder, _context in group:
                reminder.message_id = message_id
                session.add(reminder)
            prepared.append(
                Prepared(
                    reminder_ids=tuple(reminder.id or 0 for reminder, _ in group),
                    invoice_ids=tuple(reminder.invoice_id for reminder, _ in group),
                    message_id=message_id,
                    language=group[0][0].language,
                    message=build_reminder(group, settings, now, message_id=message_id, threads=threads),
                )
            )
    return prepared


def _later(settings: Settings, reminder: Reminder, now: datetime, context: StepContext) -> Verdict | None:
    """A due step that may not go out at this moment (outside the customer's send window, or before its
    condition holds) is moved to the moment it may, and stays planned."""
    postponed = not_yet(settings, reminder, now, context)
    if postponed is None:
        return None
    reminder.planned_at = postponed[0]
    return Verdict(ReminderState.PLANNED, f"{postponed[1]}: moved to {postponed[0]:%Y-%m-%d %H:%M} UTC")


# The last look's two statements, built once: it runs for every e-mail that leaves.
LAST_LOOK_INVOICES = (
    sa_select(Invoice.id, Invoice.amount_due, Invoice.paused, Invoice.pause_reason, Invoice.currency)
    .where(col(Invoice.id).in_(bindparam("ids", expanding=True)))
    .order_by(col(Invoice.id))
    .with_for_update()
)
LAST_LOOK_ALLOCATIONS = sa_select(Allocation.invoice_id, Allocation.amount).where(
    col(Allocation.invoice_id).in_(bindparam("ids", expanding=True))
)


def _send_if_still_owed(
    engine: Engine, settings: Settings, sender: Sender, item: Prepared, now: datetime
) -> tuple[list[Dispatched], Exception | None]:
    """The last look before the e-mail leaves, with its invoices' rows locked until it has left.

    A payment or a pause committed since the steps were reserved is seen here. That invoice's step is
    withdrawn; the other invoices of the same e-mail go back to `planned` and leave at the next run in an
    e-mail rewritten without it (an e-mail that lists a paid invoice is never sent). On PostgreSQL the
    lock also makes a payment committing during the send wait for it, so the two are ordered: the
    reminder left before the payment was known, never after. (SQLite has no row locks; its window is the
    few milliseconds of one SMTP exchange.) Plain Core queries, no ORM: this runs for every e-mail."""
    ids = {"ids": list(item.invoice_ids)}
    with engine.begin() as connection:
        invoices = connection.execute(LAST_LOOK_INVOICES, ids).all()
        allocated: dict[int, Decimal] = dict.fromkeys(item.invoice_ids, Decimal("0.00"))
        for invoice_id, amount in connection.execute(LAST_LOOK_ALLOCATIONS, ids):
            allocated[invoice_id] += amount
        withdrawn: dict[int, tuple[str, str]] = {}
        for invoice_id, amount_due, paused, pause_reason, currency in invoices:
            balance = amount_due - allocated[invoice_id]
            if paused:
                withdrawn[invoice_id] = (
                    ReminderState.PAUSED,
                    f"withdrawn before sending: {pause_reason or 'invoice paused'}",
                )
            elif balance <= settings.reminders.balance_tolerance:
                withdrawn[invoice_id] = (
                    ReminderState.CANCELLED,
                    f"withdrawn before sending: balance {balance} {currency}",
                )
        if withdrawn:
            return _withdraw(connection, item, withdrawn, now), None
        try:
            sender.send(item.message)
        except Exception as error:  # the steps must not stay reserved forever: say what happened
            log.exception("sending reminder(s) %s failed", item.reminder_ids)
            return [], error
    return [], None


def _withdraw(
    connection: Connection, item: Prepared, withdrawn: dict[int, tuple[str, str]], now: datetime
) -> list[Dispatched]:
    results = []
    for reminder_id, invoice_id in zip(item.reminder_ids, item.invoice_ids, strict=True):
        state, reason = withdrawn.get(
            invoice_id,
            (
                ReminderState.PLANNED,
                "put back: another invoice of the same e-mail changed before sending; "
                "it goes out at the next run in an e-mail rewritten without it",
            ),
        )
        connection.execute(
            update(Reminder)
            .where(col(Reminder.id) == reminder_id)
            .values(state=state, reason=reason, message_id=None)
        )
        connection.execute(
            insert(AuditEvent).values(
                at=now,
                entity="reminder",
                entity_id=reminder_id,
                action=state,
                message=f"Step {reason}",
                detail={},
            )
        )
        results.append(Dispatched(reminder_id, state, reason))
    return results


def _record(
    engine: Engine, outcomes: list[tuple[Prepared, Exception | None]], now: datetime
) -> list[Dispatched]:
    """Mark what was sent (and what failed, with the server's words) in one transaction."""
    results: list[Dispatched] = []
    with session_scope(engine) as session:
        ids = [reminder_id for item, _ in outcomes for reminder_id in item.reminder_ids]
        rows = {r.id: r for r in session.exec(select(Reminder).where(col(Reminder.id).in_(ids)))}
        for item, error in outcomes:
            recipient = str(item.message["To"])
            listed = len(item.reminder_ids)
            for reminder_id in item.reminder_ids:
                reminder = rows[reminder_id]
                if error is not None:
                    reminder.state, reminder.reason = ReminderState.FAILED, f"send failed: {error}"
                    session.add(reminder)
                    results.append(Dispatched(reminder_id, ReminderState.FAILED, str(error)))
                    continue
                reminder.state, reminder.sent_at = ReminderState.SENT, now
                reminder.reason = f"sent to {recipient} in {reminder.language}" + (
                    f", in one e-mail listing {listed} invoices" if listed > 1 else ""
                )
                session.add(reminder)
                audit.record(
                    session,
                    at=now,
                    entity="invoice",
                    entity_id=reminder.invoice_id,
                    action="reminder_sent",
                    message=f"Step {reminder.step_name} {reminder.reason}",
                    reminder_id=reminder_id,
                )
                results.append(Dispatched(reminder_id, ReminderState.SENT, reminder.reason))
            if error is None:
                session.add(
                    OutboundMessage(
                        message_id=item.message_id,
                        purpose="reminder",
                        recipient=recipient,
                        subject=str(item.message["Subject"]),
                        language=item.language,
                        sent_at=now,
                    )
                )
    return results
