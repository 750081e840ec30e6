"""What happens to one inbound message: the bodies of the graph's nodes.

Each function opens its own unit of work and returns the ids it produced; the graph keeps ids only
(domain rows stay in the database). Every step is safe to run again: documents are keyed by
(message, content hash), invoices by (account, number), e-mails by their deterministic Message-ID.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from sqlmodel import Session, col, select

from agent import audit
from agent.db import session_scope
from agent.documents import layouts
from agent.documents.corrections import shown_fields
from agent.documents.extract import ExtractionError, ExtractOptions, LlmReader, extract_document
from agent.documents.schema import ExtractedDocument
from agent.documents.verdict import doubts
from agent.finance.tasks import company_language, request_contact, request_review
from agent.flow.inbound_policy import NOTIFY, QUARANTINE, not_read_because, note_unread, tell_finance, triage
from agent.ledger.accounts import match_or_create_account, valid_contact
from agent.ledger.records import apply_available_credits, apply_credit, open_balance, record_document
from agent.llm import document_reader
from agent.mail.parse import Attachment, ParsedMessage, documents_to_read, parse_message
from agent.mail.quoting import strip_quoted
from agent.mail.safe_text import clean_line
from agent.models import Account, CreditNote, Document, InboundMessage, Invoice, Task
from agent.models.document import DocumentStatus
from agent.models.ledger import InvoiceStatus
from agent.models.task import TaskKind, TaskStatus
from agent.reminders.schedule import follow_money, plan_reminders
from agent.runtime import Runtime
from agent.templating import Said


def load_message(runtime: Runtime, inbound_id: int) -> tuple[InboundMessage, ParsedMessage]:
    with session_scope(runtime.engine) as session:
        inbound = session.get(InboundMessage, inbound_id)
        assert inbound is not None
    limit = runtime.settings.mailbox.max_attachment_bytes
    return inbound, _parsed(runtime.store.root, inbound.raw_path, inbound.content_hash, limit)


@lru_cache(maxsize=4)  # a few: each holds its attachments, and a message may weigh 25 MB
def _parsed(store_root: Path, raw_path: str, content_hash: str, attachment_limit: int) -> ParsedMessage:
    """Parse a stored message once per process: every node of its graph reads it, and stored raw bytes
    never change (they are content-addressed). Nodes only read the parsed message. An attachment over
    the limit is not decoded (ParsedMessage.oversized says so)."""
    return parse_message(
        (store_root / raw_path).read_bytes(), content_hash, max_attachment_bytes=attachment_limit
    )


def classify(runtime: Runtime, inbound_id: int) -> str:
    """documents | task_reply | customer_reply | bounce | auto_reply | other, or a route that sets the
    message aside with a reason (inbound_policy.QUARANTINE): the sender policy comes first."""
    _inbound, message = load_message(runtime, inbound_id)
    return triage(runtime, inbound_id, message).route


def llm_document_reader(runtime: Runtime) -> LlmReader | None:
    """The LLM's reading of a document's text, when an endpoint is configured."""
    return document_reader(runtime.llm, runtime.settings) if runtime.llm is not None else None


def _document_row(session: Session, runtime: Runtime, inbound_id: int, attachment: Attachment) -> Document:
    digest, path = runtime.store.put(attachment.data, suffix=attachment.suffix)
    existing = session.exec(
        select(Document).where(Document.inbound_id == inbound_id, Document.content_hash == digest)
    ).first()
    if existing:
        return existing
    document = Document(
        inbound_id=inbound_id,
        filename=attachment.filename,
        content_type=attachment.content_type,
        content_hash=digest,
        raw_path=path,
        created_at=runtime.clock.now(),
    )
    session.add(document)
    session.flush()
    return document


def extract_documents(runtime: Runtime, inbound_id: int) -> list[int]:
    """Store every attachment, extract each document; doubtful or unreadable ones become review tasks."""
    _inbound, message = load_message(runtime, inbound_id)
    settings, now = runtime.settings, runtime.clock.now()
    options = ExtractOptions(
        company_names=tuple(settings.company.all_names()),
        today=now.date(),
        llm=llm_document_reader(runtime),
    )
    ids: list[int] = []
    to_read = [id(a) for a in documents_to_read(message.attachments)]
    for attachment in message.attachments:
        with session_scope(runtime.engine) as session:
            document = _document_row(session, runtime, inbound_id, attachment)
            ids.append(document.id or 0)
            if document.status != DocumentStatus.EXTRACTED or document.method:
                continue  # already handled by an earlier run of this step
            if id(attachment) not in to_read:
                why = not_read_because(attachment)
                document.status, document.error = DocumentStatus.UNSUPPORTED, str(why)
                if attachment.is_winmail:  # the invoice is inside, out of our reach: a person must act
                    request_review(
                        session, runtime.sender, settings, at=now, document_id=document.id,
                        addressee=settings.company.finance_address,
                        title=Said("winmail_title", file=clean_line(attachment.filename)),
                        reasons=[why, Said("message_kept", inbound=inbound_id)],
                    )  # fmt: skip
            else:
                _extract_one(
                    document,
                    attachment,
                    session=session,
                    runtime=runtime,
                    message=message,
                    options=options,
                    now=now,
                )
            session.add(document)
    note_unread(runtime, inbound_id, message)
    return ids


def _extract_one(
    document: Document,
    attachment: Attachment,
    *,
    session: Session,
    runtime: Runtime,
    message: ParsedMessage,
    options: ExtractOptions,
    now: datetime,
) -> None:
    settings = runtime.settings
    finance = message.sender if runtime.sender_allowed(message.sender) else settings.company.finance_address
    options = replace(options, layouts=lambda layout: layouts.recall(session, layout=layout))
    try:
        extraction = extract_document(attachment.filename, attachment.data, options)
    except ExtractionError as error:
        document.status, document.error, document.method = DocumentStatus.FAILED, str(error), "none"
        name = clean_line(attachment.filename)
        request_review(  # the reader's own words (English, technical) stay on the row: relance inbox
            session,
            runtime.sender,
            settings,
            title=Said("unreadable_title", file=name),
            reasons=[
                Said("document_unreadable", file=name),
                Said("message_kept", inbound=document.inbound_id),
            ],
            addressee=finance,
            at=now,
            document_id=document.id,
        )
        return
    page = _page_without_xml(attachment, options) if extraction.source == "facturx" else None
    layouts.learn(session, extraction=extraction, page_without_xml=page, document_id=document.id, at=now)
    document.extraction, document.method = extraction.as_json(), extraction.source
    document.kind, document.confidence = extraction.document_type, extraction.overall_confidence
    reasons = doubts(extraction, settings.review_threshold, settings.company.all_names())
    if reasons:
        document.status = DocumentStatus.REVIEW
        request_review(
            session,
            runtime.sender,
            settings,
            at=now,
            document_id=document.id,
            addressee=finance,
            title=f"document {extraction.number or attachment.filename} needs a check",
            reasons=reasons,
            shown=shown_fields(extraction, company_language(settings)),
        )


def _page_without_xml(attachment: Attachment, options: ExtractOptions) -> ExtractedDocument | None:
    """A Factur-X PDF's printed page, read as if it had no XML: what its XML can validate."""
    try:
        text_only = replace(options, ignore_embedded=True, llm=None, layouts=None)
        return extract_document(attachment.filename, attachment.data, text_only)
    except ExtractionError:
        return None


def record_documents(runtime: Runtime, document_ids: list[int]) -> tuple[list[int], list[int]]:
    """Accounts and invoices/credit notes from the documents that passed; credit applied."""
    invoice_ids: list[int] = []
    credit_ids: list[int] = []
    tolerance, now = runtime.settings.reminders.balance_tolerance, runtime.clock.now()
    for document_id in document_ids:
        with session_scope(runtime.engine) as session:
            document = session.get(Document, document_id)
            assert document is not None
            if document.status == DocumentStatus.RECORDED:  # by an earlier run: its rows, not a new one
                invoice_ids += _recorded_from(session, Invoice, document_id)
                credit_ids += _recorded_from(session, CreditNote, document_id)
                continue
            if document.status not in (DocumentStatus.EXTRACTED, DocumentStatus.DUPLICATE):
                continue  # in review (its thread waits for the check), failed, set aside
            extraction = ExtractedDocument.model_validate(document.extraction)
            match = match_or_create_account(
                session, customer=extraction.customer, currency=extraction.currency, at=now
            )
            recorded = record_document(
                session, document=document, extraction=extraction, account_id=match.account.id or 0, at=now
            )
            document.status = (
                DocumentStatus.DUPLICATE if recorded.outcome == "duplicate" else DocumentStatus.RECORDED
            )
            session.add(document)
            if recorded.kind == "credit_note":
                credit_ids.append(recorded.id)
                credit = session.get(CreditNote, recorded.id)
                assert credit is not None
                apply_credit(
                    session, credit_note=credit, at=now, tolerance=tolerance,
                    schedule=follow_money(session=session, at=now),
                )  # fmt: skip
            else:
                invoice_ids.append(recorded.id)
                apply_available_credits(
                    session,
                    account_id=match.account.id or 0,
                    at=now,
                    tolerance=tolerance,
                    schedule=follow_money(session=session, at=now),
                )
    return invoice_ids, credit_ids


def _recorded_from(session: Session, entity: type[Invoice] | type[CreditNote], document_id: int) -> list[int]:
    return [row.id or 0 for row in session.exec(select(entity).where(entity.document_id == document_id))]


def open_reviews(runtime: Runtime, document_ids: list[int]) -> list[int]:
    """The review tasks still open on these documents: the message's thread waits for finance's check."""
    if not document_ids:
        return []
    with session_scope(runtime.engine) as session:
        tasks = session.exec(
            select(Task)
            .join(Document, col(Document.id) == col(Task.document_id))
            .where(
                Task.kind == TaskKind.REVIEW,
                Task.status == TaskStatus.OPEN,
                Document.status == DocumentStatus.REVIEW,  # an unreadable file has nothing to confirm
                col(Task.document_id).in_(document_ids),
            )
        )
        return [task.id or 0 for task in tasks]


def _still_owed(session: Session, invoice: Invoice, tolerance: Decimal) -> bool:
    return invoice.status in (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID) and (
        open_balance(session, invoice) > tolerance
    )


def request_missing_contacts(runtime: Runtime, inbound_id: int, invoice_ids: list[int]) -> list[int]:
    """Open (once) a contact request for each account that is owed money and has no valid contact."""
    _inbound, message = load_message(runtime, inbound_id)
    settings = runtime.settings
    addressee = message.sender if runtime.sender_allowed(message.sender) else settings.company.finance_address
    waiting: list[int] = []
    with session_scope(runtime.engine) as session:
        accounts = {}
        for invoice_id in invoice_ids:
            invoice = session.get(Invoice, invoice_id)
            if invoice and _still_owed(session, invoice, settings.reminders.balance_tolerance):
                accounts[invoice.account_id] = session.get(Account, invoice.account_id)
        for account_id, account in accounts.items():
            if account is not None and valid_contact(session, account_id) is None:
                task = request_contact(
                    session,
                    runtime.sender,
                    settings,
                    account=account,
                    addressee=addressee,
                    at=runtime.clock.now(),
                )
                waiting.append(task.id or 0)
    return waiting


def plan_invoices(runtime: Runtime, invoice_ids: list[int]) -> int:
    """Plan the reminder steps of each invoice that is owed and has a contact. Returns steps created."""
    created = 0
    with session_scope(runtime.engine) as session:
        for invoice_id in invoice_ids:
            invoice = session.get(Invoice, invoice_id)
            if invoice is None or not _still_owed(
                session, invoice, runtime.settings.reminders.balance_tolerance
            ):
                continue
            if valid_contact(session, invoice.account_id) is None:
                continue
            created += len(
                plan_reminders(session, invoice=invoice, settings=runtime.settings, at=runtime.clock.now())
            )
    return created


def plan_outcome(runtime: Runtime, inbound_id: int, invoice_ids: list[int], credit_ids: list[int]) -> str:
    """The message's outcome once planned: quarantined when none of its files could be used at all."""
    steps = plan_invoices(runtime, invoice_ids)
    with session_scope(runtime.engine) as session:
        statuses = {d.status for d in session.exec(select(Document).where(Document.inbound_id == inbound_id))}
    if not invoice_ids and not credit_ids and statuses <= {DocumentStatus.UNSUPPORTED}:
        return "quarantined"
    return f"{steps} reminder steps planned"


def set_aside(runtime: Runtime, inbound_id: int, route: str) -> str:
    """Messages with nothing to process: kept, marked, and visible; the reason on the row, and a task
    for finance where a person should look."""
    _inbound, message = load_message(runtime, inbound_id)
    now = runtime.clock.now()
    said = triage(runtime, inbound_id, message).reason if route in QUARANTINE else None
    why = clean_line(said)[:4000] if said else None  # it quotes the sender's bytes: shown, so made safe
    with session_scope(runtime.engine) as session:
        audit.record(
            session,
            at=now,
            entity="inbound",
            entity_id=inbound_id,
            action=route,
            message=f"Message from {message.sender} set aside: {why or route.replace('_', ' ')}",
        )
        if why:
            inbound = session.get(InboundMessage, inbound_id)
            if inbound is not None:
                inbound.error = why  # the quarantine's reason, on the row finance looks at
                session.add(inbound)
            if route in NOTIFY:
                # A customer's unverified words still reach a person (who can check by phone).
                words = strip_quoted(message.body_text)[:500] if route == "unverified_reply" else ""
                told = said if isinstance(said, Said) else why  # a `Said`: in finance's language
                tell_finance(session, runtime, inbound_id=inbound_id, route=route, reason=told, words=words)
    return "quarantined" if why else "ignored"
