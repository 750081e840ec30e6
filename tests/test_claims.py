"""Work claimed in the database: the dispatcher's per-e-mail in-flight marker and its lease, leases.

A kill is a BaseException raised from inside the sender: nothing after it in the dispatcher runs, and the
transactions it had open are rolled back, as the kernel's SIGKILL leaves them (tests/crash_harness.py
kills real processes).
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlmodel import select

from agent.clock import FixedClock, as_utc
from agent.db import claim_lease, release_lease, session_scope
from agent.flow.claims import claim_message, claim_this, kept_alive
from agent.flow.health import gauges, prometheus_lines
from agent.flow.service import Agent
from agent.mail.maildir import MaildirOutbox
from agent.models import InboundMessage, Reminder
from agent.reminders.dispatch import dispatch_due
from agent.runtime import Runtime
from agent.settings import Settings
from tests.helpers import planned_invoice

COURTESY = datetime(2026, 11, 27, 8, 5, tzinfo=UTC)  # the courtesy step of invoices due Wed 2 Dec


class Killed(BaseException):
    pass


class KilledDuringNthSend(MaildirOutbox):
    """Dies inside the n-th SMTP exchange, before the server took the message."""

    def __init__(self, settings: Settings, nth: int) -> None:
        super().__init__(settings.outbox_path)
        self.calls, self.nth = 0, nth

    def send(self, message: EmailMessage) -> None:
        self.calls += 1
        if self.calls == self.nth:
            raise Killed
        super().send(message)


def reminder_states(runtime: Runtime) -> Counter[str]:
    with session_scope(runtime.engine) as session:
        return Counter(r.state for r in session.exec(select(Reminder).where(Reminder.step == 0)))


def test_a_kill_mid_batch_leaves_only_the_email_in_flight_in_doubt(
    runtime: Runtime, settings: Settings
) -> None:
    for index in range(10):  # ten customers: ten e-mails, one batch
        planned_invoice(runtime, name=f"Customer {index}", number=f"F-{index}")
    with pytest.raises(Killed):
        dispatch_due(runtime.engine, settings, KilledDuringNthSend(settings, 4), now=COURTESY)
    # Three e-mails left, the fourth was in flight, six were never handed to SMTP.
    assert reminder_states(runtime) == Counter({"sending": 4, "planned": 6})
    outbox = MaildirOutbox(settings.outbox_path)
    # The dead dispatcher's lease has not lapsed: another one leaves its batch alone.
    assert dispatch_due(runtime.engine, settings, outbox, now=COURTESY, sent_mail=outbox) == []
    later = COURTESY + timedelta(seconds=settings.workers.lease_seconds)
    results = dispatch_due(runtime.engine, settings, outbox, now=later, sent_mail=outbox)
    assert Counter(r.state for r in results) == Counter({"sent": 9, "ambiguous": 1})
    assert reminder_states(runtime) == Counter({"sent": 9, "ambiguous": 1})
    ids = Counter(str(m["Message-ID"]) for m in outbox.messages())
    assert len(ids) == 9 and set(ids.values()) == {1}  # nine e-mails, each once; the one in doubt not resent
    with session_scope(runtime.engine) as session:
        claimed = session.exec(select(Reminder).where(Reminder.claimed_by.is_not(None))).all()  # type: ignore[union-attr]
    assert claimed == []  # nothing left claimed


def test_a_held_step_is_looked_at_once_per_run_and_given_back(runtime: Runtime, settings: Settings) -> None:
    planned_invoice(runtime)
    settings.reminders.max_payment_sync_age_hours = 24  # payments never synced: every step is held
    (result,) = dispatch_due(runtime.engine, settings, MaildirOutbox(settings.outbox_path), now=COURTESY)
    assert result.state == "planned"  # held, once (a held step claimed again would loop or repeat)
    with session_scope(runtime.engine) as session:
        step = session.exec(select(Reminder).where(Reminder.step == 0)).one()
    assert step.state == "planned" and (step.claimed_by, step.claimed_until) == (None, None)


def test_a_lease_is_held_by_one_worker_until_it_lapses_or_is_given_back(runtime: Runtime) -> None:
    engine, at = runtime.engine, COURTESY
    assert claim_lease(engine, "mailbox.reader", holder="a", now=at, seconds=30)
    assert not claim_lease(engine, "mailbox.reader", holder="b", now=at + timedelta(seconds=29), seconds=30)
    assert claim_lease(
        engine, "mailbox.reader", holder="a", now=at + timedelta(seconds=29), seconds=30
    )  # renewed
    assert not claim_lease(engine, "mailbox.reader", holder="b", now=at + timedelta(seconds=58), seconds=30)
    assert claim_lease(
        engine, "mailbox.reader", holder="b", now=at + timedelta(seconds=59), seconds=30
    )  # lapsed
    release_lease(engine, "mailbox.reader", holder="a")  # not a's any more: nothing happens
    assert not claim_lease(engine, "mailbox.reader", holder="a", now=at + timedelta(seconds=60), seconds=30)
    release_lease(engine, "mailbox.reader", holder="b")
    assert claim_lease(engine, "mailbox.reader", holder="a", now=at + timedelta(seconds=60), seconds=30)


@pytest.mark.parametrize("database", ["runtime", "pg_runtime"])
def test_the_gauges_count_due_steps_unprocessed_messages_and_claims(
    request: pytest.FixtureRequest, database: str
) -> None:
    runtime: Runtime = request.getfixturevalue(database)
    settings = runtime.settings
    agent = request.getfixturevalue("agent") if database == "runtime" else Agent(runtime)
    for index in range(3):
        planned_invoice(runtime, name=f"Customer {index}", number=f"F-{index}")
    agent.keep(b"From: someone@example.com\r\nSubject: hello\r\n\r\nbody\r\n")
    before = gauges(runtime.engine, settings, COURTESY)
    assert (before["due_steps"], before["unprocessed_messages"], before["claims"]) == (3, 1, 0)
    with pytest.raises(Killed):  # a dispatcher dies in its first SMTP exchange, its batch claimed
        dispatch_due(runtime.engine, settings, KilledDuringNthSend(settings, 1), now=COURTESY)
    during = gauges(runtime.engine, settings, COURTESY + timedelta(seconds=10))
    assert (during["due_steps"], during["steps_sending"], during["claims"]) == (2, 1, 3)
    assert during["claims_lapsed"] == 0 and during["oldest_claim_seconds"] == 10
    lapsed = gauges(runtime.engine, settings, COURTESY + timedelta(seconds=settings.workers.lease_seconds))
    assert lapsed["claims_lapsed"] == 3
    text = prometheus_lines(lapsed)
    assert "# TYPE relance_due_steps gauge\nrelance_due_steps 2\n" in text


def test_a_long_running_message_keeps_its_claim_alive(
    agent: Agent, runtime: Runtime, clock: FixedClock
) -> None:
    inbound_id, _ = agent.keep(b"From: someone@example.com\r\nSubject: hello\r\n\r\nbody\r\n")
    lease = timedelta(seconds=0.3)  # renewed every 0.1 s of real time: its liveness is what it proves
    assert claim_this(runtime.engine, inbound_id, now=clock.now(), worker="w", lease=lease)
    with kept_alive(runtime.engine, inbound_id, worker="w", lease=lease, clock=clock):
        later = clock.advance(timedelta(hours=1))  # the run takes "an hour": the claim follows
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with session_scope(runtime.engine) as session:
                until = session.get(InboundMessage, inbound_id).claimed_until  # type: ignore[union-attr]
            if until is not None and as_utc(until) == later + lease:
                break
            time.sleep(0.02)
        assert until is not None and as_utc(until) == later + lease
        assert (
            claim_message(runtime.engine, status="received", now=later, worker="other", lease=lease) is None
        )
