"""How finance forwards, parsed; outgoing mail composed and sent over a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from agent.mail.compose import compose, message_id_for
from agent.mail.parse import parse_message
from agent.mail.smtp import SmtpSender
from agent.settings import OutgoingSettings
from tests.conftest import make_email
from tests.servers.smtp import SmtpServer

PDF = b"%PDF-1.4 fake but named .pdf"


def test_forwarded_message_attached_as_rfc822_keeps_its_files() -> None:
    inner = EmailMessage()
    inner["From"], inner["Subject"] = "billing@tool.example", "Invoice 42"
    inner.set_content("Your invoice")
    inner.add_attachment(PDF, maintype="application", subtype="pdf", filename="invoice-42.pdf")
    outer = EmailMessage()
    outer["From"], outer["Subject"], outer["Message-ID"] = "Finance <FIN@Supplier.example>", "Fwd", "<o@x>"
    outer.set_content("FYI")
    outer.add_attachment(inner)
    parsed = parse_message(outer.as_bytes(), "fallback")
    assert parsed.sender == "fin@supplier.example"
    assert [a.filename for a in parsed.attachments] == ["invoice-42.pdf"]
    assert parsed.attachments[0].data == PDF
    assert parsed.body_text.strip() == "FYI"


def test_octet_stream_pdf_and_rfc2231_names_and_winmail() -> None:
    message = EmailMessage()
    message["From"] = "fin@supplier.example"
    message.set_content("three files")
    message.add_attachment(PDF, maintype="application", subtype="octet-stream", filename="Facture n°12 é.pdf")
    message.add_attachment(
        b"\x78\x9f\x3e\x22", maintype="application", subtype="ms-tnef", filename="winmail.dat"
    )
    parsed = parse_message(message.as_bytes(), "fallback")
    pdf, winmail = parsed.attachments
    assert pdf.filename == "Facture n°12 é.pdf" and pdf.is_document and not pdf.is_winmail
    assert winmail.is_winmail and not winmail.is_document
    assert parsed.message_id == "<fallback@relance.missing-id>"


def test_auto_replies_are_recognised() -> None:
    raw = make_email(headers={"Auto-Submitted": "auto-replied"}, subject="Absence")
    assert parse_message(raw, "x").auto_submitted


def test_composed_mail_is_threaded_and_marked_automatic() -> None:
    message_id = message_id_for("reminder", "7", "supplier.example")
    assert message_id == message_id_for("reminder", "7", "supplier.example")  # deterministic: a retry is seen
    composed = compose(
        sender="ar@supplier.example",
        recipient="ap@customer.example",
        subject="Rappel",
        text="Bonjour",
        message_id=message_id,
        sent_at=datetime(2026, 1, 5, tzinfo=UTC),
        in_reply_to="<relance.reminder.6@supplier.example>",
        references=["<relance.reminder.5@supplier.example>", "<relance.reminder.6@supplier.example>"],
        language="fr",
    )
    assert composed["Auto-Submitted"] == "auto-generated"
    assert composed["In-Reply-To"] == "<relance.reminder.6@supplier.example>"
    assert composed["Content-Language"] == "fr"


def test_smtp_sender_delivers_to_a_real_server() -> None:
    server = SmtpServer().start()
    try:
        sender = SmtpSender(
            OutgoingSettings(kind="smtp", host="127.0.0.1", port=server.port, security="none")
        )
        message = compose(
            sender="ar@supplier.example",
            recipient="ap@customer.example",
            subject="Rappel F-1",
            text="Montant : 1 440,00 €",
            message_id="<relance.reminder.1@supplier.example>",
            sent_at=datetime(2026, 1, 5, tzinfo=UTC),
        )
        sender.send(message)
    finally:
        server.stop()
    (received,) = server.received.messages
    assert received["Message-ID"] == "<relance.reminder.1@supplier.example>"
    assert received.get_body().get_content().strip() == "Montant : 1 440,00 €"


def test_a_generated_header_cannot_carry_another_one() -> None:
    with pytest.raises(ValueError, match="linefeed or carriage return"):
        compose(
            sender="ar@supplier.example", recipient="ap@customer.example", subject="s", text="t",
            message_id="<a@b>", sent_at=datetime(2026, 11, 21, tzinfo=UTC),
            in_reply_to="<x@y>\r\nBcc: z@evil",
        )  # fmt: skip
