"""The agent as a service: keep every message, run it through the graph, dispatch what is due.

`tick(now)` is the whole product at one instant: read the mailbox, resume conversations that finance
answered, send the reminder steps that are due. `relance run` calls it on a schedule; `relance tick
--now`, the demo and the tests call it with the clock they choose.

Several agents (processes, machines) may tick on one database: each is a worker and every piece of work
is claimed in the database (flow/claims.py, reminders/due.py, `agent.db.claim_lease`), never in memory.
The holder of the `mailbox.reader` lease reads the mailbox and records new messages; any worker runs
them. Leases are read on the agent's clock (the system clock in `relance run`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from langgraph.types import Command
from sqlalchemy import func
from sqlmodel import Session, col, select

from agent.clock import FixedClock
from agent.customers.replies import resume_broken_promises
from agent.db import claim_lease, lease_seconds, release_lease, session_scope, worker_name
from agent.finance.plan_end import hand_over_exhausted
from agent.flow.claims import MAILBOX_READER, claim_message, claim_this, kept_alive, unclaim
from agent.flow.digest import send_weekly_digest
from agent.flow.graph import build_graph, make_checkpointer
from agent.flow.keeping import keep_failed_message, keep_message
from agent.mail.imap import ImapInbox
from agent.mail.maildir import MaildirOutbox
from agent.mail.smtp import SentCopySender
from agent.models import InboundMessage, SyncState, Task
from agent.models.message import InboundStatus
from agent.models.task import TaskStatus
from agent.payments import ImportReport
from agent.payments.sync import import_payment_file, sync_connectors, sync_payment_folder
from agent.reminders.dispatch import Dispatched, dispatch_due
from agent.runtime import Inbox, Runtime

log = logging.getLogger(__name__)

FINISHED = {
    InboundStatus.PROCESSED,
    InboundStatus.IGNORED,
    InboundStatus.QUARANTINED,
    InboundStatus.WAITING,
    InboundStatus.FAILED,
}


@dataclass
class TickReport:
    at: datetime
    received: list[int] = field(default_factory=list)
    resumed: list[int] = field(default_factory=list)
    dispatched: list[Dispatched] = field(default_factory=list)
    payment_files: list[str] = field(default_factory=list)
    promises_broken: list[str] = field(default_factory=list)
    plans_ended: list[str] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)  # the addresses this week's digest went to


class Agent:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.checkpointer = make_checkpointer(runtime.settings)
        self.graph = build_graph(self.checkpointer)
        self._inbox: Inbox | None = None  # one connection for the agent's life (IMAP), opened on first use
        self.worker = worker_name(runtime.settings)  # signs this agent's claims

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=lease_seconds(self.runtime.settings))

    @property
    def inbox(self) -> Inbox:
        if self._inbox is None:
            self._inbox = self.runtime.inbox()
        return self._inbox

    def close(self) -> None:
        try:  # a clean stop hands the mailbox over at once; a dead worker's lease lapses instead
            release_lease(self.runtime.engine, MAILBOX_READER, holder=self.worker)
        except Exception:  # the database may be what failed; closing must go on
            log.warning("could not give the mailbox reader lease back", exc_info=True)
        if isinstance(self._inbox, ImapInbox):
            self._inbox.close()
        closer = getattr(self.runtime.sender, "close", None)
        if callable(closer):
            closer()
        self.checkpointer.conn.close()
        self.runtime.engine.dispose()

    def __enter__(self) -> Agent:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- intake ---------------------------------------------------------------------------------------------
    def keep(self, raw: bytes) -> tuple[int, bool]:
        """Store the raw bytes and the message row, committed (flow/keeping.py): (id, still to run)."""
        return keep_message(self.runtime, raw)

    def keep_failed(self, raw: bytes, error: BaseException) -> int | None:
        """The last resort when `keep` itself failed: a row that says why (None: nothing could be written)."""
        return keep_failed_message(self.runtime, raw, error)

    def process(self, inbound_id: int) -> str:
        """Run one message's graph thread. The caller holds its claim (`claim_message`, `claim_this`)."""
        with session_scope(self.runtime.engine) as session:
            inbound = session.get(InboundMessage, inbound_id)
            assert inbound is not None
            config = {"configurable": {"thread_id": inbound.thread_id}}
        try:
            result = self.graph.invoke(
                {"inbound_id": inbound_id}, config, context=self.runtime, durability="sync"
            )
        except Exception as error:  # visible, never silent: the row says why, the raw bytes are kept
            log.exception("message %s failed", inbound_id)
            return self._set_status(inbound_id, InboundStatus.FAILED, f"{type(error).__name__}: {error}")
        return self._settle_result(inbound_id, result)

    def _settle_result(self, inbound_id: int, result: dict[str, object]) -> str:
        if result.get("__interrupt__"):
            return self._set_status(inbound_id, InboundStatus.WAITING, None, kind=str(result.get("route")))
        outcome = str(result.get("outcome", ""))
        status = {"quarantined": InboundStatus.QUARANTINED, "ignored": InboundStatus.IGNORED}.get(
            outcome, InboundStatus.PROCESSED
        )
        settled = self._set_status(inbound_id, status, None, kind=str(result.get("route")))
        self._prune(inbound_id)
        return settled

    def _prune(self, inbound_id: int) -> None:
        """A finished thread's checkpoints are dropped once its outcome is committed: nothing will resume
        it (a thread waits only while its message is `waiting`), and they would grow with every message,
        ignored ones included. The outcome and the audit log say what happened."""
        with session_scope(self.runtime.engine) as session:
            inbound = session.get(InboundMessage, inbound_id)
            thread_id = inbound.thread_id if inbound else None
        if thread_id:
            self.checkpointer.delete_thread(thread_id)

    def prune_finished_threads(self) -> int:
        """Drop the checkpoints of every finished message (those kept by an older version, or by a crash
        between the outcome and the pruning). Returns the number of threads looked at."""
        with session_scope(self.runtime.engine) as session:
            finished = session.exec(
                select(InboundMessage.thread_id).where(
                    col(InboundMessage.status).in_(sorted(FINISHED - {InboundStatus.WAITING}))
                )
            ).all()
        for thread_id in finished:
            if thread_id:
                self.checkpointer.delete_thread(thread_id)
        return len(finished)

    def _set_status(self, inbound_id: int, status: str, error: str | None, kind: str | None = None) -> str:
        with session_scope(self.runtime.engine) as session:
            inbound = session.get(InboundMessage, inbound_id)
            assert inbound is not None
            inbound.status, inbound.error = status, error or inbound.error
            inbound.kind = kind if kind and kind != "None" else inbound.kind
            inbound.claimed_by = inbound.claimed_until = None  # settled: nobody runs it any more
            session.add(inbound)
        return status

    def ingest(self, raw: bytes) -> tuple[int, str]:
        """Keep one message and run it now, unless it was run already or another worker runs it."""
        inbound_id, pending = self.keep(raw)
        now = self.runtime.clock.now()
        if pending and claim_this(
            self.runtime.engine, inbound_id, now=now, worker=self.worker, lease=self.lease
        ):
            return inbound_id, self.process(inbound_id)
        return inbound_id, self._status(inbound_id)

    def _status(self, inbound_id: int) -> str:
        with session_scope(self.runtime.engine) as session:
            inbound = session.get(InboundMessage, inbound_id)
            return inbound.status if inbound else "unknown"

    def poll_mailbox(self) -> list[int]:
        """The mailbox side of a tick. The worker holding the `mailbox.reader` lease reads the inbox and
        records every new message (`read_mailbox`); every worker then runs the recorded messages it can
        claim (`process_received`); the reader moves out of the inbox the ones that are settled."""
        engine, now = self.runtime.engine, self.runtime.clock.now()
        reading = claim_lease(
            engine, MAILBOX_READER, holder=self.worker, now=now, seconds=lease_seconds(self.runtime.settings)
        )
        handled, unsettled = self.read_mailbox() if reading else ([], {})
        handled += self.process_received()
        for key, inbound_id in unsettled.items():  # run in this tick, by this worker or another
            if (status := self._status(inbound_id)) in FINISHED:
                self._settle(key, status)
        return list(dict.fromkeys(handled))

    def read_mailbox(self) -> tuple[list[int], dict[str, int]]:
        """Every message in the inbox: kept (raw bytes and row, committed) and, when its outcome is already
        committed, moved out. Returns the ids settled and the messages still to run (key -> id). A message
        that fails in any way is recorded (or left in the inbox when nothing can be written) and the next
        one is read: one message never stops the tick."""
        settled: list[int] = []
        unsettled: dict[str, int] = {}
        for key, raw in self.inbox.fetch_new():
            try:
                inbound_id, pending = self.keep(raw)
            except Exception as error:  # visible on the row, and the tick goes on
                log.exception("message %s could not be handled", key)
                failed = self.keep_failed(raw, error)
                if failed is None:
                    continue  # nothing recorded: it stays in the inbox, tried again next tick
                inbound_id, pending = failed, False
            if pending:
                unsettled[key] = inbound_id
                continue
            self._settle(key, self._status(inbound_id))
            settled.append(inbound_id)
        return settled, unsettled

    def _settle(self, key: str, status: str) -> None:
        # Not guarded: a failure to move is the mailbox's, not this message's (its row is committed,
        # so the next tick finds it by its content and moves it then).
        quarantined = status in (InboundStatus.QUARANTINED, InboundStatus.FAILED)
        self.inbox.settle(key, "quarantine" if quarantined else "processed")

    def process_received(self) -> list[int]:
        """Run every recorded message this worker can claim, oldest first, until none is left."""
        done: list[int] = []
        last = 0
        while True:
            inbound_id = claim_message(
                self.runtime.engine,
                status=InboundStatus.RECEIVED,
                now=self.runtime.clock.now(),
                worker=self.worker,
                lease=self.lease,
                after=last,
            )
            if inbound_id is None:
                return done
            with kept_alive(
                self.runtime.engine,
                inbound_id,
                worker=self.worker,
                lease=self.lease,
                clock=self.runtime.clock,
            ):
                self.process(inbound_id)
            done.append(inbound_id)
            last = inbound_id

    def resume_waiting(self) -> list[int]:
        """Resume every thread waiting for finance that this worker can claim; each re-checks what it
        still lacks. The tasks-closed marker moves only once all were looked at: a worker that dies on
        the way leaves it for the next tick to redo."""
        with session_scope(self.runtime.engine) as session:
            closed = self._tasks_closed_since_last_check(session)
            if closed is None:
                return []  # nothing a waiting thread waits for has changed: no need to look at each
            waiting = session.exec(
                select(InboundMessage.id, InboundMessage.thread_id)
                .where(InboundMessage.status == InboundStatus.WAITING)
                .order_by(col(InboundMessage.id))
            ).all()
        resumed = []
        for inbound_id, thread_id in waiting:
            now = self.runtime.clock.now()
            if not claim_this(
                self.runtime.engine, inbound_id or 0, now=now, worker=self.worker, lease=self.lease
            ):
                continue  # another worker runs this thread now
            try:
                config = {"configurable": {"thread_id": thread_id}}
                if not self._awaited_tasks_changed(config):
                    continue  # resuming would only wait again, and write a checkpoint every tick
                result = self.graph.invoke(
                    Command(resume=True), config, context=self.runtime, durability="sync"
                )
                if self._settle_result(inbound_id or 0, result) != InboundStatus.WAITING:
                    resumed.append(inbound_id or 0)
            finally:
                unclaim(self.runtime.engine, inbound_id or 0, worker=self.worker)  # settled: a no-op
        with session_scope(self.runtime.engine) as session:
            marker = session.get(SyncState, "tasks.closed_seen") or SyncState(
                name="tasks.closed_seen", value=""
            )
            marker.value, marker.updated_at = closed, self.runtime.clock.now()
            session.add(marker)
        return resumed

    def _tasks_closed_since_last_check(self, session: Session) -> str | None:
        """The number of closed tasks when it changed since the last look (None when not): one cheap
        query per tick. Tasks only ever go from open to closed, so the number of closed tasks says
        whether any closed; a timestamp would not (two closures can share an instant, above all on a
        simulated clock)."""
        closed = session.exec(
            select(func.count()).select_from(Task).where(Task.status != TaskStatus.OPEN)
        ).one()
        marker = session.get(SyncState, "tasks.closed_seen")
        return None if marker is not None and marker.value == str(closed) else str(closed)

    def _awaited_tasks_changed(self, config: dict[str, Any]) -> bool:
        awaited = self.graph.get_state(config).values.get("waiting_task_ids", [])
        with session_scope(self.runtime.engine) as session:
            statuses = [task.status if (task := session.get(Task, task_id)) else None for task_id in awaited]
        return not awaited or any(status != TaskStatus.OPEN for status in statuses)

    # -- the instant ----------------------------------------------------------------------------------------
    def tick(self, now: datetime | None = None) -> TickReport:
        if now is not None:
            if not isinstance(self.runtime.clock, FixedClock):
                raise ValueError("only a simulated (fixed) clock can be moved to an instant")
            self.runtime.clock.set(now)
        at = self.runtime.clock.now()
        report = TickReport(at=at, received=self.poll_mailbox())
        report.resumed = self.resume_waiting()
        # Their plans go on, firmer; one worker per run (the others find it done or taken).
        report.promises_broken = self.run_job(
            "job.broken_promises", lambda: resume_broken_promises(self.runtime)
        )
        # Payments before dispatch: a payment received today stops today's step.
        report.payment_files = self.sync_payment_files() + self.sync_payment_connectors()
        sender = self.runtime.sender
        sent_mail = sender if isinstance(sender, MaildirOutbox | SentCopySender) else None
        report.dispatched = dispatch_due(
            self.runtime.engine,
            self.runtime.settings,
            self.runtime.sender,
            now=at,
            sent_mail=sent_mail,
            worker=self.worker,
        )
        # After the sending: finance hears of the plans that ended, and of the week, once each.
        report.plans_ended = self.run_job(
            "job.plan_end",
            lambda: hand_over_exhausted(
                self.runtime.engine, self.runtime.settings, self.runtime.sender, now=at
            ),
        )
        report.digests = self.run_job("job.digest", lambda: send_weekly_digest(self.runtime, now=at))
        return report

    def run_job(self, name: str, job: Callable[[], list[str]]) -> list[str]:
        """A scheduled job's run, by one worker at a time: the one that takes its lease (given back when
        done; a dead worker's lapses)."""
        engine, seconds = self.runtime.engine, lease_seconds(self.runtime.settings)
        if not claim_lease(engine, name, holder=self.worker, now=self.runtime.clock.now(), seconds=seconds):
            return []
        try:
            return job()
        finally:
            release_lease(engine, name, holder=self.worker)

    def sync_payment_files(self) -> list[str]:
        return sync_payment_folder(self.runtime, holder=self.worker)

    def sync_payment_connectors(self) -> list[str]:
        return sync_connectors(self.runtime, holder=self.worker)

    def import_payments(self, path: Path) -> ImportReport:
        return import_payment_file(self.runtime, path)
