"""TLS everywhere it is configured: IMAP over TLS and STARTTLS, SMTP with STARTTLS and authentication."""

from __future__ import annotations

import ssl
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from agent.clock import FixedClock
from agent.db import session_scope
from agent.flow.service import Agent
from agent.mail.imap import ImapInbox
from agent.mail.smtp import SmtpSender
from agent.models import Invoice, Reminder
from agent.reminders.dispatch import dispatch_due
from agent.runtime import Runtime
from agent.settings import MailboxSettings, OutgoingSettings, Settings
from tests.conftest import COMPANY, make_email
from tests.helpers import planned_invoice
from tests.servers.dovecot import PASSWORD, DovecotServer
from tests.servers.smtp import SmtpServer
from tests.servers.tls import make_certificate
from tests.test_graph import invoice_pdf
from tests.test_imap import append


def secure_mailbox(dovecot: DovecotServer, security: str, *, trusted: bool = True) -> MailboxSettings:
    return MailboxSettings(
        kind="imap",
        host="127.0.0.1",
        security=security,  # type: ignore[arg-type]
        port=dovecot.imaps_port if security == "tls" else dovecot.imap_port,
        user=f"tls-{uuid.uuid4().hex[:8]}@example.test",
        password=PASSWORD,
        ca_file=dovecot.certificate if trusted else None,
    )


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_imap_intake_over_tls(
    tmp_path: Path, dovecot: DovecotServer, clock: FixedClock, security: str
) -> None:
    mailbox = secure_mailbox(dovecot, security)
    append(
        mailbox.model_copy(update={"security": "none", "port": dovecot.imap_port}),
        make_email(files=[("F.pdf", invoice_pdf("F-2026-6001", "100.00"))]),
    )
    runtime = Runtime.open(Settings(data_dir=tmp_path / "data", company=COMPANY, mailbox=mailbox), clock)
    with Agent(runtime) as agent:
        assert len(agent.tick().received) == 1
        assert isinstance(agent.inbox, ImapInbox) and agent.inbox.client is not None
        assert agent.inbox.client._imap.sock.version() is not None  # the socket really is TLS
    with session_scope(runtime.engine) as session:
        assert [i.number for i in session.exec(select(Invoice))] == ["F-2026-6001"]
    runtime.engine.dispose()


def test_an_untrusted_certificate_is_refused(dovecot: DovecotServer) -> None:
    inbox = ImapInbox(secure_mailbox(dovecot, "tls", trusted=False))
    with pytest.raises(ssl.SSLCertVerificationError):
        inbox.connect()


@pytest.fixture
def secure_smtp(tmp_path: Path) -> tuple[SmtpServer, Path]:
    cert, key = make_certificate(tmp_path)
    server = SmtpServer(tls_files=(cert, key), login=("ar@supplier.example", "s3cret")).start()
    yield server, cert
    server.stop()


def starttls_sender(server: SmtpServer, cert: Path, *, password: str) -> SmtpSender:
    return SmtpSender(
        OutgoingSettings(
            kind="smtp",
            host="127.0.0.1",
            port=server.port,
            security="starttls",
            user="ar@supplier.example",
            password=password,
            ca_file=cert,
        )
    )


def test_smtp_with_starttls_and_login(
    runtime: Runtime, settings: Settings, secure_smtp: tuple[SmtpServer, Path]
) -> None:
    server, cert = secure_smtp
    planned_invoice(runtime)
    sender = starttls_sender(server, cert, password="s3cret")
    results = dispatch_due(runtime.engine, settings, sender, now=datetime(2026, 11, 27, 8, 5, tzinfo=UTC))
    sender.close()
    assert [r.state for r in results] == ["sent"]
    assert len(server.received.messages) == 1


def test_a_refused_login_fails_the_step_with_its_reason(
    runtime: Runtime, settings: Settings, secure_smtp: tuple[SmtpServer, Path]
) -> None:
    server, cert = secure_smtp
    planned_invoice(runtime)
    sender = starttls_sender(server, cert, password="wrong")
    (result,) = dispatch_due(runtime.engine, settings, sender, now=datetime(2026, 11, 27, 8, 5, tzinfo=UTC))
    sender.close()
    assert result.state == "failed" and "535" in result.reason  # the server's own words, kept on the step
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Reminder).where(Reminder.step == 0)).one().state == "failed"
    assert server.received.messages == []
