"""Delivery failures: which of our messages could not be delivered, to whom, and why.

Standard reports first (RFC 3464 `multipart/report; report-type=delivery-status`): the recipient,
the action (`failed` or only `delayed`), the status code and the server's words, and the Message-ID
of our original from the returned headers. Servers that send a plain-text bounce are recognised by
their sender (MAILER-DAEMON, postmaster) and by one of our own Message-IDs quoted in the text.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage, Message

MESSAGE_ID = re.compile(r"^message-id:\s*(<[^>]+>)", re.IGNORECASE | re.MULTILINE)
DAEMONS = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon)@", re.IGNORECASE)


def is_from_mail_system(address: str) -> bool:
    """MAILER-DAEMON, postmaster: the addresses servers send bounces from."""
    return bool(DAEMONS.match(address or ""))


@dataclass(frozen=True)
class Bounce:
    recipient: str | None
    permanent: bool  # a 5.x.x failure: the address does not work; 4.x.x or "delayed" may still arrive
    status: str
    diagnostic: str
    original_message_id: str | None
    mentioned_ids: tuple[str, ...] = ()  # a plain-text bounce: every Message-ID-like token it quotes

    def describe(self) -> str:
        return f"{self.status} {self.diagnostic}".strip() or "delivery failed"


def _fields(text: str) -> dict[str, str]:
    """The per-recipient fields of a delivery-status part (header-like lines, continuation folded)."""
    fields: dict[str, str] = {}
    last = None
    for line in text.splitlines():
        if line[:1] in (" ", "\t") and last:
            fields[last] += " " + line.strip()
            continue
        name, sep, value = line.partition(":")
        if sep and name.strip():
            last = name.strip().lower()
            fields.setdefault(last, value.strip())
    return fields


def _part_text(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):  # message/delivery-status: the parser gives one block per recipient
        return "\n\n".join(str(block) for block in payload)
    decoded = part.get_payload(decode=True)
    return decoded.decode("utf-8", "replace") if isinstance(decoded, bytes) else str(payload)


def _address(value: str) -> str | None:
    address = value.split(";", 1)[-1].strip().strip("<>").lower()  # "rfc822; someone@example.com"
    return address or None


def read_bounce(raw: bytes) -> Bounce | None:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    if message.get_content_type() == "multipart/report":
        fields: dict[str, str] = {}
        original: str | None = None
        for part in message.walk():
            kind = part.get_content_type()
            if kind == "message/delivery-status":
                text = _part_text(part)
                for block in re.split(r"\n\s*\n", text):
                    block_fields = _fields(block)
                    if "final-recipient" in block_fields or "action" in block_fields:
                        fields = block_fields
                        break
            elif kind in ("text/rfc822-headers", "message/rfc822") and original is None:
                found = MESSAGE_ID.search(_part_text(part) if kind == "text/rfc822-headers" else str(part))
                original = found.group(1) if found else None
        if not fields:
            return None
        status = fields.get("status", "")
        action = fields.get("action", "").lower()
        return Bounce(
            recipient=_address(fields.get("final-recipient") or fields.get("original-recipient", "")),
            permanent=action == "failed" and not status.startswith("4"),
            status=status,
            diagnostic=fields.get("diagnostic-code", "").split(";", 1)[-1].strip(),
            original_message_id=original,
        )
    sender = str(message.get("From", ""))
    address = email.utils.parseaddr(sender)[1]
    if not is_from_mail_system(address):
        return None
    text = str(message)
    quoted = tuple(dict.fromkeys(re.findall(r"<[^<>@\s]+@[^<>\s]+>", text)))
    if not quoted:
        return None
    code = re.search(r"\b([45]\.\d{1,3}\.\d{1,3})\b", text)
    return Bounce(
        recipient=None,
        permanent=not (code and code.group(1).startswith("4")),
        status=code.group(1) if code else "",
        diagnostic=str(message.get("Subject", "")),
        original_message_id=None,
        mentioned_ids=quoted,
    )
