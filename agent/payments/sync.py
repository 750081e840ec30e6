"""The payment side of a tick: the watched folder and the configured connectors, each before dispatch
so that a payment received today stops today's reminder.

Each source is its own transaction: one failing (an unreadable file, a tool that is down) is logged,
audited and set aside, and the others go on.
"""

from __future__ import annotations

import logging
from pathlib import Path

from agent import audit
from agent.db import session_scope
from agent.models import SyncState
from agent.payments.connectors import load_connectors
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


def sync_payment_folder(runtime: Runtime) -> list[str]:
    """Import each file dropped in payments/incoming once, then move it to imported/ or failed/.

    The nightly file drop of accounting integrations: a file is never imported twice (it leaves the
    folder, and its content is remembered), and a file that cannot be read is set aside with its reason
    next to it, never lost."""
    base = runtime.settings.payments_dir
    incoming = base / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    handled = []
    stamp = runtime.clock.now().strftime("%Y%m%dT%H%M%SZ")
    for path in sorted(p for p in incoming.iterdir() if p.is_file() and not p.name.startswith(".")):
        try:
            report = import_payment_file(runtime, path)
        except (ValueError, UnicodeDecodeError) as error:
            target = base / "failed" / f"{stamp}-{path.name}"
            target.parent.mkdir(exist_ok=True)
            path.replace(target)
            target.with_name(target.name + ".reason.txt").write_text(f"{error}\n", encoding="utf-8")
            log.warning("payment file %s could not be imported: %s", path.name, error)
            handled.append(f"{path.name}: failed ({error})")
            continue
        target = base / "imported" / f"{stamp}-{path.name}"
        target.parent.mkdir(exist_ok=True)
        path.replace(target)
        handled.append(f"{path.name}: {report.summary()}")
    return handled


def sync_connectors(runtime: Runtime) -> list[str]:
    """Fetch from every configured connector since its last success; a failure leaves that time
    unchanged, so stale data holds reminders instead of sending them."""
    handled = []
    for connector in load_connectors(runtime.settings):
        state_name = f"payments.connector.{connector.name}"
        now = runtime.clock.now()
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
            handled.append(f"{connector.name}: failed ({error})")
            continue
        handled.append(f"{connector.name}: {report.summary()}")
    return handled
