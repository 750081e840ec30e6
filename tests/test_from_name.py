"""Every e-mail is from the company by name: `From: "Atelier Numérique – Comptabilité" <…>`, encoded as
RFC 2047 says, through a real SMTP server."""

from __future__ import annotations

from datetime import UTC, date, datetime

from agent.db import session_scope
from agent.finance.tasks import request_review
from agent.mail.smtp import SmtpSender
from agent.reminders.dispatch import dispatch_due
from agent.runtime import Runtime
from agent.settings import CompanySettings, OutgoingSettings, Settings
from agent.templating import Said
from tests.helpers import planned_invoice
from tests.servers.smtp import SmtpServer

NAME = "Atelier Numérique – Comptabilité"


def test_reminders_and_task_mails_carry_the_company_s_display_name(
    runtime: Runtime, settings: Settings, smtp_server: SmtpServer
) -> None:
    settings.company.sender_name = NAME
    planned_invoice(runtime, due=date(2026, 12, 2))
    sender = SmtpSender(
        OutgoingSettings(kind="smtp", host="127.0.0.1", port=smtp_server.port, security="none")
    )
    try:
        dispatch_due(runtime.engine, settings, sender, now=datetime(2026, 11, 27, 8, 5, tzinfo=UTC))
        with session_scope(runtime.engine) as session:
            request_review(
                session, sender, settings, title=Said("document_title", document="F-1"), reasons=[],
                addressee=settings.company.finance_address, at=runtime.clock.now(),
            )  # fmt: skip
    finally:
        sender.close()
    assert len(smtp_server.received.messages) == 2
    for raw, message in zip(smtp_server.received.raw, smtp_server.received.messages, strict=True):
        (address,) = message["From"].addresses
        assert (address.display_name, address.addr_spec) == (NAME, settings.company.collections_address)
        header = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        assert header.isascii() and b"=?utf-8?" in header  # the name travels as encoded words
        assert message["Reply-To"] is None or "Comptabilit" not in str(message["Reply-To"])


def test_the_display_name_defaults_to_the_company_s_name() -> None:
    company = CompanySettings(name="Acme, Inc.", collections_address="ar@acme.example")
    assert company.from_header() == '"Acme, Inc." <ar@acme.example>'  # quoted: the comma is special
    assert (
        CompanySettings(name="Acme SAS", sender_name="Acme – Recouvrement")
        .from_header()
        .startswith("Acme – Recouvrement <")
    )
