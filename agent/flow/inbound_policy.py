"""Who may make the agent act, checked before any message is acted upon.

Every path that changes data passes here first, in `triage`: forwarded documents, finance's replies to
tasks (contact requests, document reviews) and customers' replies to reminders. The same sender policy
applies to all of them (the allow-list, and SPF/DKIM from our own server when required), so a forged
reply is refused as a forged submission is. Mail that cannot be used (broken MIME, an HTML-only note,
a file over the size limit, our own e-mail come back, a storm of auto-replies) is quarantined with its
reason; where a person should look, finance gets a task (one per kind and sender while it is open, so a
storm never becomes a storm of e-mails to finance).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from agent.db import session_scope
from agent.finance.tasks import find_task_for_reply, reply_refusal, request_review
from agent.mail.bounce import is_from_mail_system
from agent.mail.parse import Attachment, ParsedMessage, authenticated_by, megabytes
from agent.mail.safe_text import clean_line
from agent.models import InboundMessage, OutboundMessage, Task
from agent.models.task import TaskKind, TaskStatus
from agent.runtime import Runtime

# Routes set aside with a reason: quarantined, and (NOTIFY) told to finance.
QUARANTINE = {
    "not_allowed",
    "forged_reply",
    "unverified_reply",
    "unusable",
    "own_mail",
    "rate_limited",
    "unreadable",
}
NOTIFY = {"forged_reply", "unverified_reply", "unusable", "own_mail", "unreadable"}


@dataclass(frozen=True)
class Triage:
    route: str  # documents | task_reply | customer_reply | bounce | auto_reply | other, or a QUARANTINE one
    reason: str | None = None


def sender_refusal(runtime: Runtime, message: ParsedMessage) -> str | None:
    """Why this sender may not act (submit documents, answer a task), or None when it may."""
    if not runtime.sender_allowed(message.sender):
        return f"{message.sender or 'an unknown sender'} is not an allowed forwarder"
    return authentication_refusal(runtime, message)


def authentication_refusal(runtime: Runtime, message: ParsedMessage) -> str | None:
    """Why the message's From cannot be believed (when authentication is required), or None."""
    mailbox = runtime.settings.mailbox
    if not mailbox.require_authentication:
        return None
    if not mailbox.trusted_authserv_id:
        return "authentication is required but mailbox.trusted_authserv_id is not configured"
    if not authenticated_by(message.authentication_results, mailbox.trusted_authserv_id):
        return f"no SPF or DKIM pass from {mailbox.trusted_authserv_id} for {message.sender}"
    return None


def triage(runtime: Runtime, inbound_id: int, message: ParsedMessage) -> Triage:
    """Where a message goes, and why when it is set aside. Deterministic for one message (a resumed or
    re-run graph takes the same way)."""
    with session_scope(runtime.engine) as session:
        if any(p.startswith("the message could not be parsed") for p in message.problems):
            return Triage("unreadable", message.problems[0])
        own = _own_mail(session, runtime, message)
        if own:
            return Triage("own_mail", own)
        if message.is_delivery_report or is_from_mail_system(message.sender):
            return Triage("bounce")
        storm = _rate_limited(session, runtime, inbound_id, message)
        if storm:
            return Triage("rate_limited", storm)
        if message.auto_submitted:  # RFC 3834: a machine's answer is never an answer to a task
            return Triage("auto_reply")
        task = find_task_for_reply(session, message)
        if task is not None:
            why = sender_refusal(runtime, message) or reply_refusal(task, message)
            return (
                Triage("forged_reply", f"reply to task {task.token} refused: {why}")
                if why
                else Triage("task_reply")
            )
        thread = [m for m in [message.in_reply_to, *message.references] if m]
        answers_us = (
            thread
            and session.exec(
                select(OutboundMessage.id).where(col(OutboundMessage.message_id).in_(thread))
            ).first()
        )
    if answers_us:
        why = authentication_refusal(runtime, message)
        if why:  # a reply that would pause reminders must come from who it says
            return Triage("unverified_reply", f"customer reply not acted upon: {why}")
        return Triage("customer_reply")
    why = sender_refusal(runtime, message)
    if why:
        return Triage("not_allowed", why)
    if any(a.is_document or a.is_winmail or a.is_page_image for a in message.attachments):
        return Triage("documents")
    return Triage("unusable", _nothing_to_read(runtime, message))


def _nothing_to_read(runtime: Runtime, message: ParsedMessage) -> str:
    """Why a message from an allowed sender gave no document: said, so it is not lost in silence."""
    limit = runtime.settings.mailbox.max_attachment_bytes
    if message.oversized:
        files = ", ".join(f"{name} ({megabytes(size)})" for name, size in message.oversized)
        return f"over the attachment size limit of {megabytes(limit)}, not read: {files}"
    broken = [p for p in message.problems if p.startswith(("MIME", "body"))]
    if broken:
        return "the MIME structure is broken, no document found (" + "; ".join(broken) + ")"
    if message.attachments:
        names = ", ".join(a.filename for a in message.attachments)
        return f"no PDF or e-invoice XML among the attachments ({names})"
    if message.body_kind == "html":
        return "an HTML-only message without any attachment: nothing to read"
    return "no attachment: nothing to read"


def _own_mail(session: Session, runtime: Runtime, message: ParsedMessage) -> str | None:
    """Our own e-mail arriving in the intake mailbox: a mail loop (a contact's address forwards here)."""
    ours = session.exec(
        select(OutboundMessage.id).where(OutboundMessage.message_id == message.message_id)
    ).first()
    if ours or message.sender == runtime.settings.company.collections_address.lower():
        return (
            f"our own e-mail {message.message_id} came back to the intake mailbox (a mail loop: "
            "does a contact's address forward here?); not processed"
        )
    return None


def _rate_limited(session: Session, runtime: Runtime, inbound_id: int, message: ParsedMessage) -> str | None:
    """Too many messages from one correspondent outside the allowed senders within an hour."""
    if not message.sender or runtime.sender_allowed(message.sender):
        return None
    inbound = session.get(InboundMessage, inbound_id)
    at = inbound.received_at if inbound else runtime.clock.now()
    limit = runtime.settings.mailbox.max_messages_per_sender_per_hour
    earlier = session.exec(
        select(func.count())
        .select_from(InboundMessage)
        .where(
            InboundMessage.sender == message.sender,
            col(InboundMessage.id) < inbound_id,  # the ones before it: the same answer on a re-run
            col(InboundMessage.received_at) > at - timedelta(hours=1),
        )
    ).one()
    if earlier >= limit:
        return f"more than {limit} messages from {message.sender} within an hour: not processed"
    return None


def tell_finance(
    session: Session, runtime: Runtime, *, inbound_id: int, route: str, reason: str, words: str = ""
) -> None:
    """A task for finance about a message set aside: one open task per kind and sender, which lists
    every further message (never one e-mail per message of a storm)."""
    inbound = session.get(InboundMessage, inbound_id)
    sender = (inbound.sender if inbound else "") or "unknown"
    title = f"{TITLES.get(route, 'message set aside')} from {sender}"
    existing = session.exec(
        select(Task).where(Task.kind == TaskKind.REVIEW, Task.status == TaskStatus.OPEN, Task.title == title)
    ).first()
    if existing is not None:
        seen = existing.details.get("inbound_ids", [])
        if inbound_id not in seen:
            existing.details = {**existing.details, "inbound_ids": [*seen, inbound_id]}
            session.add(existing)
        return
    request_review(
        session,
        runtime.sender,
        runtime.settings,
        title=title,
        reasons=[
            reason,
            *([f"their words: “{words}”"] if words else []),
            f"the message is kept: relance inbox {inbound_id}",
        ],
        addressee=runtime.settings.company.finance_address,
        at=runtime.clock.now(),
        details={"inbound_ids": [inbound_id], "route": route},
    )


TITLES = {
    "forged_reply": "a reply to a task was refused",
    "unverified_reply": "an unverified customer reply",
    "unusable": "a message without a readable document",
    "own_mail": "our own e-mail came back",
    "unreadable": "an unreadable message",
    "too_big": "a file over the size limit",
}


def not_read_because(attachment: Attachment) -> str:
    """Why an attachment is not read, said on its row (never skipped in silence)."""
    if attachment.is_winmail:
        return "winmail.dat (Outlook rich text) is not supported: please forward the PDF itself"
    if attachment.is_page_image:
        return (
            "skipped: a picture beside a PDF is taken for a logo or a signature; "
            "forward it alone to have it read (OCR)"
        )
    return f"not read: {attachment.content_type} is not a PDF or an e-invoice XML"


def note_unread(runtime: Runtime, inbound_id: int, message: ParsedMessage) -> None:
    """What of a message with documents was not read (files over the size limit, a broken MIME part):
    on the message's row, and told to finance when a file was too big."""
    notes = [f"{name} ({megabytes(size)}) over the size limit, not read" for name, size in message.oversized]
    notes += [p for p in message.problems if p.startswith(("MIME", "header", "body"))]
    if not notes:
        return
    notes = [clean_line(note) for note in notes]
    with session_scope(runtime.engine) as session:
        inbound = session.get(InboundMessage, inbound_id)
        if inbound is not None and inbound.error != "; ".join(notes):
            inbound.error = "; ".join(notes)
            session.add(inbound)
        if message.oversized:
            tell_finance(session, runtime, inbound_id=inbound_id, route="too_big", reason=notes[0])
