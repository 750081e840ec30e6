"""What to watch when several workers share the work: the gauges, as plain numbers.

`gauges(engine, settings, now)` answers in a handful of counting statements (each on an index): the web
app serves them at `/metrics` (Prometheus text: `prometheus_lines`) and its readiness check; a cron
script can print them. See docs/deploy.md for what each means and when to be alarmed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, func
from sqlmodel import col, select

from agent.clock import as_utc
from agent.db import lease_seconds, session_scope
from agent.flow.claims import MAILBOX_READER
from agent.models import InboundMessage, Reminder
from agent.models.audit import WorkLease
from agent.models.message import InboundStatus
from agent.models.reminder import ReminderState
from agent.settings import Settings

HELP = {
    "due_steps": "Reminder steps due now and not yet sent (planned, planned_at <= now)",
    "steps_sending": "Steps handed to SMTP whose outcome is not recorded yet",
    "steps_ambiguous": "Steps a crash left in doubt: a person must check (never re-sent)",
    "unprocessed_messages": "Recorded inbound messages no worker has run yet",
    "oldest_unprocessed_message_seconds": "Age of the oldest recorded message not run yet",
    "claims": "Messages and steps claimed by a worker now",
    "claims_lapsed": "Claims whose lease has lapsed: a dead worker's work, waiting to be taken over",
    "oldest_claim_seconds": "Age of the oldest claim (from when it was taken or last renewed)",
    "mailbox_reader_lease_seconds": "Seconds left on the mailbox reader's lease (negative: nobody reads)",
}


def gauges(engine: Engine, settings: Settings, now: datetime) -> dict[str, float]:
    lease = timedelta(seconds=lease_seconds(settings))
    with session_scope(engine) as session:
        steps = dict(
            session.exec(
                select(Reminder.state, func.count())
                .where(col(Reminder.state).in_([ReminderState.SENDING, ReminderState.AMBIGUOUS]))
                .group_by(col(Reminder.state))
            ).all()
        )
        due = session.exec(
            select(func.count())
            .select_from(Reminder)
            .where(col(Reminder.state) == ReminderState.PLANNED, col(Reminder.planned_at) <= now)
        ).one()
        waiting, oldest_message = session.exec(
            select(func.count(), func.min(InboundMessage.received_at)).where(
                col(InboundMessage.status) == InboundStatus.RECEIVED
            )
        ).one()
        claims, lapsed, first_until = 0, 0, None
        for model in (Reminder, InboundMessage):
            held, gone, earliest = session.exec(
                select(
                    func.count(),
                    func.count().filter(col(model.claimed_until) <= now),
                    func.min(model.claimed_until),
                ).where(col(model.claimed_by).is_not(None))
            ).one()
            claims, lapsed = claims + held, lapsed + gone
            if earliest is not None:
                earliest = as_utc(earliest)
                first_until = earliest if first_until is None else min(first_until, earliest)
        reader = session.get(WorkLease, MAILBOX_READER)
    return {
        "due_steps": due,
        "steps_sending": steps.get(ReminderState.SENDING, 0),
        "steps_ambiguous": steps.get(ReminderState.AMBIGUOUS, 0),
        "unprocessed_messages": waiting,
        "oldest_unprocessed_message_seconds": (now - as_utc(oldest_message)).total_seconds()
        if oldest_message
        else 0.0,
        "claims": claims,
        "claims_lapsed": lapsed,
        "oldest_claim_seconds": (now - (first_until - lease)).total_seconds() if first_until else 0.0,
        "mailbox_reader_lease_seconds": (as_utc(reader.until) - now).total_seconds() if reader else -1.0,
    }


def prometheus_lines(values: dict[str, float], prefix: str = "relance_") -> str:
    """The gauges in Prometheus's text exposition format, ready for a `/metrics` response."""
    lines = []
    for name, value in values.items():
        lines += [
            f"# HELP {prefix}{name} {HELP[name]}",
            f"# TYPE {prefix}{name} gauge",
            f"{prefix}{name} {value}",
        ]
    return "\n".join(lines) + "\n"
