"""Mail that servers and people send back, built the way real ones are."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid


def delivery_status_notification(
    *,
    original: EmailMessage,
    recipient: str,
    status: str = "5.1.1",
    action: str = "failed",
    diagnostic: str = "smtp; 550 5.1.1 <{recipient}>: Recipient address rejected: User unknown",
) -> bytes:
    """An RFC 3464 report as Postfix writes it: a human part, the delivery status, the original headers."""
    boundary = "4F2A8C1E9B.1764230403/mx.customer.example"
    original_headers = "".join(
        f"{name}: {value}\r\n"
        for name, value in original.items()
        if name in ("From", "To", "Subject", "Message-ID", "Date")
    )
    text = f"""\
From: MAILER-DAEMON@mx.customer.example (Mail Delivery System)
To: {original["From"]}
Subject: Undelivered Mail Returned to Sender
Message-ID: {make_msgid(domain="mx.customer.example")}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"

This is a MIME-encapsulated message.

--{boundary}
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.customer.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<{recipient}>: host mx.customer.example said: 550 5.1.1 User unknown

--{boundary}
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.customer.example
Arrival-Date: Fri, 27 Nov 2026 09:00:03 +0100 (CET)

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: {action}
Status: {status}
Remote-MTA: dns; mx.customer.example
Diagnostic-Code: {diagnostic.format(recipient=recipient)}

--{boundary}
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

{original_headers}
--{boundary}--
"""
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode()


def out_of_office(*, sender: str, in_reply_to: str, subject: str, body: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"] = sender, "collections@supplier.example"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="customer.example")
    message["In-Reply-To"], message["References"] = in_reply_to, in_reply_to
    message["Auto-Submitted"] = "auto-replied"
    message.set_content(body)
    return message.as_bytes()
