"""Which worker runs which message's graph thread: claims on `inbound_message` rows, with a lease.

Every `relance run` process on one database is a worker. One of them, the holder of the `mailbox.reader`
lease, reads the mailbox and records each new message as a `received` row (flow/service.py); any worker
then claims a `received` row (or a `waiting` one to resume), runs its thread and settles it. The claim is
what makes sure two workers never run one thread at once (LangGraph's Postgres checkpointer would let any
process resume any thread): a row is claimed by one conditional UPDATE only one worker can win, picked
with `FOR UPDATE SKIP LOCKED` on PostgreSQL so that workers never queue behind each other. A worker that
dies mid-message loses it when the lease lapses; another claims it and runs the thread again from its
last checkpoint (intake is idempotent: content hashes, unique numbers).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Engine, and_, delete, or_, update
from sqlmodel import col, select

from agent.clock import Clock
from agent.db import session_scope
from agent.models import InboundMessage

log = logging.getLogger(__name__)
MAILBOX_READER = "mailbox.reader"


def _free(now: datetime, worker: str) -> ColumnElement[bool]:
    """Nobody runs it: never claimed, or claimed by another worker whose lease lapsed."""
    return or_(
        col(InboundMessage.claimed_by).is_(None),
        and_(col(InboundMessage.claimed_by) != worker, col(InboundMessage.claimed_until) <= now),
    )


def claim_message(
    engine: Engine, *, status: str, now: datetime, worker: str, lease: timedelta, after: int = 0
) -> int | None:
    """Claim the oldest message in `status` (id above `after`) that nobody runs; its id, committed."""
    free = and_(col(InboundMessage.status) == status, _free(now, worker), col(InboundMessage.id) > after)
    with session_scope(engine) as session:
        candidates = session.exec(
            select(InboundMessage.id)
            .where(free)
            .order_by(col(InboundMessage.id))
            .limit(1)
            .with_for_update(skip_locked=True)
        ).all()
        if not candidates:
            return None
        won = session.connection().execute(
            update(InboundMessage)
            .where(col(InboundMessage.id) == candidates[0], free)
            .values(claimed_by=worker, claimed_until=now + lease)
            .returning(InboundMessage.id)
        )
        return won.scalar()


def claim_this(engine: Engine, inbound_id: int, *, now: datetime, worker: str, lease: timedelta) -> bool:
    """Claim one known message (the one this worker just recorded): False when another worker runs it."""
    with session_scope(engine) as session:
        won = session.connection().execute(
            update(InboundMessage)
            .where(col(InboundMessage.id) == inbound_id, _free(now, worker))
            .values(claimed_by=worker, claimed_until=now + lease)
        )
        return won.rowcount == 1


def unclaim(engine: Engine, inbound_id: int, *, worker: str) -> None:
    """Give a message back without an outcome (it is to be run again by whoever claims it next)."""
    with session_scope(engine) as session:
        session.connection().execute(
            update(InboundMessage)
            .where(col(InboundMessage.id) == inbound_id, col(InboundMessage.claimed_by) == worker)
            .values(claimed_by=None, claimed_until=None)
        )


def void_claims(engine: Engine) -> None:
    """Every claim and lease given up at once. Only for a worker that knows it is the only one: `relance
    run` on SQLite, holding the data directory's lock file, so any claim it finds was a dead process's
    and need not wait for its lease."""
    from agent.models import Reminder
    from agent.models.audit import WorkLease

    with session_scope(engine) as session:
        connection = session.connection()
        for model in (InboundMessage, Reminder):
            connection.execute(
                update(model)
                .where(col(model.claimed_by).is_not(None))
                .values(claimed_by=None, claimed_until=None)
            )
        connection.execute(delete(WorkLease))


@contextmanager
def kept_alive(
    engine: Engine, inbound_id: int, *, worker: str, lease: timedelta, clock: Clock
) -> Iterator[None]:
    """While a message's thread runs, renew its claim every third of the lease (a message read by OCR may
    take longer than one lease; without this, another worker would take it over mid-run). Real time by
    nature: it is this process's liveness that it proves. Nothing to renew with a lease of 0."""
    seconds = lease.total_seconds()
    if seconds <= 0:
        yield
        return
    done = threading.Event()

    def renew() -> None:
        while not done.wait(seconds / 3):
            try:
                with session_scope(engine) as session:
                    session.connection().execute(
                        update(InboundMessage)
                        .where(col(InboundMessage.id) == inbound_id, col(InboundMessage.claimed_by) == worker)
                        .values(claimed_until=clock.now() + lease)
                    )
            except Exception:  # the database is away: the claim may lapse, and the work be redone
                log.warning("could not renew the claim on message %s", inbound_id, exc_info=True)

    thread = threading.Thread(target=renew, daemon=True, name=f"claim-{inbound_id}")
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
