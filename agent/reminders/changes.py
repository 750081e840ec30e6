"""What a change did to an invoice's schedule, written down so the review screen can show it.

Every cause that moves an invoice's steps (a payment or a credit, a pause, a dispute, a promise, a
bounce, a new contact, a plan change, a step skipped by hand) runs inside `recorded_change`: the
invoice's schedule is photographed before and after, and the difference is one audit event
(`schedule_changed`) with the cause and a list of changes a person can read. Nested causes (a payment
that settles the invoice and so cancels its steps) make one event, the outer one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from agent import audit
from agent.ledger.records import open_balance
from agent.models import AuditEvent, Invoice, Reminder

Snapshot = dict[str, Any]
Change = dict[str, Any]
STEP_FIELDS = ("state", "planned_at", "language", "template")


def schedule_of(session: Session, invoice_id: int) -> Snapshot:
    """The invoice's balance, pause and steps, as plain values."""
    invoice = session.get(Invoice, invoice_id)
    assert invoice is not None
    reminders = session.exec(
        select(Reminder).where(Reminder.invoice_id == invoice_id).order_by(col(Reminder.step))
    ).all()
    steps: dict[str, dict[str, str]] = {}
    for r in reminders:  # a step name comes back when the plan changes: the later row is told apart
        name = r.step_name if r.step_name not in steps else f"{r.step_name} ({r.plan} #{r.step})"
        steps[name] = {
            "state": r.state,
            "planned_at": r.planned_at.strftime("%Y-%m-%d %H:%M UTC"),
            "language": r.language,
            "template": r.template,
        }
    return {"balance": str(open_balance(session, invoice)), "paused": invoice.paused, "steps": steps}


def diff(before: Snapshot, after: Snapshot) -> list[Change]:
    """The changes from one snapshot to the next, in plan order: invoice fields first, then each step."""
    changes: list[Change] = [
        {"what": key, "from": before[key], "to": after[key]}
        for key in ("balance", "paused")
        if before[key] != after[key]
    ]
    names = list(before["steps"]) + [name for name in after["steps"] if name not in before["steps"]]
    for name in names:
        old, new = before["steps"].get(name), after["steps"].get(name)
        if old is None:
            changes.append({"step": name, "what": "added", "to": new})
            continue
        if new is None:
            changes.append({"step": name, "what": "removed", "from": old})
            continue
        changes += [
            {"step": name, "what": field, "from": old[field], "to": new[field]}
            for field in STEP_FIELDS
            if old[field] != new[field]
        ]
    return changes


def describe(changes: list[Change]) -> str:
    """One line: `balance 1200.00 → 900.00; due_today: planned → paused; ...`."""
    parts = []
    for change in changes:
        subject = f"{change['step']}: " if "step" in change else ""
        if change["what"] == "added":
            parts.append(f"{subject}added ({change['to']['state']}, {change['to']['planned_at']})")
        elif change["what"] == "removed":
            parts.append(f"{subject}removed")
        elif change["what"] in ("state", "paused"):
            parts.append(f"{subject}{change['from']} → {change['to']}")
        else:
            parts.append(f"{subject}{change['what']} {change['from']} → {change['to']}")
    return "; ".join(parts)


@contextmanager
def recorded_change(session: Session, *, invoice_id: int, at: datetime, cause: str) -> Iterator[None]:
    """Run a change to one invoice and record what it did to the schedule (nothing when it did nothing)."""
    active: set[int] = session.info.setdefault("recording_change", set())
    if invoice_id in active:  # an inner cause of the same change: the outer one records it
        yield
        return
    active.add(invoice_id)
    try:
        before = schedule_of(session, invoice_id)
        yield
        session.flush()
        changes = diff(before, schedule_of(session, invoice_id))
    finally:
        active.discard(invoice_id)
    if changes:
        audit.record(
            session,
            at=at,
            entity="invoice",
            entity_id=invoice_id,
            action="schedule_changed",
            message=f"{cause}: {describe(changes)}",
            cause=cause,
            changes=changes,
        )


def schedule_changes(session: Session, invoice_id: int) -> list[dict[str, Any]]:
    """The recorded changes of one invoice, oldest first: what the review screen shows."""
    events = session.exec(
        select(AuditEvent)
        .where(
            AuditEvent.entity == "invoice",
            AuditEvent.entity_id == invoice_id,
            AuditEvent.action == "schedule_changed",
        )
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    ).all()
    return [
        {"at": e.at.isoformat(), "cause": e.detail.get("cause"), "changes": e.detail.get("changes", [])}
        for e in events
    ]
