"""Turn raw RFC 822 bytes into what the agent needs: headers, the reply text, and attachments.

Finance forwards in every way a mail client allows: files attached directly, a forwarded message
attached as message/rfc822 with its own files, PDFs labelled application/octet-stream, file names
encoded per RFC 2231. All of them end up as `Attachment`s here.
"""

from __future__ import annotations

import email
import email.policy
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from typing import TypeVar, cast

from agent.mail.big_parts import BigBodies, cut_big_bodies
from agent.mail.safe_text import clean_line, clean_text

DOCUMENT_SUFFIXES = (".pdf", ".xml")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
# A photo or scan of a page weighs far more than a logo or a signature's picture.
SMALLEST_PAGE_IMAGE = 20_000
ADDRESS = re.compile(r"[\w.+'=-]+@[\w-]+(?:\.[\w-]+)+")
# Defects that mean the MIME structure is broken (a boundary never found or never closed): a file may
# be missing, so the message is not silently taken as "nothing attached".
STRUCTURE_DEFECTS = {
    "StartBoundaryNotFoundDefect",
    "CloseBoundaryNotFoundDefect",
    "MultipartInvariantViolationDefect",
    "NoBoundaryInMultipartDefect",
    "MissingHeaderBodySeparatorDefect",
}
T = TypeVar("T")


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
    authentication_results: list[str] = field(default_factory=list)  # topmost first
    problems: list[str] = field(default_factory=list)  # what could not be read, said, never raised
    oversized: list[tuple[str, int]] = field(default_factory=list)  # (file name, size) over the limit
    body_kind: str = "plain"  # plain | html | none


def parse_message(raw: bytes, fallback_id: str, *, max_attachment_bytes: int | None = None) -> ParsedMessage:
    """Whatever the bytes, a ParsedMessage: a header or a MIME part that cannot be read is noted in
    `problems`, never raised (one malformed header must not stop the mailbox)."""
    try:
        return _parse(raw, fallback_id, max_attachment_bytes)
    except Exception as error:  # the last guard: the message is kept, and says why
        return ParsedMessage(
            message_id=f"<{fallback_id}@relance.missing-id>",
            sender=_sender_from_raw(raw),
            subject="",
            date=None,
            in_reply_to=None,
            references=[],
            body_text="",
            problems=[f"the message could not be parsed: {type(error).__name__}: {error}"],
        )


def _parse(raw: bytes, fallback_id: str, max_attachment_bytes: int | None) -> ParsedMessage:
    skeleton, big = cut_big_bodies(raw, secrets.token_hex(4))  # big bodies never go through the parser
    message = email.message_from_bytes(skeleton, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    problems: list[str] = []
    headers = _raw_headers(message)
    message_id = _one_line(headers.get("message-id", "")) or f"<{fallback_id}@relance.missing-id>"
    sender = _sender(headers.get("from", ""))
    try:
        date = parsedate_to_datetime(headers["date"]) if headers.get("date") else None
    except (TypeError, ValueError, IndexError, OverflowError):
        date = None
    auto = headers.get("auto-submitted", "no").strip().lower()
    in_reply_to = _one_line(headers.get("in-reply-to", ""))
    attachments, oversized = _attachments(message, big, problems, max_attachment_bytes)
    body_text, body_kind = _body_text(message, big, problems)
    problems += [f"MIME structure: {type(defect).__name__}" for defect in _defects(message)]
    return ParsedMessage(
        message_id=message_id[:998],
        sender=sender,
        subject=clean_line(_decoded_header(message, "Subject", headers.get("subject", ""), problems)),
        date=date,
        in_reply_to=in_reply_to or None,
        references=re.findall(r"<[^<>\s]+>", clean_line(headers.get("references", "")))[:100],
        body_text=clean_text(body_text),
        attachments=attachments,
        auto_submitted=auto not in ("", "no"),
        is_delivery_report=_safe(message.get_content_type, "") == "multipart/report",
        headers=headers,
        authentication_results=_raw_all(message, "Authentication-Results"),
        problems=problems,
        oversized=oversized,
        body_kind=body_kind,
    )


def _raw_value(value: object) -> str:
    """A header's value as received, unfolded, without parsing its structure (which may raise)."""
    return re.sub(r"\r?\n[ \t]", " ", str(value)).strip()


def _raw_headers(message: EmailMessage) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in message.raw_items():
        headers.setdefault(str(name).lower(), _raw_value(value))  # the first (topmost) one counts
    return headers


def _raw_all(message: EmailMessage, name: str) -> list[str]:
    """Every occurrence of a header, topmost first, as received."""
    return [_raw_value(value) for key, value in message.raw_items() if str(key).lower() == name.lower()]


def _one_line(value: str) -> str:
    return clean_line(value).strip()


def _sender(value: str) -> str:
    """The From address, lower-cased. The legacy parser (parseaddr) never raises; when it finds no
    address, the first thing that looks like one is taken."""
    try:
        _name, address = parseaddr(value)
    except Exception:
        address = ""
    if "@" not in address:
        found = ADDRESS.search(value)
        address = found.group(0) if found else address
    return clean_line(address.lower()).replace(" ", "")[:320]


def _sender_from_raw(raw: bytes) -> str:
    head = raw[:65536].decode("latin-1")
    found = re.search(r"^from:(.*)$", head, re.IGNORECASE | re.MULTILINE)
    return _sender(found.group(1)) if found else ""


def _decoded_header(message: EmailMessage, name: str, raw_value: str, problems: list[str]) -> str:
    """A header decoded (RFC 2047), or its raw value when decoding fails."""
    try:
        return str(message.get(name, ""))
    except Exception as error:
        problems.append(f"header {name} unreadable ({type(error).__name__})")
        return raw_value


def _safe(function: Callable[[], T], default: T) -> T:
    try:
        return function()
    except Exception:
        return default


def _defects(message: EmailMessage) -> list[object]:
    found: list[object] = []
    for part in message.walk():
        found += [d for d in getattr(part, "defects", []) if type(d).__name__ in STRUCTURE_DEFECTS]
    return found


def documents_to_read(attachments: list[Attachment]) -> list[Attachment]:
    """The attachments to read as invoices: PDFs and XML; photos and scans (by OCR) only in a message that
    has neither, since beside a PDF a picture is a logo or a signature, not the invoice."""
    documents = [a for a in attachments if a.is_document]
    return documents or [a for a in attachments if a.is_page_image]


def _attachments(
    message: EmailMessage, big: BigBodies, problems: list[str], limit: int | None
) -> tuple[list[Attachment], list[tuple[str, int]]]:
    found: list[Attachment] = []
    oversized: list[tuple[str, int]] = []
    for number, part in enumerate(message.walk()):
        try:
            if part.is_multipart():
                continue
            content_type = part.get_content_type()
            if content_type == "message/rfc822":
                continue  # walk() already descends into the forwarded message's own parts
            try:
                filename = part.get_filename()  # decodes RFC 2231 and RFC 2047 names
            except Exception:  # a name that cannot be decoded: the raw parameter
                raw_name = part.get_param("filename", header="content-disposition")
                filename = str(raw_name) if raw_name else None
            if not filename:
                if part.get_content_disposition() == "attachment":
                    filename = "attachment" + _guess_suffix(content_type)
                else:
                    continue
            filename = _safe_filename(str(filename))
            encoded = part.get_payload()
            index = big.index_of(encoded)
            base64 = str(part.get("Content-Transfer-Encoding", "")).strip().lower() == "base64"
            if index is not None:
                size = big.decoded_size(index) if base64 else len(big.original(index))
            else:
                size = _decoded_size(encoded, base64=base64)
            if limit is not None and size > limit:
                oversized.append((filename, size))  # not decoded: its bytes stay in the raw store only
                continue
            payload: object = (
                (big.decode(index) if base64 else big.original(index).encode())
                if index is not None
                else part.get_payload(decode=True)
            )
            if isinstance(payload, bytes):
                found.append(Attachment(filename=filename, content_type=content_type, data=payload))
        except Exception as error:
            problems.append(f"MIME part {number} unreadable ({type(error).__name__}: {error})")
    return found, oversized


def _decoded_size(encoded: object, *, base64: bool) -> int:
    """The size a part will have once decoded, without decoding it (base64: 3 bytes per 4 characters,
    line breaks not counted)."""
    if not isinstance(encoded, str):
        return 0
    size = len(encoded) - encoded.count("\n") - encoded.count("\r")
    return size * 3 // 4 if base64 else size


def _safe_filename(name: str) -> str:
    """The file name as shown: cleaned, and without any folder (a name is never a path)."""
    name = clean_line(name).replace("\\", "/").rsplit("/", 1)[-1].strip() or "attachment"
    return name[:200]


def _guess_suffix(content_type: str) -> str:
    return {"application/pdf": ".pdf", "application/xml": ".xml", "text/xml": ".xml"}.get(content_type, "")


def _body_text(message: EmailMessage, big: BigBodies, problems: list[str]) -> tuple[str, str]:
    """The message's own text (not a forwarded one's): plain text preferred, HTML stripped otherwise.
    Returns the text and what it came from (plain, html or none)."""
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except Exception as error:
        problems.append(f"body unreadable ({type(error).__name__})")
        return "", "none"
    if part is None:
        return "", "none"
    index = big.index_of(_safe(part.get_payload, None))
    try:
        if index is not None:  # a big text body, cut out before parsing: decoded from the raw bytes
            base64 = str(part.get("Content-Transfer-Encoding", "")).strip().lower() == "base64"
            raw = big.decode(index) if base64 else big.original(index).encode()
            text = raw.decode(part.get_content_charset() or "utf-8", "replace")
        else:
            text = part.get_content()
    except Exception:  # an unknown charset or broken encoding: decoded leniently
        decoded = _safe(lambda: part.get_payload(decode=True), cast(object, b""))
        text = decoded.decode("utf-8", "replace") if isinstance(decoded, bytes) else ""
    kind = "html" if part.get_content_type() == "text/html" else "plain"
    if kind == "html":
        text = re.sub(r"<(br|/p|/div)\s*/?>", "\n", str(text), flags=re.I)
        text = re.sub(r"<[^>]+>", "", text)
    return str(text), kind


def addresses(header_value: str) -> list[str]:
    return [address.lower() for _name, address in getaddresses([header_value]) if address]


def authenticated_by(results: list[str], authserv_id: str) -> bool:
    """True when the trusted server (RFC 8601 authserv-id) recorded spf=pass or dkim=pass.

    `results` are the Authentication-Results headers topmost first. Only the topmost one bearing the
    trusted id is believed: a receiving server prepends its own above everything the sender wrote, so
    any lower one claiming the same id was written by the sender (RFC 8601 section 5). Configure the
    server to write all its results in one header (OpenDMARC, authentication_milter and Rspamd do)."""
    for header in results:
        server, _, methods = header.partition(";")
        if server.strip().split()[0:1] != [authserv_id]:
            continue  # a header added by anyone else proves nothing
        # The topmost one of our server decides, pass or fail: nothing below it is read.
        return bool(re.search(r"\b(?:spf|dkim)\s*=\s*pass\b", _without_comments(methods), re.IGNORECASE))
    return False


def _without_comments(value: str) -> str:
    """RFC 5322 comments removed: "spf=fail (sender said spf=pass)" is a failure."""
    previous = None
    while previous != value:
        previous, value = value, re.sub(r"\([^()]*\)", " ", value)
    return value


def headers_of(raw: bytes) -> bytes:
    """The header block of a message alone (what is read of a message too big to parse whole)."""
    end = re.search(rb"\r?\n\r?\n", raw[:1_000_000])
    return raw[: end.start()] + b"\n\n" if end else raw[:65536]


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"
