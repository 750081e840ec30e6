"""Turn raw RFC 822 bytes into what the agent needs: headers, the reply text, and attachments.

Finance forwards in every way a mail client allows: files attached directly, a forwarded message
attached as message/rfc822 with its own files, PDFs labelled application/octet-stream, file names
encoded per RFC 2231. All of them end up as `Attachment`s here.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

DOCUMENT_SUFFIXES = (".pdf", ".xml")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
# A photo or scan of a page weighs far more than a logo or a signature's picture.
SMALLEST_PAGE_IMAGE = 20_000


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes

    @property
    def suffix(self) -> str:
        name = self.filename.lower()
        return name[name.rfind(".") :] if "." in name else ""

    @property
    def is_document(self) -> bool:
        """A PDF or an e-invoice XML, whatever MIME type the sender's client gave it."""
        return self.suffix in DOCUMENT_SUFFIXES or self.content_type in (
            "application/pdf",
            "application/xml",
            "text/xml",
        )

    @property
    def is_page_image(self) -> bool:
        """A photo or a scan that may be an invoice (read by OCR), not a logo of the sender's signature."""
        is_image = self.suffix in IMAGE_SUFFIXES or self.content_type in (
            "image/png",
            "image/jpeg",
            "image/tiff",
        )
        return is_image and len(self.data) >= SMALLEST_PAGE_IMAGE

    @property
    def is_winmail(self) -> bool:
        return self.filename.lower() == "winmail.dat" or self.content_type == "application/ms-tnef"


@dataclass
class ParsedMessage:
    message_id: str
    sender: str
    subject: str
    date: datetime | None
    in_reply_to: str | None
    references: list[str]
    body_text: str
    attachments: list[Attachment] = field(default_factory=list)
    auto_submitted: bool = False
    is_delivery_report: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    authentication_results: list[str] = field(default_factory=list)


def parse_message(raw: bytes, fallback_id: str) -> ParsedMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    message_id = (message.get("Message-ID") or "").strip() or f"<{fallback_id}@relance.missing-id>"
    _name, sender = parseaddr(str(message.get("From", "")))
    try:
        date = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        date = None
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    return ParsedMessage(
        message_id=message_id,
        sender=sender.lower(),
        subject=str(message.get("Subject", "")),
        date=date,
        in_reply_to=(str(message.get("In-Reply-To")).strip() if message.get("In-Reply-To") else None),
        references=re.findall(r"<[^>]+>", str(message.get("References", ""))),
        body_text=_body_text(message),
        attachments=list(_attachments(message)),
        auto_submitted=auto not in ("", "no"),
        is_delivery_report=message.get_content_type() == "multipart/report",
        headers={k.lower(): str(v) for k, v in message.items()},
        authentication_results=[str(v) for v in message.get_all("Authentication-Results") or []],
    )


def documents_to_read(attachments: list[Attachment]) -> list[Attachment]:
    """The attachments to read as invoices: PDFs and XML; photos and scans (by OCR) only in a message that
    has neither, since beside a PDF a picture is a logo or a signature, not the invoice."""
    documents = [a for a in attachments if a.is_document]
    return documents or [a for a in attachments if a.is_page_image]


def _attachments(message: EmailMessage) -> list[Attachment]:
    found: list[Attachment] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        filename = part.get_filename()  # decodes RFC 2231 and RFC 2047 names
        if content_type == "message/rfc822":
            continue  # walk() already descends into the forwarded message's own parts
        if not filename:
            if part.get_content_disposition() == "attachment":
                filename = "attachment" + _guess_suffix(content_type)
            else:
                continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            found.append(Attachment(filename=filename, content_type=content_type, data=payload))
    return found


def _guess_suffix(content_type: str) -> str:
    return {"application/pdf": ".pdf", "application/xml": ".xml", "text/xml": ".xml"}.get(content_type, "")


def _body_text(message: EmailMessage) -> str:
    """The message's own text (not a forwarded one's): plain text preferred, HTML stripped otherwise."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        text = part.get_content()
    except (LookupError, UnicodeDecodeError):
        payload = part.get_payload(decode=True)
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if part.get_content_type() == "text/html":
        text = re.sub(r"<(br|/p|/div)\s*/?>", "\n", text, flags=re.I)
        text = re.sub(r"<[^>]+>", "", text)
    return str(text)


def addresses(header_value: str) -> list[str]:
    return [address.lower() for _name, address in getaddresses([header_value]) if address]


def authenticated_by(results: list[str], authserv_id: str) -> bool:
    """True when the trusted server (RFC 8601 authserv-id) recorded spf=pass or dkim=pass."""
    for header in results:
        server, _, methods = header.partition(";")
        if server.strip().split()[0:1] != [authserv_id]:
            continue  # a header added by anyone else proves nothing
        if re.search(r"\b(?:spf|dkim)\s*=\s*pass\b", methods, re.IGNORECASE):
            return True
    return False
