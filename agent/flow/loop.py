"""`relance run`: the service loop under APScheduler, one worker.

One job ticks every N seconds (coalesced, never two at once) on a background scheduler; the main
thread only waits for a signal. SIGTERM and Ctrl-C stop after the tick in progress: a reminder step is
never abandoned between send and mark.

On PostgreSQL any number of `relance run` processes, on any number of machines, share the work: every
piece of it is claimed in the database (see flow/service.py), so there is no lock here. On the embedded
SQLite database a lock file still refuses a second service on the same data directory: SQLite has one
writer at a time, a second service would only wait on the first, and the file is the one shared thing
such a setup has (it means nothing across machines, and PostgreSQL does not need it).
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, text

from agent.clock import Clock, SystemClock
from agent.flow.claims import void_claims
from agent.flow.service import Agent
from agent.mail.imap import ImapInbox
from agent.runtime import Runtime
from agent.settings import Settings

log = logging.getLogger("relance.service")


class AlreadyRunning(RuntimeError):
    pass


@contextmanager
def service_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as error:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise AlreadyRunning(f"relance is already running on {path.parent} (pid {holder})") from error
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


IDLE_RENEW_SECONDS = 25 * 60  # RFC 2177: re-issue IDLE at least every 29 minutes


def watch_mailbox(
    settings: Settings, scheduler: BackgroundScheduler, stopping: threading.Event, interval: int
) -> None:
    """Wait in IMAP IDLE on a connection of its own; new mail brings the next tick forward to now."""
    watcher = ImapInbox(settings.mailbox)
    while not stopping.is_set():
        try:
            if watcher.wait(timeout=min(interval, IDLE_RENEW_SECONDS)) and not stopping.is_set():
                log.info("new mail announced by IDLE: ticking now")
                scheduler.modify_job("tick", next_run_time=datetime.now(UTC))
        except Exception as error:  # a dropped connection: reconnect after a pause, never stop watching
            log.warning("IMAP IDLE failed (%s); retrying in 5 s", error)
            watcher.close()
            watcher.client = None
            stopping.wait(5)
    watcher.close()


def local_lock(settings: Settings) -> AbstractContextManager[None]:
    """The data directory's lock file on SQLite (one service per database file); none on PostgreSQL."""
    if settings.effective_database_url.startswith("sqlite"):
        return service_lock(settings.data_dir / "relance.lock")
    return nullcontext()


STARTUP_LOCK = 0x72656C61  # "rela": the advisory lock that serialises workers' start-up on PostgreSQL


@contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """Workers starting together on PostgreSQL set up the checkpointer's tables one after the other
    (LangGraph's `setup()` is not safe to run twice at once). An advisory lock, held only while starting."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STARTUP_LOCK})
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK})


def open_agent(settings: Settings, clock: Clock) -> Agent:
    runtime = Runtime.open(settings, clock)
    if runtime.engine.dialect.name == "sqlite":
        void_claims(runtime.engine)  # we hold the lock file: claims found are a dead process's
    with startup_lock(runtime.engine):
        return Agent(runtime)


def run_service(settings: Settings, *, interval: int, clock: Clock | None = None) -> None:
    """Tick until SIGTERM or Ctrl-C. `clock` is the system clock in production (a test may start a
    clock of its own that runs in real time from a chosen instant)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    clock = clock or SystemClock()
    with local_lock(settings), open_agent(settings, clock) as agent:
        _ = agent.inbox  # a mailbox that cannot be configured is a start-up error, not one error per tick
        agent.prune_finished_threads()  # checkpoints left by an older version or a crash
        scheduler = BackgroundScheduler(timezone="UTC")
        stopping = threading.Event()

        in_flight = threading.Lock()  # held by a running tick; stopping waits for it

        def tick() -> None:
            with in_flight:
                if stopping.is_set():
                    return  # a tick the scheduler started as we were stopping: do not begin it
                report = agent.tick()
            log.info(
                "tick at=%s received=%d resumed=%d payment_files=%d dispatched=%d",
                report.at.isoformat(),
                len(report.received),
                len(report.resumed),
                len(report.payment_files),
                len(report.dispatched),
            )

        scheduler.add_job(
            tick,
            IntervalTrigger(seconds=interval),
            id="tick",
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),  # APScheduler runs on the real clock, whatever the agent's
        )

        if settings.mailbox.kind == "imap":
            threading.Thread(
                target=watch_mailbox,
                args=(settings, scheduler, stopping, interval),
                daemon=True,
                name="imap-idle",
            ).start()

        def stop(signum: int, _frame: FrameType | None) -> None:
            log.info("signal %s: stopping after the current tick", signal.Signals(signum).name)
            stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        log.info("relance worker %s on %s, one tick every %ss", agent.worker, settings.data_dir, interval)
        scheduler.start()
        # Short waits, not one long one: the kernel may deliver SIGTERM to any thread, and Python runs
        # the handler in the main thread only when that thread next runs Python code. A main thread
        # asleep in a 600 s wait would ignore it for up to 600 s (seen in the tests).
        while not stopping.wait(0.5):
            pass
        scheduler.shutdown(wait=False)
        with in_flight:  # the tick in progress, if any, finishes before the agent's connections close
            log.info("relance stopped")
