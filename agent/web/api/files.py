"""What an uploaded file is, told by its first bytes, and whether relance takes it.

The type is read from the content, never from the name or the content type the client gave (both are
the client's words): a PDF starts with `%PDF-` (Factur-X and ZUGFeRD are PDFs; the graph finds their
XML), an e-invoice is XML (UBL or CII; the graph says when it is neither), a photo or scan is PNG, JPEG or
TIFF (read by OCR). Those signatures are the ones the extractor itself dispatches on
(agent/documents/extract.py), so a file taken here is one the graph will try to read. A handful of
signatures needs no library (libmagic would be a system dependency for five comparisons).

Refused, each with its code: an empty file, an executable (by content, or by a name that runs when
opened), anything else.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.mail.parse import megabytes
from agent.mail.safe_text import clean_line
from agent.settings import Settings

# base64 in a MIME message: 76 characters and CRLF for every 57 bytes, so a file of n bytes weighs about
# n * 78 / 57 in its synthetic message, which must stay under mailbox.max_message_bytes (else the graph
# would quarantine it unread); 64 kB leaves room for the headers and the note.
BASE64_GROWTH = 78 / 57
MESSAGE_HEADROOM = 64_000
FILES_PER_REQUEST = 100
REQUEST_FILES_AT_LARGEST = 4  # a request may carry this many files of the largest size

SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xml": "application/xml",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "tiff": "image/tiff",
}
SUFFIXES = {
    "pdf": (".pdf",),
    "xml": (".xml",),
    "png": (".png",),
    "jpeg": (".jpg", ".jpeg"),
    "tiff": (".tif", ".tiff"),
}
EXECUTABLE_SIGNATURES = (
    b"MZ",  # Windows and DOS programs (PE)
    b"\x7fELF",  # Linux and most Unix programs
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O universal binaries (and Java classes)
    b"#!",  # scripts
)  # fmt: skip
EXECUTABLE_SUFFIXES = (
    ".exe", ".dll", ".com", ".scr", ".msi", ".bat", ".cmd", ".ps1", ".vbs", ".js", ".jse", ".wsf",
    ".sh", ".jar", ".app", ".apk", ".lnk", ".hta", ".cpl",
)  # fmt: skip
XML_OPENINGS = (b"<?xml", b"<")


@dataclass(frozen=True)
class Limits:
    per_file: int
    per_request: int
    files: int = FILES_PER_REQUEST


def limits(settings: Settings) -> Limits:
    """The per-file limit is the mailbox's attachment limit (what a mailed file may weigh), lowered if
    needed so that the file's message fits the mailbox's message limit."""
    mailbox = settings.mailbox
    fits = int((mailbox.max_message_bytes - MESSAGE_HEADROOM) / BASE64_GROWTH)
    per_file = max(1, min(mailbox.max_attachment_bytes, fits))
    return Limits(per_file=per_file, per_request=per_file * REQUEST_FILES_AT_LARGEST + MESSAGE_HEADROOM)


@dataclass(frozen=True)
class Verdict:
    kind: str | None  # pdf, xml, png, jpeg, tiff; None when refused
    code: str | None = None  # empty | executable | unsupported_type
    reason: str | None = None


def judge(data: bytes, filename: str) -> Verdict:
    if not data:
        return Verdict(None, "empty", "the file is empty (0 bytes)")
    lowered = filename.lower()
    if data.startswith(EXECUTABLE_SIGNATURES) or lowered.endswith(EXECUTABLE_SUFFIXES):
        return Verdict(None, "executable", "an executable program or script: never opened, not kept")
    for signature, kind in SIGNATURES:
        if data.startswith(signature):
            return Verdict(kind)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(XML_OPENINGS):
        return Verdict("xml")
    shown = clean_line(data[:8].decode("latin-1"))
    return Verdict(
        None,
        "unsupported_type",
        f"not a PDF, an e-invoice XML (UBL or CII), a PNG, a JPEG or a TIFF (it starts with {shown!r})",
    )


def too_large(name: str, size: int, limit: int) -> str:
    return (
        f"{name} weighs {megabytes(size)} ({size} bytes), over the limit of {megabytes(limit)} "
        f"({limit} bytes) per file"
    )


def attachment_name(filename: str, kind: str, position: int) -> str:
    """The file's name in its synthetic message: the sender's (made safe), ending as its content says, since
    the reader takes a name ending in .xml as XML whatever it holds."""
    name = clean_line(filename).replace("\\", "/").rsplit("/", 1)[-1].strip()[:180] or f"file-{position + 1}"
    return name if name.lower().endswith(SUFFIXES[kind]) else f"{name}{SUFFIXES[kind][0]}"
