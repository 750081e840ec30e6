"""An upload becomes what a forwarded e-mail is: files judged, kept, and one synthetic message per file.

Nothing is lost, in this order, all before the request is answered:

1. `record_batch`: each file judged (files.py) and compared by content hash with every document and
   upload received before; an accepted file's bytes go to the raw store, then the batch and its files are
   written in one transaction.
2. `keep_batch`: each accepted file becomes an RFC 5322 message (From the uploader when they are an
   allowed sender, else the finance address; the file attached) kept by `Agent.keep`, the mailbox's own
   first step: raw bytes stored, an `inbound_message` row `received`, committed.

Then the graph runs each message as it runs a mailed one (worker.py). A crash between any two steps
loses nothing: `pending_files` finds an accepted file without its message, and its message is built again
byte for byte (its Message-ID and Date come from the batch), so keeping it twice is keeping it once.

One message per file rather than one for the batch: beside a PDF, the graph takes a picture for a logo
and does not read it (mail/parse.py `documents_to_read`), and a message waits, or is quarantined, as a
whole; one message per file gives each file its own reading and its own outcome.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime

from sqlmodel import Session, col, select

from agent import audit
from agent.db import session_scope
from agent.mail.safe_text import clean_line
from agent.mail.store import sha256_hex
from agent.models import Document, InboundMessage
from agent.models.api_batch import Acceptance, ApiBatch, ApiBatchFile
from agent.runtime import Runtime
from agent.web.api.files import CONTENT_TYPES, SUFFIXES, attachment_name, judge
from agent.web.api.tokens import Caller

# Two requests carrying the same file at the same instant: the second must see the first's row. One web
# process serves a company, so a lock in memory is enough.
_RECORDING = threading.Lock()


@dataclass(frozen=True)
class Incoming:
    filename: str
    declared_type: str
    data: bytes
    reference: str | None = None
    account_hint: str | None = None


def submitter_address(runtime: Runtime, email: str) -> str | None:
    """The From of an upload's messages: the uploader when the mailbox would take documents from them,
    else the finance address when it would; None when neither (nothing could be processed)."""
    for address in (email, runtime.settings.company.finance_address):
        if address and runtime.sender_allowed(address):
            return address.lower()
    return None


def upload_refusal(runtime: Runtime, caller: Caller) -> str | None:
    """Why no upload can be processed at all under these settings, or None."""
    if runtime.settings.mailbox.require_authentication:
        # The graph believes a From only with an SPF or DKIM pass from the mail server, which a message
        # made here cannot carry honestly: every file would be quarantined. Said now, not after.
        return (
            "uploads are off while mailbox.require_authentication is on: the graph would refuse "
            "every uploaded file for want of an SPF or DKIM pass"
        )
    if submitter_address(runtime, caller.email) is None:
        return "neither the uploader nor company.finance_address is among mailbox.allowed_senders"
    return None


def record_batch(runtime: Runtime, *, caller: Caller, files: list[Incoming]) -> str:
    """Judge, deduplicate and record every file; the accepted ones' bytes stored first. The batch's id."""
    batch_id, now = secrets.token_hex(12), runtime.clock.now()
    hashes = [sha256_hex(item.data) for item in files]
    with _RECORDING, session_scope(runtime.engine) as session:
        earlier_documents, earlier_files = _received_before(session, set(hashes))
        session.add(
            ApiBatch(id=batch_id, submitted_by=caller.email, token_id=caller.token_id, created_at=now)
        )
        session.flush()
        in_this_batch: dict[str, int] = {}
        for position, (item, digest) in enumerate(zip(files, hashes, strict=True)):
            verdict = judge(item.data, item.filename)
            row = ApiBatchFile(
                batch_id=batch_id,
                position=position,
                filename=clean_line(item.filename)[:255] or f"file-{position + 1}",
                declared_type=clean_line(item.declared_type)[:120],
                detected_type=verdict.kind,
                size=len(item.data),
                content_hash=digest,
                reference=clean_line(item.reference)[:200] or None,
                account_hint=clean_line(item.account_hint)[:200] or None,
                acceptance=Acceptance.ACCEPTED,
            )
            if verdict.kind is None:
                row.acceptance, row.code, row.reason = Acceptance.REFUSED, verdict.code, verdict.reason
            elif digest in earlier_documents or digest in earlier_files or digest in in_this_batch:
                row.acceptance, row.code = Acceptance.DUPLICATE, "already_received"
                row.duplicate_of_document = earlier_documents.get(digest)
                row.duplicate_of_file = earlier_files.get(digest) or in_this_batch.get(digest)
                row.reason = "the same file (same bytes) was received before"
            else:
                _digest, row.raw_path = runtime.store.put(item.data, suffix=SUFFIXES[verdict.kind][0])
            session.add(row)
            session.flush()
            if row.acceptance == Acceptance.ACCEPTED:
                in_this_batch[digest] = row.id or 0
        audit.record(
            session, at=now, entity="api_batch", entity_id=None, action="uploaded",
            message=f"Batch {batch_id}: {len(files)} file(s) uploaded by {caller.email} through the API",
            batch=batch_id, token_id=caller.token_id,
        )  # fmt: skip
    return batch_id


def _received_before(session: Session, hashes: set[str]) -> tuple[dict[str, int], dict[str, int]]:
    """For each hash already seen: the first document with those bytes, and the first accepted upload."""
    documents: dict[str, int] = {}
    for digest, document_id in session.exec(
        select(Document.content_hash, Document.id)
        .where(col(Document.content_hash).in_(hashes))
        .order_by(col(Document.id))
    ):
        documents.setdefault(digest, document_id or 0)
    uploads: dict[str, int] = {}
    for digest, file_id in session.exec(
        select(ApiBatchFile.content_hash, ApiBatchFile.id)
        .where(col(ApiBatchFile.content_hash).in_(hashes), ApiBatchFile.acceptance == Acceptance.ACCEPTED)
        .order_by(col(ApiBatchFile.id))
    ):
        uploads.setdefault(digest, file_id or 0)
    return documents, uploads


def message_id_of(row: ApiBatchFile) -> str:
    return f"<api.{row.batch_id}.{row.position}@relance.upload>"


def synthetic_message(runtime: Runtime, *, batch: ApiBatch, row: ApiBatchFile, data: bytes) -> bytes:
    """The file as finance would forward it; the same bytes every time for the same file."""
    kind = row.detected_type or "pdf"
    sender = submitter_address(runtime, batch.submitted_by) or runtime.settings.company.finance_address
    message = EmailMessage()
    message["From"] = sender
    message["To"] = runtime.settings.company.collections_address
    message["Subject"] = f"relance API upload: {row.filename}"
    message["Date"] = format_datetime(batch.created_at)
    message["Message-ID"] = message_id_of(row)
    message["X-Relance-Upload"] = f"{row.batch_id}/{row.position}"
    note = [f"Uploaded through the relance API by {batch.submitted_by}: batch {row.batch_id}."]
    if row.reference:
        note.append(f"The sender's reference: {row.reference}")
    if row.account_hint:
        note.append(f"Account hint: {row.account_hint}")
    message.set_content("\n".join(note) + "\n")
    maintype, subtype = CONTENT_TYPES[kind].split("/")
    filename = attachment_name(row.filename, kind, row.position)
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    # The generator would draw a random boundary; this one cannot occur in base64 or in the one-line note.
    message.set_boundary(f"=_relance.upload.{row.batch_id}.{row.position}")
    return message.as_bytes()


def keep_batch(
    runtime: Runtime, keep: Callable[[bytes], tuple[int, bool]], *, batch_id: str | None
) -> list[int]:
    """Give every accepted file of the batch (of every batch when None) that has no message yet its
    message, kept by `keep` (Agent.keep) and linked. Returns the ids of the messages kept or found."""
    with session_scope(runtime.engine) as session:
        statement = (
            select(ApiBatchFile, ApiBatch)
            .join(ApiBatch, col(ApiBatch.id) == col(ApiBatchFile.batch_id))
            .where(ApiBatchFile.acceptance == Acceptance.ACCEPTED, col(ApiBatchFile.inbound_id).is_(None))
            .order_by(col(ApiBatchFile.id))
        )
        if batch_id is not None:
            statement = statement.where(ApiBatchFile.batch_id == batch_id)
        pending = list(session.exec(statement))
        session.expunge_all()  # read after the session ends (a batch appears once per pending file)
    kept: list[int] = []
    for row, batch in pending:
        with session_scope(runtime.engine) as session:  # kept before a crash that came before the link
            found = session.exec(
                select(InboundMessage.id).where(InboundMessage.message_id == message_id_of(row))
            ).first()
        if found is None:
            raw = synthetic_message(runtime, batch=batch, row=row, data=runtime.store.get(row.raw_path or ""))
            found, _pending = keep(raw)
        with session_scope(runtime.engine) as session:
            linked = session.get(ApiBatchFile, row.id)
            assert linked is not None
            linked.inbound_id = found
            session.add(linked)
        kept.append(found)
    return kept
