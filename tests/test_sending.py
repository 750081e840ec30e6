"""Sending through real servers: one SMTP connection per batch, threads, a Sent copy for crashes."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlmodel import select

from agent.clock import FixedClock
from agent.db import session_scope
from agent.mail.imap import ImapInbox
from agent.mail.outgoing import make_sender
from agent.mail.smtp import SentCopySender, SmtpSender
from agent.models import Reminder
from agent.reminders.dispatch import dispatch_due
from agent.runtime import Runtime
from agent.settings import MailboxSettings, OutgoingSettings, Settings
from tests.conftest import COMPANY
from tests.helpers import planned_invoice
from tests.servers.dovecot import PASSWORD, DovecotServer
from tests.servers.smtp import SmtpServer


def smtp_settings(server: SmtpServer) -> OutgoingSettings:
    return OutgoingSettings(kind="smtp", host="127.0.0.1", port=server.port, security="none")


def test_a_batch_goes_out_on_one_connection_as_one_thread_per_invoice(
    runtime: Runtime, settings: Settings, smtp_server: SmtpServer
) -> None:
    planned_invoice(runtime, name="Alpha", number="A-2026-001", due=date(2026, 12, 2))
    planned_invoice(runtime, name="Beta", number="B-2026-002", due=date(2026, 12, 2))
    sender = SmtpSender(smtp_settings(smtp_server))
    try:
        for day in (
            datetime(2026, 11, 27, 8, 5, tzinfo=UTC),
            datetime(2026, 12, 2, 8, 5, tzinfo=UTC),
            datetime(2026, 12, 9, 8, 5, tzinfo=UTC),
        ):
            dispatch_due(runtime.engine, settings, sender, now=day)
    finally:
        sender.close()
    received = smtp_server.received.messages
    assert len(received) == 6
    assert sender.connections == 1  # reused across the whole run
    alpha = [m for m in received if "A-2026-001" in str(m["Subject"])]
    assert [m["In-Reply-To"] for m in alpha] == [
        None,
        str(alpha[0]["Message-ID"]),
        str(alpha[1]["Message-ID"]),
    ]
    assert str(alpha[2]["References"]).split() == [str(alpha[0]["Message-ID"]), str(alpha[1]["Message-ID"])]
    assert {m["From"].addresses[0].addr_spec for m in received} == {COMPANY.collections_address}
    assert {str(m["Reply-To"]) for m in received} == {COMPANY.collections_address}


def test_a_dropped_smtp_connection_is_reopened(smtp_server: SmtpServer) -> None:
    sender = SmtpSender(smtp_settings(smtp_server))
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@x.example", "b@y.example", "one"
    message.set_content("1")
    sender.send(message)
    assert sender.client is not None
    sender.loop.run_until_complete(sender.client.quit())  # the server side closes the session
    message.replace_header("Subject", "two")
    sender.send(message)
    sender.close()
    assert [str(m["Subject"]) for m in smtp_server.received.messages] == ["one", "two"]
    assert sender.connections == 2


class CrashAfterSmtp(SentCopySender):
    """Dies after the message left and was filed in Sent, before the step is marked sent."""

    def send(self, message: EmailMessage) -> None:
        super().send(message)
        raise KeyboardInterrupt("killed")


def test_crash_after_sending_is_resolved_from_the_sent_folder(
    tmp_path: Path, dovecot: DovecotServer, smtp_server: SmtpServer, clock: FixedClock
) -> None:
    mailbox = MailboxSettings(
        kind="imap",
        host="127.0.0.1",
        port=dovecot.imap_port,
        security="none",
        user=f"ar-{uuid.uuid4().hex[:8]}@example.test",
        password=PASSWORD,
    )
    settings = Settings(
        data_dir=tmp_path / "data", company=COMPANY, mailbox=mailbox, outgoing=smtp_settings(smtp_server)
    )
    runtime = Runtime.open(settings, clock)
    assert isinstance(runtime.sender, SentCopySender)
    planned_invoice(runtime)
    at = datetime(2026, 11, 27, 8, 5, tzinfo=UTC)
    crashing = CrashAfterSmtp(SmtpSender(settings.outgoing), ImapInbox(mailbox), "Sent")
    with pytest.raises(KeyboardInterrupt):
        dispatch_due(runtime.engine, settings, crashing, now=at)
    crashing.close()
    restarted = make_sender(settings)
    assert isinstance(restarted, SentCopySender)
    after_lease = at + timedelta(seconds=settings.workers.lease_seconds)  # the dead one's claim lapsed
    results = dispatch_due(runtime.engine, settings, restarted, now=after_lease, sent_mail=restarted)
    restarted.close()
    assert [r.state for r in results] == ["sent"]
    assert [r.reason for r in results] == ["found in sent mail after an interruption"]
    assert len(smtp_server.received.messages) == 1  # never a second time
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Reminder).where(Reminder.step == 0)).one().state == "sent"
    runtime.engine.dispose()
