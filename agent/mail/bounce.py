"""Delivery failures: which of our messages could not be delivered, to whom, and whether to try again.

Standard reports first (RFC 3464 `multipart/report; report-type=delivery-status`): every recipient
block with its action, status and the server's words; the failed address from Final-Recipient or
Original-Recipient, kept only when it is a real address (not `@relay:user@host`, not a bare local
part). Servers that send a plain-text bounce (Exim, qmail, old Exchange, Yahoo, Lotus...) are read by
GNU Mailman's `flufl.bounce`, a well-kept set of detectors for dozens of MTA formats, and failing that
by the addresses a failure sentence names. A delivery notification (action `delivered`, `relayed`) or
a read receipt (`report-type=disposition-notification`) is not a bounce.

Hard or soft is a question of what to do, not of the status class alone: a full mailbox ("552 5.2.2"),
an exceeded quota, greylisting, a server that was busy or a delay warning are soft (the address works:
try later); an unknown user, a closed mailbox or an address rejected by policy are hard.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import logging
import re
from dataclasses import dataclass, field
from email.message import Message

from agent.mail.autoreply import fold

log = logging.getLogger(__name__)

MESSAGE_ID = re.compile(r"^message-id:\s*(<[^>]+>)", re.IGNORECASE | re.MULTILINE)
DAEMONS = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|mail\.delivery\.system|bounces?)@", re.I)
ADDRESS = re.compile(r"^[\w.!#$%&'*+/=?^`{|}~-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)+$", re.I)
ADDRESS_IN_TEXT = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}", re.I)
STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery (?:status notification|failure|has failed|failed)|mail delivery failed"
    r"|returned mail|failure notice|could not be delivered|delivery problem|non remis|non distribu"
    r"|unzustellbar|nicht zugestellt|no se puede entregar|no entregado|non recapitabile|mancato recapito"
    r"|onbestelbaar|niet bezorgd|nao (?:foi )?entregue|nao e possivel entregar|warning: could not send"
    r"|delivery warning|rejected mail|mail rejected|returned to sender|delivery notification",
    re.IGNORECASE,
)
# Words that make a failure soft (the mailbox exists) or hard (it does not), in the servers' English and
# the localised bounces of Exchange and Gmail. Soft wins: "550 5.2.2 mailbox full" is full, not unknown.
SOFT_WORDS = re.compile(
    r"mailbox (?:is )?full|mailbox .{0,20}full|over ?quota|quota (?:exceeded|violation)|"
    r"exceed\w* .{0,30}quota"
    r"|disk quota|insufficient (?:storage|system storage)|storage (?:space|full)|mail ?box space not enough"
    r"|exceed\w* (?:the )?(?:maximum )?(?:incoming )?(?:message )?size|message (?:is )?too (?:big|large)"
    r"|greylist|graylist|try again later|temporar|deferred|delayed|not yet been delivered|will (?:keep|"
    r"continue)"
    r" trying|still trying|will retry|retry(?:ing)? |server (?:is )?busy|unavailable or busy|timed? ?out"
    r"|connection (?:refused|lost)|could not (?:establish|connect)|wasn't able to establish|"
    r"too many (?:connections"
    r"|messages)|rate limit|queue too long|delivery attempts|postfach (?:ist )?voll|speicher\w* voll"
    r"|boite (?:aux lettres )?pleine|casilla llena|buzon lleno|casella piena|mailbox vol|"
    r"caixa (?:de correio )?cheia",
    re.IGNORECASE,
)
HARD_WORDS = re.compile(
    r"user unknown|unknown user|no such (?:user|mailbox|recipient|address)|does not exist|doesn't exist"
    r"|unknown (?:recipient|address|mailbox)|invalid (?:recipient|address|mailbox)|"
    r"recipient (?:address )?rejected"
    r"|address rejected|mailbox (?:unavailable|not found|disabled|inactive)|account (?:is )?(?:disabled|"
    r"inactive)"
    r"|not listed|no mailbox|not a valid (?:user|recipient)|user not found|recipient not found|unrouteable"
    r"|host not found|domain not found|no longer (?:exists|in use|valid)|unbekannt|existiert nicht"
    r"|inexistant|n'existe pas|no existe|inesistente|non esiste|bestaat niet|onbekend|nao existe",
    re.IGNORECASE,
)


def is_from_mail_system(address: str) -> bool:
    """MAILER-DAEMON, postmaster: the addresses servers send bounces from."""
    return bool(DAEMONS.match(address or ""))


@dataclass(frozen=True)
class Bounce:
    recipient: str | None
    permanent: bool  # hard: the address does not work; soft (False): full, busy, delayed, try later
    status: str
    diagnostic: str
    original_message_id: str | None
    mentioned_ids: tuple[str, ...] = ()  # every Message-ID-like token it quotes (plain-text bounces)
    recipients: tuple[str, ...] = field(default=())  # every failed address, the first is `recipient`

    def describe(self) -> str:
        return f"{self.status} {self.diagnostic}".strip() or "delivery failed"


def clean_address(value: str) -> str | None:
    """The mailbox of a report's recipient field: 'rfc822; <A@B.C>' -> 'a@b.c'; a source route
    '@relay:user@host' -> 'user@host'; anything that is not an address -> None."""
    text = value.split(";", 1)[-1] if ";" in value else value
    text = text.strip().strip("<>\"' ").rstrip(".")
    if ":" in text:
        text = text.rsplit(":", 1)[-1]
    text = text.strip().strip("<>")
    return text.lower() if ADDRESS.match(text) and ".." not in text else None


def _fields(text: str) -> dict[str, str]:
    """The header-like fields of a delivery-status block (continuation lines folded)."""
    fields: dict[str, str] = {}
    last = None
    for line in text.splitlines():
        if line[:1] in (" ", "\t") and last:
            fields[last] += " " + line.strip()
            continue
        name, sep, value = line.partition(":")
        if sep and name.strip() and " " not in name.strip():
            last = name.strip().lower()
            fields.setdefault(last, value.strip())
    return fields


def _part_text(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):  # message/* parts: the parser gives sub-messages
        return "\n\n".join(item.as_string() if isinstance(item, Message) else str(item) for item in payload)
    decoded = part.get_payload(decode=True)
    if isinstance(decoded, bytes):
        try:
            return decoded.decode(part.get_content_charset() or "utf-8", "replace")
        except LookupError:  # a charset Python does not know ("ansi_x3.110-1983"): its ASCII is enough
            return decoded.decode("latin-1")
    return str(payload)


def _all_text(message: Message) -> str:
    """Every text and message part, as a person reading the bounce would see it."""
    if not message.is_multipart():
        return _part_text(message)
    texts = []
    for part in message.walk():
        if part.is_multipart():
            continue
        if (
            part.get_content_maintype() in ("text", "message")
            or part.get_content_type() == "application/octet-stream"
        ):
            texts.append(_part_text(part))
    return "\n".join(texts)


def is_soft(status: str, words: str, action: str = "") -> bool:
    """Whether delivery may still work later: the wording first (a full mailbox is soft whatever its
    class), then a hard wording, then the status class and the action."""
    folded = " ".join(fold(words).split())
    if action == "delayed" or SOFT_WORDS.search(folded):  # a delay is never a final failure
        return True
    if HARD_WORDS.search(folded):
        return False
    if status.startswith("4"):
        return True
    return status.startswith("5.2.2") or status.startswith("5.2.3")


def _original_id(message: Message) -> str | None:
    for part in message.walk():
        if part.get_content_type() in ("text/rfc822-headers", "message/rfc822", "message/rfc822-headers"):
            found = MESSAGE_ID.search(_part_text(part))
            if found:
                return found.group(1)
    return None


def _flufl_failures(message: Message) -> tuple[list[str], list[str]]:
    """flufl.bounce's reading: (temporary, permanent) addresses, valid ones only."""
    try:
        from flufl.bounce import all_failures

        temporary, permanent = all_failures(message)
    except Exception as error:  # a detector tripping on odd mail must not stop the mailbox
        log.warning("flufl.bounce could not read a bounce: %s", error)
        return [], []

    def valid(found: object) -> list[str]:
        addresses = [a.decode("utf-8", "replace") if isinstance(a, bytes) else str(a) for a in found]  # type: ignore[union-attr]
        return sorted(filter(None, (clean_address(a) for a in addresses)))

    return valid(temporary), valid(permanent)


def _report_blocks(message: Message) -> list[dict[str, str]]:
    blocks: list[dict[str, str]] = []
    for part in message.walk():
        if part.get_content_type() in ("message/delivery-status", "message/global-delivery-status"):
            for block in re.split(r"\n\s*\n", _part_text(part)):
                fields = _fields(block)
                if "final-recipient" in fields or "original-recipient" in fields or "action" in fields:
                    blocks.append(fields)
    return blocks


def _is_read_receipt(message: Message, text: str) -> bool:
    """A read receipt (RFC 8098): not a bounce, unless it says the message was deleted unread by a
    rule that rejects mail (a sieve 'reject' because the mailbox is full, for instance)."""
    kind = message.get_param("report-type", "", header="content-type")
    if str(kind).lower() != "disposition-notification":
        return False
    return not re.search(r"rejected|refused|quota|could not be delivered", text, re.IGNORECASE)


def read_bounce(raw: bytes) -> Bounce | None:
    """A bounce's reading, or None when the message is not a failed delivery."""
    message = email.message_from_bytes(raw)  # compat32: what flufl.bounce's detectors expect
    text = _all_text(message)
    if _is_read_receipt(message, text):
        return None
    original = _original_id(message)
    quoted = tuple(dict.fromkeys(re.findall(r"<[^<>@\s]+@[^<>\s]+>", text)))
    blocks = _report_blocks(message)
    if blocks:
        succeeded = ("delivered", "relayed", "expanded")  # a notice of success, not a failure
        failing = [b for b in blocks if b.get("action", "failed").lower().strip() not in succeeded]
        if not failing:
            return None  # delivered, relayed, expanded: a delivery notification, not a failure
        recipients = [
            found
            for b in failing
            if (
                found := clean_address(b.get("original-recipient", ""))
                or clean_address(b.get("final-recipient", ""))
                or clean_address(b.get("x-actual-recipient", ""))
            )
        ]
        first = failing[0]
        status = first.get("status", "").split()[0] if first.get("status") else ""
        diagnostic = first.get("diagnostic-code", "").split(";", 1)[-1].strip()
        if not recipients:
            temporary, permanent = _flufl_failures(message)
            recipients = permanent + temporary or _named_in_text(text)
        soft = is_soft(status, f"{diagnostic} {text[:3000]}", first.get("action", "").lower())
        return Bounce(
            recipient=recipients[0] if recipients else None, permanent=not soft, status=status,
            diagnostic=diagnostic, original_message_id=original, mentioned_ids=quoted,
            recipients=tuple(dict.fromkeys(recipients)),
        )  # fmt: skip
    if not _looks_like_bounce(message):
        return None
    temporary, permanent = _flufl_failures(message)
    recipients = permanent + temporary or _named_in_text(text)
    code = STATUS.search(text)
    status = ".".join(code.groups()) if code else ""
    if not recipients and not quoted and not original:
        return None
    soft = is_soft(status, text[:4000]) or (bool(temporary) and not permanent)
    return Bounce(
        recipient=recipients[0] if recipients else None, permanent=not soft, status=status,
        diagnostic=_diagnostic(text) or str(message.get("Subject", "")), original_message_id=original,
        mentioned_ids=quoted, recipients=tuple(dict.fromkeys(recipients)),
    )  # fmt: skip


def _subject(message: Message) -> str:
    try:
        return str(email.header.make_header(email.header.decode_header(str(message.get("Subject", "")))))
    except (ValueError, LookupError, UnicodeDecodeError):  # a broken encoded word: its raw text then
        return str(message.get("Subject", ""))


def _looks_like_bounce(message: Message) -> bool:
    """Sent by a mail system, or saying so in its subject, or a delivery report of any shape."""
    sender = email.utils.parseaddr(str(message.get("From", "")))[1].lower()
    subject = fold(_subject(message))
    report = str(message.get_param("report-type", "", header="content-type")).lower()
    return (
        is_from_mail_system(sender)
        or "mailer-daemon" in sender
        or "postmaster" in sender
        or bool(BOUNCE_SUBJECT.search(subject) or HARD_WORDS.search(subject))
        or report in ("delivery-status", "disposition-notification")
    )


FAILURE_LINE = re.compile(
    r"fail|could not|couldn't|unable|undeliver|not delivered|rejected|unknown|does not exist|no such|invalid"
    r"|quota|full|permanent|error|bounced|returned|recipient|delay|warning|echec|remise|destinataire|introuvable"
    r"|unzustellbar|fehlgeschlagen|empfanger|zustellung|no se pudo|destinatario|entrega|recapit|bezorg"
    r"|ontvanger|afleveren|falha|entregue|mislukt|errore|fallit",
    re.IGNORECASE,
)


def _named_in_text(text: str) -> list[str]:
    """The addresses a plain-text bounce names near a failure sentence, before the returned message.
    Our own sender address appears there too (To/From of the original): the returned headers are cut."""
    returned = r"\n-{2,}\s*(?:original message|header|below this line)|\nreceived: |\nreturn-path:"
    head = re.split(returned, text, maxsplit=1, flags=re.IGNORECASE)[0]
    lines = head.splitlines()
    found: list[str] = []
    for index, line in enumerate(lines):
        for address in ADDRESS_IN_TEXT.findall(line):
            window = fold(" ".join(lines[max(0, index - 3) : index + 2]))
            cleaned = clean_address(address)
            if cleaned and FAILURE_LINE.search(window) and not is_from_mail_system(cleaned):
                found.append(cleaned)
    return list(dict.fromkeys(found))


def _diagnostic(text: str) -> str:
    code = re.search(r"^.*\b[45]\d\d[ -][245]\.\d{1,3}\.\d{1,3}.*$", text, re.MULTILINE)
    if code:
        return " ".join(code.group(0).split())[:300]
    line = next(
        (ln.strip() for ln in text.splitlines() if SOFT_WORDS.search(ln) or HARD_WORDS.search(ln)), ""
    )
    return line[:300]
