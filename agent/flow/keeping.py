"""Keeping a message: its raw bytes and its row, committed, before anything reads it.

The mailbox reader calls `keep_message` for every message in the inbox (flow/service.py); the row it
writes (`received`) is what any worker then claims and runs. Whatever the bytes, a row is written.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from agent.db import session_scope
from agent.flow.graph import thread_config
from agent.mail.parse import headers_of, megabytes, parse_message
from agent.mail.safe_text import clean_line
from agent.mail.store import content_digest
from agent.models import InboundMessage
from agent.models.message import InboundStatus
from agent.runtime import Runtime

log = logging.getLogger(__name__)


def keep_message(runtime: Runtime, raw: bytes) -> tuple[int, bool]:
    """Store the raw bytes and the message row, committed, before anything reads them.
    Returns (inbound id, whether it still needs processing). Whatever the bytes, a row is written:
    a message too big or that cannot be parsed is recorded quarantined, with the reason."""
    # Servers may hand the same message back with other line endings (IMAP uses CRLF): the identity
    # of a message is its content, not its line endings. The raw bytes are stored as received.
    digest = content_digest(raw)
    with session_scope(runtime.engine) as session:
        existing = session.exec(select(InboundMessage).where(InboundMessage.content_hash == digest)).first()
        if existing:
            return existing.id or 0, existing.status == InboundStatus.RECEIVED
    _, path = runtime.store.put(raw, suffix=".eml")
    limits = runtime.settings.mailbox
    refusal = None
    if len(raw) > limits.max_message_bytes:  # the size alone decides: its body is never read
        limit = megabytes(limits.max_message_bytes)
        refusal = f"message of {megabytes(len(raw))}, over the limit of {limit}: not read"
    # The row needs the headers only; the graph parses the whole message (once, cached) when it runs.
    message = parse_message(headers_of(raw), digest)
    with session_scope(runtime.engine) as session:
        inbound = InboundMessage(
            message_id=message.message_id,
            content_hash=digest,
            raw_path=path,
            sender=message.sender,
            subject=message.subject,
            received_at=runtime.clock.now(),
        )
        if refusal:
            inbound.status, inbound.error, inbound.kind = InboundStatus.QUARANTINED, refusal, "too_big"
        inbound.thread_id = thread_config(digest)["configurable"]["thread_id"]
        session.add(inbound)
        try:
            session.flush()
        except IntegrityError:  # recorded at the same moment by another reader: that row is the one
            session.rollback()
            existing = session.exec(select(InboundMessage).where(InboundMessage.content_hash == digest)).one()
            return existing.id or 0, existing.status == InboundStatus.RECEIVED
        return inbound.id or 0, refusal is None


def keep_failed_message(runtime: Runtime, raw: bytes, error: BaseException) -> int | None:
    """The last resort when `keep` itself failed: a row that says why, so the message is never lost
    in silence. None when even that cannot be written (the database is down): it stays in the inbox."""
    digest = content_digest(raw)
    try:
        _, path = runtime.store.put(raw, suffix=".eml")
        with session_scope(runtime.engine) as session:
            existing = session.exec(
                select(InboundMessage).where(InboundMessage.content_hash == digest)
            ).first()
            inbound = existing or InboundMessage(
                message_id=f"<{digest}@relance.unreadable>",
                content_hash=digest,
                raw_path=path,
                received_at=runtime.clock.now(),
                thread_id=thread_config(digest)["configurable"]["thread_id"],
            )
            inbound.status = InboundStatus.QUARANTINED
            inbound.error = clean_line(f"could not be recorded: {type(error).__name__}: {error}")[:2000]
            session.add(inbound)
            session.flush()
            return inbound.id
    except Exception:  # logged by the caller; the message stays in the inbox
        log.exception("could not record the failure of a message either")
        return None
