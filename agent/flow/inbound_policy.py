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
from agent.mail.parse import Attachment, ParsedMessage, authenticated_by
from agent.mail.safe_text import clean_line
from agent.models import InboundMessage, OutboundMessage, Task
from agent.models.task import TaskKind, TaskStatus
from agent.runtime import Runtime
from agent.templating import Said

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
UNPARSED = "the message could not be parsed: "  # agent.mail.parse's first problem when nothing was parsed


@dataclass(frozen=True)
class Triage:
    route: str  # documents | task_reply | customer_reply | bounce | auto_reply | other, or a QUARANTINE one
    reason: str | None = None  # a `Said`: the row and the audit say it in English, finance's e-mail in theirs


def _shown(text: str | None) -> str:
    """A value the sender wrote (an address, a file name, a Message-ID), made safe to show on one line."""
    return clean_line(text or "")[:300]


def sender_refusal(runtime: Runtime, message: ParsedMessage) -> Said | None:
    """Why this sender may not act (submit documents, answer a task), or None when it may."""
    if not runtime.sender_allowed(message.sender):
        return Said("sender_not_allowed", sender=_shown(message.sender))
    return authentication_refusal(runtime, message)


def authentication_refusal(runtime: Runtime, message: ParsedMessage) -> Said | None:
    """Why the message's From cannot be believed (when authentication is required), or None."""
    mailbox = runtime.settings.mailbox
    if not mailbox.require_authentication:
        return None
    if not mailbox.trusted_authserv_id:
        return Said("no_authserv")
    if not authenticated_by(message.authentication_results, mailbox.trusted_authserv_id):
        return Said("not_authenticated", authserv=mailbox.trusted_authserv_id, sender=_shown(message.sender))
    return None


def _reply_refused(runtime: Runtime, task: Task, message: ParsedMessage) -> Said | None:
    """Why a reply to a task may not act on it, as finance's e-mail says it; None when it may."""
    values = {"token": task.token, "sender": _shown(message.sender)}
    why = sender_refusal(runtime, message)
    if why is not None:
        return Said(f"reply_refused_{why.key}", **(values | why.values))
    if reply_refusal(task, message) is None:  # the task's own rule decides; the key says which part
        return None
    if message.sender.lower() != task.addressee.lower():
        return Said("reply_refused_not_asked", addressee=task.addressee, **values)
    return Said("reply_refused_no_token", **values)


def triage(runtime: Runtime, inbound_id: int, message: ParsedMessage) -> Triage:
    """Where a message goes, and why when it is set aside. Deterministic for one message (a resumed or
    re-run graph takes the same way)."""
    with session_scope(runtime.engine) as session:
        unparsed = [p for p in message.problems if p.startswith(UNPARSED)]
        if unparsed:
            return Triage("unreadable", Said("message_unparsable", detail=unparsed[0].removeprefix(UNPARSED)))
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
            refused = _reply_refused(runtime, task, message)
            return Triage("forged_reply", refused) if refused else Triage("task_reply")
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
            return Triage("unverified_reply", Said(f"customer_reply_{why.key}", **why.values))
        return Triage("customer_reply")
    why = sender_refusal(runtime, message)
    if why:
        return Triage("not_allowed", why)
    if any(a.is_document or a.is_winmail or a.is_page_image for a in message.attachments):
        return Triage("documents")
    return Triage("unusable", _nothing_to_read(runtime, message))


def _nothing_to_read(runtime: Runtime, message: ParsedMessage) -> Said:
    """Why a message from an allowed sender gave no document: said, so it is not lost in silence."""
    limit = runtime.settings.mailbox.max_attachment_bytes
    if message.oversized:
        files = [[_shown(name), size] for name, size in message.oversized]
        return Said("over_size_limit", limit=limit, files=files)
    broken = [p for p in message.problems if p.startswith(("MIME", "body"))]
    if broken:
        return Said("mime_broken", detail=_shown("; ".join(broken)))
    if message.attachments:
        return Said("no_document_attached", names=_shown(", ".join(a.filename for a in message.attachments)))
    if message.body_kind == "html":
        return Said("html_only")
    return Said("no_attachment")


def _own_mail(session: Session, runtime: Runtime, message: ParsedMessage) -> Said | None:
    """Our own e-mail arriving in the intake mailbox: a mail loop (a contact's address forwards here)."""
    ours = session.exec(
        select(OutboundMessage.id).where(OutboundMessage.message_id == message.message_id)
    ).first()
    if ours or message.sender == runtime.settings.company.collections_address.lower():
        return Said("own_mail_back", message_id=_shown(message.message_id))
    return None


def _rate_limited(session: Session, runtime: Runtime, inbound_id: int, message: ParsedMessage) -> Said | None:
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
        return Said("too_many_messages", count=limit, sender=_shown(message.sender))
    return None


def tell_finance(
    session: Session, runtime: Runtime, *, inbound_id: int, route: str, reason: str, words: str = ""
) -> None:
    """A task for finance about a message set aside: one open task per kind and sender, which lists
    every further message (never one e-mail per message of a storm). `reason` is a `Said` (finance reads
    it in their language) or plain text; the task's title is its English wording, which finds it again."""
    inbound = session.get(InboundMessage, inbound_id)
    sender = (inbound.sender if inbound else "") or "unknown"
    title = Said("set_aside_title", route=route, sender=_shown(sender))
    existing = session.exec(
        select(Task).where(
            Task.kind == TaskKind.REVIEW, Task.status == TaskStatus.OPEN, Task.title == str(title)
        )
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
            *([Said("their_words", words=words)] if words else []),
            Said("message_kept", inbound=inbound_id),
        ],
        addressee=runtime.settings.company.finance_address,
        at=runtime.clock.now(),
        details={"inbound_ids": [inbound_id], "route": route},
    )


def not_read_because(attachment: Attachment) -> Said:
    """Why an attachment is not read, said on its row (never skipped in silence)."""
    if attachment.is_winmail:
        return Said("winmail_unsupported")
    if attachment.is_page_image:
        return Said("picture_beside_pdf")
    return Said("not_pdf_or_xml", content_type=_shown(attachment.content_type))


def note_unread(runtime: Runtime, inbound_id: int, message: ParsedMessage) -> None:
    """What of a message with documents was not read (files over the size limit, a broken MIME part):
    on the message's row, and told to finance when a file was too big."""
    too_big = [Said("file_over_limit", file=_shown(name), size=size) for name, size in message.oversized]
    notes = [*too_big, *(p for p in message.problems if p.startswith(("MIME", "header", "body")))]
    if not notes:
        return
    notes = [clean_line(note) for note in notes]
    with session_scope(runtime.engine) as session:
        inbound = session.get(InboundMessage, inbound_id)
        if inbound is not None and inbound.error != "; ".join(notes):
            inbound.error = "; ".join(notes)
            session.add(inbound)
        if message.oversized:
            tell_finance(session, runtime, inbound_id=inbound_id, route="too_big", reason=too_big[0])
