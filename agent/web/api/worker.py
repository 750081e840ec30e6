"""The web process's own worker: it runs uploaded files through the graph, one at a time, in a thread.

Why here and not only at the service loop's next tick (which also runs any `received` message it can
claim): the uploader sees each file's outcome seconds after sending it rather than at the next tick, and
`relance web` alone is enough to use the API. The request itself never waits for the graph: it answers
once the files are kept (intake.py), then wakes this thread.

Nothing is lost if the process dies: every file is kept before the answer, and at start, after every
wake-up and every `SWEEP_SECONDS`, the worker takes up whatever is left: an accepted file without its
message (`keep_batch`), a message still `received` (a crash mid-graph: the graph's steps are safe to run
again). Threads that wait for finance are resumed by the service loop (`relance run`), as for mail.
Each message is claimed first (flow/claims.py), like any worker's: a `relance run` on the same database,
which runs every `received` message it can claim, never runs an uploaded one at the same time.

The worker holds the API's work lock while the graph runs: the payments API's imports and the graph's
task e-mails share one sender, whose SMTP connection is not for two threads at once.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading

from sqlmodel import col, select

from agent.db import session_scope
from agent.flow.claims import claim_this, kept_alive
from agent.flow.service import Agent
from agent.models import InboundMessage
from agent.models.api_batch import ApiBatchFile
from agent.models.message import InboundStatus
from agent.runtime import Runtime
from agent.web.api.intake import keep_batch

log = logging.getLogger(__name__)

SWEEP_SECONDS = 30.0


class BatchWorker:
    def __init__(self, runtime: Runtime, *, work_lock: threading.Lock) -> None:
        self.runtime = runtime
        self.work_lock = work_lock
        self._agent: Agent | None = None
        self._agent_made = threading.Lock()
        self._wake: queue.SimpleQueue[bool] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def agent(self) -> Agent:
        """The graph and its checkpointer, made on first need (most workspaces never upload)."""
        with self._agent_made:
            if self._agent is None:
                self._agent = Agent(self.runtime)
            return self._agent

    def keep(self, raw: bytes) -> tuple[int, bool]:
        """`Agent.keep`, the mailbox's own first step (it uses the database and the raw store only, so
        request threads may call it beside the worker)."""
        return self.agent().keep(raw)

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="relance-uploads", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.put(True)

    def stop(self, timeout: float = 60.0) -> None:
        """Stop after the file being read; one still unread stays `received` for the next start."""
        self._stopping.set()
        self._wake.put(False)
        if self._thread is not None:
            self._thread.join(timeout)
        if self._agent is not None and not (self._thread and self._thread.is_alive()):
            # Not Agent.close(): that would dispose of the engine the web pages share.
            self._agent.checkpointer.conn.close()  # type: ignore[attr-defined]
            self._agent = None

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.run_pending()
            except Exception:  # the database away, for instance: logged, tried again at the next sweep
                log.exception("uploaded files could not be processed now; trying again later")
            with contextlib.suppress(queue.Empty):
                self._wake.get(timeout=SWEEP_SECONDS)

    def run_pending(self) -> list[int]:
        """Keep what was accepted and not kept, then run every uploaded message still `received`.
        Returns the ids of the messages run."""
        keep_batch(self.runtime, self.keep, batch_id=None)
        with session_scope(self.runtime.engine) as session:
            waiting = list(
                session.exec(
                    select(InboundMessage.id)
                    .join(ApiBatchFile, col(ApiBatchFile.inbound_id) == col(InboundMessage.id))
                    .where(InboundMessage.status == InboundStatus.RECEIVED)
                    .order_by(col(InboundMessage.id))
                    .distinct()
                )
            )
        ran: list[int] = []
        for inbound_id in waiting:
            if self._stopping.is_set():
                break
            agent, engine, clock = self.agent(), self.runtime.engine, self.runtime.clock
            # A `relance run` worker on the same database may claim the same `received` row (it runs
            # every recorded message): whoever claims it runs it, the other passes.
            if not claim_this(
                engine, inbound_id or 0, now=clock.now(), worker=agent.worker, lease=agent.lease
            ):
                continue
            with (
                self.work_lock,
                kept_alive(engine, inbound_id or 0, worker=agent.worker, lease=agent.lease, clock=clock),
            ):
                status = agent.process(inbound_id or 0)
            log.info("uploaded message %s: %s", inbound_id, status)
            ran.append(inbound_id or 0)
        return ran
