"""Send due reminder steps at most once, and never after payment.

Per batch: (1) claim the steps (due.py: a lease only one dispatcher can win) and re-check everything in
one transaction: balance, pause, account credit, contact, send window; (2) per e-mail, a last look at its
invoices, then its steps move from `planned` to `sending` in a committed UPDATE, then the SMTP exchange;
(3) mark the batch's e-mails sent. A crash leaves only the e-mail in flight in `sending`: once its lease
lapses the next run looks for its Message-ID where sent mail is kept and marks it `sent` if found,
`ambiguous` otherwise, for a person to decide. It is never re-sent blindly. The batch's other steps are
still `planned` and go out (once) after the lease.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage

from sqlalchemy import Connection, Engine, bindparam, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from agent import audit
from agent.db import lease_seconds, session_scope, worker_name
from agent.mail.compose import domain_of, message_id_for
from agent.mail.outgoing import Sender
from agent.models import Allocation, AuditEvent, Invoice, OutboundMessage, Reminder
from agent.models.reminder import ReminderState
from agent.reminders.due import (
    BATCH,
    Dispatched,
    DueStep,
    SentLookup,
    batches,
    claim_batch,
    due_steps,
    release,
    resolve_interrupted,
    supersede_missed,
)
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
__all__ = ["BATCH", "Dispatched", "DueStep", "SentLookup", "batches", "dispatch_due", "due_steps"]


@dataclass(frozen=True)
class Prepared:
    """One e-mail about to leave, and the steps (one per invoice it lists) it carries out."""

    reminder_ids: tuple[int, ...]
    invoice_ids: tuple[int, ...]
    message_id: str
    language: str
    message: EmailMessage


def dispatch_due(
    engine: Engine,
    settings: Settings,
    sender: Sender,
    *,
    now: datetime,
    sent_mail: SentLookup | None = None,
    worker: str | None = None,
) -> list[Dispatched]:
    """Send every due step once: per claimed batch, re-check (one transaction), then per e-mail mark its
    steps `sending` (committed) and send, then record the batch.

    `worker` signs the claims (default: a name of its own for this run). The lease is
    `workers.lease_seconds` on the injected clock's `now`: a dead dispatcher's steps are taken over once
    it has lapsed."""
    worker = worker or worker_name(settings)
    lease = timedelta(seconds=lease_seconds(settings))
    results = resolve_interrupted(engine, sent_mail, now, worker=worker)
    results += supersede_missed(engine, now)
    held: list[int] = []  # claimed, looked at, left planned: given back at the end of the run
    try:
        while batch := claim_batch(engine, now=now, worker=worker, lease=lease):
            prepared = _prepare(engine, settings, batch, now, results, held)
            outcomes: list[tuple[Prepared, Exception | None]] = []
            for item in prepared:
                withdrawn, error, marked = _send_if_still_owed(
                    engine, settings, sender, item, now, worker=worker, until=now + lease
                )
                results += withdrawn
                held += [w.reminder_id for w in withdrawn if w.state == ReminderState.PLANNED]
                if marked:
                    outcomes.append((item, error))
            results += _record(engine, outcomes, now)
    finally:
        release(engine, held, worker=worker)
    return results


def _prepare(
    engine: Engine,
    settings: Settings,
    reminder_ids: list[int],
    now: datetime,
    results: list[Dispatched],
    held: list[int],
) -> list[Prepared]:
    """Re-check each claimed step and write the e-mails, in one transaction. A step that may not go now
    (a hold, a send window) gets its verdict; a held or postponed step stays planned and claimed until
    the end of the run (`held`), so the run does not look at it twice."""
    domain = domain_of(settings.company.collections_address)
    with session_scope(engine) as session:
        payment_data_hold = stale_payment_data(session, settings, now)
        ready: list[tuple[Reminder, StepContext]] = []
        reminders = session.exec(
            select(Reminder).where(col(Reminder.id).in_(reminder_ids)).order_by(col(Reminder.id))
        ).all()
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
            if verdict.state == ReminderState.PLANNED:
                held.append(reminder.id or 0)
            else:
                reminder.claimed_by = reminder.claimed_until = None
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
    engine: Engine,
    settings: Settings,
    sender: Sender,
    item: Prepared,
    now: datetime,
    *,
    worker: str,
    until: datetime,
) -> tuple[list[Dispatched], Exception | None, bool]:
    """The last look before the e-mail leaves, with its invoices' rows locked until it has left.
    Returns (steps withdrawn, the send's error, whether its steps were marked `sending`).

    A payment or a pause committed since the steps were claimed is seen here. That invoice's step is
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
            return _withdraw(connection, item, withdrawn, now), None, False
        if not _mark_sending(engine, item, worker=worker, until=until):
            return [], None, False  # the claim lapsed and another dispatcher has these steps now
        try:
            sender.send(item.message)
        except Exception as error:  # the steps must not stay reserved forever: say what happened
            log.exception("sending reminder(s) %s failed", item.reminder_ids)
            return [], error, True
    return [], None, True


def _mark_sending(engine: Engine, item: Prepared, *, worker: str, until: datetime) -> bool:
    """This e-mail's steps, and only them, become `sending`, committed before the SMTP exchange begins:
    after a crash, exactly the e-mail that may have left is in doubt. A transaction of its own (a second
    connection), because the last look's must stay open to keep the invoices locked during the send;
    it writes no invoice row, so it never waits on that lock."""
    try:
        with engine.begin() as connection:
            marked = connection.execute(
                update(Reminder)
                .where(
                    col(Reminder.id).in_(item.reminder_ids),
                    col(Reminder.state) == ReminderState.PLANNED,
                    col(Reminder.claimed_by) == worker,
                )
                .values(state=ReminderState.SENDING, message_id=item.message_id, claimed_until=until)
            )
            if marked.rowcount != len(item.reminder_ids):
                raise _NoLongerOurs  # rolled back: none of it leaves from here
    except _NoLongerOurs:
        return False
    return True


class _NoLongerOurs(Exception):
    """Part of an e-mail's steps was taken over by another dispatcher (this one's lease lapsed)."""


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
        # A step put back stays claimed until the end of the run (`held`): it leaves at the next run.
        claim = {} if state == ReminderState.PLANNED else {"claimed_by": None, "claimed_until": None}
        connection.execute(
            update(Reminder)
            .where(col(Reminder.id) == reminder_id)
            .values(state=state, reason=reason, message_id=None, **claim)
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
                reminder.claimed_by = reminder.claimed_until = None
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
