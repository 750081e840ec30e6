"""The agent as a service: keep every message, run it through the graph, dispatch what is due.

`tick(now)` is the whole product at one instant: read the mailbox, resume conversations that finance
answered, send the reminder steps that are due. `relance run` calls it on a schedule; `relance tick
--now`, the demo and the tests call it with the clock they choose.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from langgraph.types import Command
from sqlalchemy import func
from sqlmodel import Session, col, select

from agent.clock import FixedClock
from agent.customers.replies import resume_broken_promises
from agent.db import session_scope
from agent.flow.graph import build_graph, make_checkpointer, thread_config
from agent.mail.imap import ImapInbox
from agent.mail.maildir import MaildirOutbox
from agent.mail.parse import headers_of, megabytes, parse_message
from agent.mail.safe_text import clean_line
from agent.mail.smtp import SentCopySender
from agent.mail.store import content_digest
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


class Agent:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.checkpointer = make_checkpointer(runtime.settings)
        self.graph = build_graph(self.checkpointer)
        self._inbox: Inbox | None = None  # one connection for the agent's life (IMAP), opened on first use

    @property
    def inbox(self) -> Inbox:
        if self._inbox is None:
            self._inbox = self.runtime.inbox()
        return self._inbox

    def close(self) -> None:
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
        """Store the raw bytes and the message row, committed, before anything reads them.
        Returns (inbound id, whether it still needs processing). Whatever the bytes, a row is written:
        a message too big or that cannot be parsed is recorded quarantined, with the reason."""
        # Servers may hand the same message back with other line endings (IMAP uses CRLF): the identity
        # of a message is its content, not its line endings. The raw bytes are stored as received.
        digest = content_digest(raw)
        with session_scope(self.runtime.engine) as session:
            existing = session.exec(
                select(InboundMessage).where(InboundMessage.content_hash == digest)
            ).first()
            if existing:
                return existing.id or 0, existing.status == InboundStatus.RECEIVED
        _, path = self.runtime.store.put(raw, suffix=".eml")
        limits = self.runtime.settings.mailbox
        refusal = None
        if len(raw) > limits.max_message_bytes:  # the size alone decides: its body is never read
            limit = megabytes(limits.max_message_bytes)
            refusal = f"message of {megabytes(len(raw))}, over the limit of {limit}: not read"
        # The row needs the headers only; the graph parses the whole message (once, cached) when it runs.
        message = parse_message(headers_of(raw), digest)
        with session_scope(self.runtime.engine) as session:
            inbound = InboundMessage(
                message_id=message.message_id,
                content_hash=digest,
                raw_path=path,
                sender=message.sender,
                subject=message.subject,
                received_at=self.runtime.clock.now(),
            )
            if refusal:
                inbound.status, inbound.error, inbound.kind = InboundStatus.QUARANTINED, refusal, "too_big"
            inbound.thread_id = thread_config(digest)["configurable"]["thread_id"]
            session.add(inbound)
            session.flush()
            return inbound.id or 0, refusal is None

    def keep_failed(self, raw: bytes, error: BaseException) -> int | None:
        """The last resort when `keep` itself failed: a row that says why, so the message is never lost
        in silence. None when even that cannot be written (the database is down): it stays in the inbox."""
        digest = content_digest(raw)
        try:
            _, path = self.runtime.store.put(raw, suffix=".eml")
            with session_scope(self.runtime.engine) as session:
                existing = session.exec(
                    select(InboundMessage).where(InboundMessage.content_hash == digest)
                ).first()
                inbound = existing or InboundMessage(
                    message_id=f"<{digest}@relance.unreadable>",
                    content_hash=digest,
                    raw_path=path,
                    received_at=self.runtime.clock.now(),
                    thread_id=thread_config(digest)["configurable"]["thread_id"],
                )
                inbound.status = InboundStatus.QUARANTINED
                inbound.error = clean_line(f"could not be recorded: {type(error).__name__}: {error}")[:2000]
                session.add(inbound)
                session.flush()
                return inbound.id
        except Exception:  # logged by the caller; the message stays in the inbox
            log.exception("could not record the failure of a message either")
            return None

    def process(self, inbound_id: int) -> str:
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
            session.add(inbound)
        return status

    def ingest(self, raw: bytes) -> tuple[int, str]:
        inbound_id, pending = self.keep(raw)
        if not pending:
            with session_scope(self.runtime.engine) as session:
                inbound = session.get(InboundMessage, inbound_id)
                return inbound_id, inbound.status if inbound else "unknown"
        return inbound_id, self.process(inbound_id)

    def poll_mailbox(self) -> list[int]:
        """Every new message: kept, processed, then (only then) moved out of the inbox. A message that
        fails in any way is recorded (or left in the inbox when nothing can be written) and the next one
        is read: one message never stops the tick."""
        handled: list[int] = []
        for key, raw in self.inbox.fetch_new():
            try:
                inbound_id, status = self.ingest(raw)
            except Exception as error:  # visible on the row, and the tick goes on
                log.exception("message %s could not be handled", key)
                failed = self.keep_failed(raw, error)
                if failed is None:
                    continue  # nothing recorded: it stays in the inbox, tried again next tick
                inbound_id, status = failed, InboundStatus.QUARANTINED
            # Not guarded: a failure to move is the mailbox's, not this message's (its row is committed,
            # so the next tick finds it by its content and moves it then).
            self.inbox.settle(
                key,
                "quarantine" if status in (InboundStatus.QUARANTINED, InboundStatus.FAILED) else "processed",
            )
            handled.append(inbound_id)
        return handled

    def resume_waiting(self) -> list[int]:
        """Resume every thread waiting for finance; each re-checks what it still lacks."""
        with session_scope(self.runtime.engine) as session:
            if not self._tasks_closed_since_last_check(session):
                return []  # nothing a waiting thread waits for has changed: no need to look at each
            waiting = session.exec(
                select(InboundMessage).where(InboundMessage.status == InboundStatus.WAITING)
            ).all()
        resumed = []
        for inbound in waiting:
            config = {"configurable": {"thread_id": inbound.thread_id}}
            if not self._awaited_tasks_changed(config):
                continue  # resuming would only wait again, and write a checkpoint every tick
            result = self.graph.invoke(Command(resume=True), config, context=self.runtime, durability="sync")
            if self._settle_result(inbound.id or 0, result) != InboundStatus.WAITING:
                resumed.append(inbound.id or 0)
        return resumed

    def _tasks_closed_since_last_check(self, session: Session) -> bool:
        """True (once) when a task was closed since the previous check: one cheap query per tick.
        Tasks only ever go from open to closed, so the number of closed tasks says whether any closed;
        a timestamp would not (two closures can share an instant, above all on a simulated clock)."""
        closed = session.exec(
            select(func.count()).select_from(Task).where(Task.status != TaskStatus.OPEN)
        ).one()
        marker = session.get(SyncState, "tasks.closed_seen") or SyncState(name="tasks.closed_seen", value="")
        if str(closed) == marker.value:
            return False
        marker.value, marker.updated_at = str(closed), self.runtime.clock.now()
        session.add(marker)
        return True

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
        report.promises_broken = resume_broken_promises(self.runtime)  # their plans go on, firmer
        # Payments before dispatch: a payment received today stops today's step.
        report.payment_files = self.sync_payment_files() + self.sync_payment_connectors()
        sender = self.runtime.sender
        sent_mail = sender if isinstance(sender, MaildirOutbox | SentCopySender) else None
        report.dispatched = dispatch_due(
            self.runtime.engine, self.runtime.settings, self.runtime.sender, now=at, sent_mail=sent_mail
        )
        return report

    def sync_payment_files(self) -> list[str]:
        return sync_payment_folder(self.runtime)

    def sync_payment_connectors(self) -> list[str]:
        return sync_connectors(self.runtime)

    def import_payments(self, path: Path) -> ImportReport:
        return import_payment_file(self.runtime, path)
