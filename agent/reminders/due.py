"""What is due now, and which dispatcher has it: the claims of the send side.

Several dispatchers (threads, processes, machines) share one schedule. A dispatcher claims a batch of due
steps (`claimed_by`, `claimed_until` on each row: a lease), prepares their e-mails, and marks each e-mail's
steps `sending` only right before that e-mail's own SMTP exchange (dispatch.py). So after a crash:

- steps claimed but never handed to SMTP are still `planned`: once the lease lapses any dispatcher claims
  them again and sends them (once);
- only the e-mail in flight can be `sending`; once its lease lapses, `resolve_interrupted` looks for its
  Message-ID where sent mail is kept: `sent` if found, else `ambiguous`, for a person. Never re-sent.

On PostgreSQL the batch is picked with `FOR UPDATE SKIP LOCKED` (dispatchers do not queue behind each
other's row locks); on both databases the claim itself is a conditional UPDATE that only one dispatcher
can win (SQLite has one writer at a time anyway). Every query here is set-based on the
(state, planned_at) index: no statement per row on the way to the due steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, Engine, and_, func, or_, update
from sqlmodel import Session, col, select

from agent import audit
from agent.db import session_scope
from agent.models import Reminder
from agent.models.reminder import ReminderState

BATCH = 25  # steps claimed (and later marked) per transaction


class SentLookup(Protocol):
    def contains(self, message_id: str) -> bool: ...


@dataclass(frozen=True)
class Dispatched:
    reminder_id: int
    state: str
    reason: str


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


def lapsed(now: datetime, worker: str) -> ColumnElement[bool]:
    """A row nobody holds: never claimed, or claimed by another whose lease has lapsed. A dispatcher's own
    claims are never taken back by itself within its run (its held steps are not retried in a loop)."""
    return or_(
        col(Reminder.claimed_by).is_(None),
        and_(col(Reminder.claimed_by) != worker, col(Reminder.claimed_until) <= now),
    )


def due_now(now: datetime) -> ColumnElement[bool]:
    return and_(col(Reminder.state) == ReminderState.PLANNED, col(Reminder.planned_at) <= now)


def due_steps(session: Session, now: datetime, *, limit: int | None = None) -> list[DueStep]:
    statement = (
        select(
            Reminder.id,
            Reminder.invoice_id,
            Reminder.step,
            Reminder.step_name,
            Reminder.planned_at,
            Reminder.contact_id,
        )
        .where(due_now(now))
        .order_by(col(Reminder.planned_at), col(Reminder.id))
        .limit(limit)
    )
    return [DueStep(*row) for row in session.exec(statement)]


def resolve_interrupted(
    engine: Engine, sent_mail: SentLookup | None, at: datetime, *, worker: str
) -> list[Dispatched]:
    """Steps left in `sending` by a dispatcher whose lease lapsed (it died in its SMTP exchange): `sent`
    if their Message-ID is found where sent mail is kept, else `ambiguous` for a person. A live
    dispatcher's `sending` steps (lease not lapsed) are its own business: never touched."""
    results: list[Dispatched] = []
    with session_scope(engine) as session:
        stuck = session.exec(
            select(Reminder)
            .where(col(Reminder.state) == ReminderState.SENDING, lapsed(at, worker))
            .with_for_update(skip_locked=True)
        ).all()
        found: dict[str, bool] = {}
        for reminder in stuck:
            message_id = reminder.message_id
            if message_id and sent_mail is not None and message_id not in found:
                found[message_id] = sent_mail.contains(message_id)
            if message_id and found.get(message_id):
                reminder.state, reminder.sent_at = ReminderState.SENT, at
                reminder.reason = "found in sent mail after an interruption"
            else:
                reminder.state = ReminderState.AMBIGUOUS
                reminder.reason = "interrupted while sending and not found in sent mail: a person must check"
            reminder.claimed_by = reminder.claimed_until = None
            session.add(reminder)
            results.append(Dispatched(reminder.id or 0, reminder.state, reminder.reason))
    return results


def supersede_missed(engine: Engine, now: datetime) -> list[Dispatched]:
    """After a gap (service down, machine asleep), an invoice may have several steps due at once. Only
    the latest goes out: the customer gets one message, in the tone the plan has reached, not three in a
    minute. The older ones are skipped, each with its reason: caught up once, never dropped silently.

    Set-based: one grouped statement finds the invoices with more than one due step (the index gives the
    due rows); only those invoices' steps are read."""
    results: list[Dispatched] = []
    with session_scope(engine) as session:
        crowded = session.exec(
            select(Reminder.invoice_id)
            .where(due_now(now))
            .group_by(col(Reminder.invoice_id))
            .having(func.count() > 1)
        ).all()
        if not crowded:
            return results
        due = session.exec(select(Reminder).where(due_now(now), col(Reminder.invoice_id).in_(crowded))).all()
        latest: dict[int, Reminder] = {}
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
                .values(state=ReminderState.SKIPPED, reason=reason, claimed_by=None, claimed_until=None)
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
                results.append(Dispatched(step.id or 0, ReminderState.SKIPPED, reason))
    return results


def batches(due: list[DueStep], size: int = BATCH) -> list[list[int]]:
    """Due step ids in batches of about `size`, never splitting one contact's steps: the steps that go
    out as one e-mail must be claimed together."""
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


def claim_batch(
    engine: Engine, *, now: datetime, worker: str, lease: timedelta, size: int = BATCH
) -> list[int]:
    """Claim the next due steps nobody holds (about `size`, with every due step of the same contacts, so
    that one contact's steps still go out as one e-mail). Returns the ids this worker won, committed.

    The candidates are read with SKIP LOCKED (PostgreSQL): another dispatcher picking at the same moment
    gets the next ones instead of waiting. The UPDATE re-states the condition, so a row another
    dispatcher claimed in between is not taken (and on SQLite it is the whole guarantee). A contact whose
    steps two dispatchers picked at the same instant may get two e-mails instead of one: never a step
    twice."""
    claimable = and_(due_now(now), lapsed(now, worker))
    with session_scope(engine) as session:
        first = session.exec(
            select(Reminder.id, Reminder.contact_id)
            .where(claimable)
            .order_by(col(Reminder.planned_at), col(Reminder.id))
            .limit(size)
            .with_for_update(skip_locked=True)
        ).all()
        if not first:
            return []
        ids = {step_id for step_id, _ in first}
        contacts = {contact_id for _, contact_id in first if contact_id is not None}
        if contacts:
            ids |= set(
                session.exec(
                    select(Reminder.id)
                    .where(claimable, col(Reminder.contact_id).in_(sorted(contacts)))
                    .with_for_update(skip_locked=True)
                ).all()
            )
        won = session.connection().execute(
            update(Reminder)
            .where(col(Reminder.id).in_(sorted(ids)), claimable)
            .values(claimed_by=worker, claimed_until=now + lease)
            .returning(Reminder.id)
        )
        return sorted(won.scalars())


def release(engine: Engine, reminder_ids: list[int], *, worker: str) -> None:
    """Give back the steps this worker claimed but left planned (held, postponed, put back): the next run
    (of any worker) looks at them again without waiting for the lease."""
    if not reminder_ids:
        return
    with session_scope(engine) as session:
        session.connection().execute(
            update(Reminder)
            .where(
                col(Reminder.id).in_(reminder_ids),
                col(Reminder.claimed_by) == worker,
                col(Reminder.state) == ReminderState.PLANNED,
            )
            .values(claimed_by=None, claimed_until=None)
        )
