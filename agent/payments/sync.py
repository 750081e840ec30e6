"""The payment side of a tick: the watched folder and the configured connectors, each before dispatch
so that a payment received today stops today's reminder.

Each source is its own transaction: one failing (an unreadable file, a tool that is down) is logged,
audited and set aside, and the others go on. Several workers may watch the same folder (shared storage)
and run the same connectors: each file and each connector run is claimed first (a lease in the
database, `agent.db.claim_lease`), so one worker imports it; a file's content is also remembered, so
even a file seen twice is imported once.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from agent import audit
from agent.db import claim_lease, lease_seconds, release_lease, session_scope, worker_name
from agent.models import SyncState
from agent.payments.connectors import PaymentConnector, load_connectors
from agent.payments.importing import import_file, import_lines
from agent.payments.lines import ImportReport
from agent.runtime import Runtime

log = logging.getLogger(__name__)


def import_payment_file(runtime: Runtime, path: Path) -> ImportReport:
    """Import one CSV or CAMT file; ValueError with the reason when it cannot be read (nothing changed)."""
    with session_scope(runtime.engine) as session:
        return import_file(
            session,
            path.read_bytes(),
            name=path.name,
            at=runtime.clock.now(),
            settings=runtime.settings,
            sender=runtime.sender,
        )


def sync_payment_folder(runtime: Runtime, *, holder: str | None = None) -> list[str]:
    """Import each file dropped in payments/incoming once, then move it to imported/ or failed/.

    The nightly file drop of accounting integrations: a file is never imported twice (it leaves the
    folder, and its content is remembered), and a file that cannot be read is set aside with its reason
    next to it, never lost."""
    base = runtime.settings.payments_dir
    incoming = base / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    handled = []
    holder = holder or worker_name(runtime.settings)
    stamp = runtime.clock.now().strftime("%Y%m%dT%H%M%SZ")
    for path in sorted(p for p in incoming.iterdir() if p.is_file() and not p.name.startswith(".")):
        lease = f"payments.file:{path.name}"[:200]
        now, seconds = runtime.clock.now(), lease_seconds(runtime.settings)
        if not claim_lease(runtime.engine, lease, holder=holder, now=now, seconds=seconds):
            continue  # another worker imports it now
        try:
            if path.exists():  # not moved away by the worker that held it a moment ago
                handled.append(_import_and_move(runtime, path, base, stamp))
        finally:
            release_lease(runtime.engine, lease, holder=holder)
    return handled


def _import_and_move(runtime: Runtime, path: Path, base: Path, stamp: str) -> str:
    """Import one file of the folder and move it to imported/ (or failed/, with its reason beside it)."""
    try:
        report = import_payment_file(runtime, path)
    except (ValueError, UnicodeDecodeError) as error:
        target = base / "failed" / f"{stamp}-{path.name}"
        target.parent.mkdir(exist_ok=True)
        path.replace(target)
        target.with_name(target.name + ".reason.txt").write_text(f"{error}\n", encoding="utf-8")
        log.warning("payment file %s could not be imported: %s", path.name, error)
        return f"{path.name}: failed ({error})"
    target = base / "imported" / f"{stamp}-{path.name}"
    target.parent.mkdir(exist_ok=True)
    path.replace(target)
    return f"{path.name}: {report.summary()}"


def sync_connectors(runtime: Runtime, *, holder: str | None = None) -> list[str]:
    """Fetch from every configured connector since its last success; a failure leaves that time
    unchanged, so stale data holds reminders instead of sending them. One worker per connector run."""
    handled = []
    holder = holder or worker_name(runtime.settings)
    for connector in load_connectors(runtime.settings):
        lease = f"payments.connector:{connector.name}"[:200]
        now, seconds = runtime.clock.now(), lease_seconds(runtime.settings)
        if not claim_lease(runtime.engine, lease, holder=holder, now=now, seconds=seconds):
            continue  # another worker fetches from it now
        try:
            handled.append(_sync_one(runtime, connector, now))
        finally:
            release_lease(runtime.engine, lease, holder=holder)
    return handled


def _sync_one(runtime: Runtime, connector: PaymentConnector, now: datetime) -> str:
    """One connector's fetch since its last success, in one transaction; a failure is audited."""
    state_name = f"payments.connector.{connector.name}"
    try:
        with session_scope(runtime.engine) as session:
            state = session.get(SyncState, state_name)
            since = state.updated_at if state else None
            report = import_lines(
                session,
                list(connector.fetch(since=since)),
                source=f"connector:{connector.name}"[:30],
                at=now,
                settings=runtime.settings,
                sender=runtime.sender,
            )
            state = state or SyncState(name=state_name, value="")
            state.value, state.updated_at = now.isoformat(), now
            session.add(state)
    except Exception as error:  # a connector is third-party code: any failure is reported, not fatal
        log.warning("payment connector %s failed: %s", connector.name, error)
        with session_scope(runtime.engine) as session:
            audit.record(
                session,
                at=now,
                entity="payment",
                entity_id=None,
                action="connector_failed",
                message=f"connector {connector.name} failed: {error}",
            )
        return f"{connector.name}: failed ({error})"
    return f"{connector.name}: {report.summary()}"
