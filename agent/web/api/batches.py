"""`GET /api/batches/{id}`: what became of each file of an upload, read from the rows the graph wrote.

Per file, one status:

- `received`: kept, not read yet;
- `processed`: read and recorded: the document's type and number, the account, the invoice (or credit
  note) id;
- `waiting`: recorded or read, and waiting for a person: the task (a document to check, a contact to
  give);
- `quarantined`: set aside, with the reason (unreadable, not an e-invoice, a picture too small to be a
  page, set aside on review...);
- `refused` (at the upload: empty, an executable, a type relance does not read) and `duplicate` (the same
  bytes received before, or the same invoice recorded before from another file).

Nothing is copied: the status is derived from the file's message, its document, and their invoice and
tasks, in a fixed number of statements per batch whatever its size.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import and_
from sqlmodel import Session, col, or_, select
from starlette.requests import Request
from starlette.responses import JSONResponse

from agent.db import session_scope
from agent.models import Account, CreditNote, Document, InboundMessage, Invoice, Task
from agent.models.api_batch import Acceptance, ApiBatch, ApiBatchFile
from agent.models.api_token import Scope
from agent.models.document import DocumentStatus
from agent.models.message import InboundStatus
from agent.models.task import TaskKind, TaskStatus
from agent.runtime import Runtime
from agent.web.api.tokens import authorize, errors, refusal

Status = Literal["received", "processed", "waiting", "quarantined", "refused", "duplicate"]


class DocumentRef(BaseModel):
    id: int
    type: str | None  # invoice | credit_note
    number: str | None
    method: str | None  # facturx, ubl, cii, text, ocr, llm
    status: str


class AccountRef(BaseModel):
    id: int
    name: str


class TaskRef(BaseModel):
    id: int
    kind: str  # review | contact_request
    title: str
    status: str


class DuplicateOf(BaseModel):
    batch: str | None = None
    index: int | None = None
    document_id: int | None = None
    invoice_id: int | None = None


class FileStatus(BaseModel):
    index: int
    filename: str
    reference: str | None
    account_hint: str | None
    size: int
    type: str | None  # what its bytes are: pdf, xml, png, jpeg, tiff
    status: Status
    code: str | None = None
    reason: str | None = None
    document: DocumentRef | None = None
    account: AccountRef | None = None
    invoice_id: int | None = None
    credit_note_id: int | None = None
    task: TaskRef | None = None
    duplicate_of: DuplicateOf | None = None


class BatchStatus(BaseModel):
    id: str
    created_at: datetime
    submitted_by: str
    finished: bool  # no file left to read
    counts: dict[str, int]
    files: list[FileStatus]


class _Rows:
    """Every row the statuses of a batch are read from, fetched set-wise."""

    def __init__(self, session: Session, files: list[ApiBatchFile]) -> None:
        inbound_ids = [f.inbound_id for f in files if f.inbound_id]
        self.inbound = {
            m.id: m
            for m in session.exec(select(InboundMessage).where(col(InboundMessage.id).in_(inbound_ids)))
        }
        earlier_ids = [f.duplicate_of_file for f in files if f.duplicate_of_file]
        self.earlier = {
            f.id: f for f in session.exec(select(ApiBatchFile).where(col(ApiBatchFile.id).in_(earlier_ids)))
        }
        self.document_of: dict[int, Document] = {}  # by inbound id
        for document in session.exec(
            select(Document).where(col(Document.inbound_id).in_(inbound_ids)).order_by(col(Document.id))
        ):
            self.document_of.setdefault(document.inbound_id or 0, document)
        document_ids = [d.id for d in self.document_of.values()]
        document_ids += [f.duplicate_of_document for f in files if f.duplicate_of_document]
        self.invoice_of = {
            i.document_id: i
            for i in session.exec(select(Invoice).where(col(Invoice.document_id).in_(document_ids)))
        }
        self.credit_of = {
            c.document_id: c
            for c in session.exec(select(CreditNote).where(col(CreditNote.document_id).in_(document_ids)))
        }
        numbers = [
            d.extraction.get("number")
            for d in self.document_of.values()
            if d.status == DocumentStatus.DUPLICATE
        ]
        self.invoice_by_number: dict[str, list[Invoice]] = {}
        for invoice in session.exec(
            select(Invoice).where(col(Invoice.number).in_([n for n in numbers if n]))
        ):
            self.invoice_by_number.setdefault(invoice.number, []).append(invoice)
        account_ids = {i.account_id for i in self.invoice_of.values()} | {
            c.account_id for c in self.credit_of.values()
        }
        self.accounts = {
            a.id: a for a in session.exec(select(Account).where(col(Account.id).in_(account_ids)))
        }
        self.review_of: dict[int, Task] = {}  # by document id, the latest
        self.contact_request_of: dict[int, Task] = {}  # by account id, the open one
        for task in session.exec(
            select(Task)
            .where(
                or_(
                    col(Task.document_id).in_(document_ids),
                    and_(
                        col(Task.kind) == TaskKind.CONTACT_REQUEST,
                        col(Task.status) == TaskStatus.OPEN,
                        col(Task.account_id).in_(account_ids),
                    ),
                )
            )
            .order_by(col(Task.id))
        ):
            if task.document_id is not None:
                self.review_of[task.document_id] = task
            elif task.account_id is not None:
                self.contact_request_of[task.account_id] = task


def batch_status(session: Session, batch_id: str) -> BatchStatus | None:
    batch = session.get(ApiBatch, batch_id)
    if batch is None:
        return None
    files = list(
        session.exec(
            select(ApiBatchFile).where(ApiBatchFile.batch_id == batch_id).order_by(col(ApiBatchFile.position))
        )
    )
    rows = _Rows(session, files)
    statuses = [_file_status(row, rows) for row in files]
    counts: dict[str, int] = {}
    for status in statuses:
        counts[status.status] = counts.get(status.status, 0) + 1
    return BatchStatus(
        id=batch.id,
        created_at=batch.created_at,
        submitted_by=batch.submitted_by,
        finished="received" not in counts,
        counts=counts,
        files=statuses,
    )


def _file_status(row: ApiBatchFile, rows: _Rows) -> FileStatus:
    status = FileStatus(
        index=row.position,
        filename=row.filename,
        reference=row.reference,
        account_hint=row.account_hint,
        size=row.size,
        type=row.detected_type,
        status="received",
        code=row.code,
        reason=row.reason,
    )
    if row.acceptance == Acceptance.REFUSED:
        status.status = "refused"
    elif row.acceptance == Acceptance.DUPLICATE:
        status.status = "duplicate"
        earlier = rows.earlier.get(row.duplicate_of_file) if row.duplicate_of_file else None
        invoice = rows.invoice_of.get(row.duplicate_of_document) if row.duplicate_of_document else None
        status.duplicate_of = DuplicateOf(
            batch=earlier.batch_id if earlier else None,
            index=earlier.position if earlier else None,
            document_id=row.duplicate_of_document,
            invoice_id=invoice.id if invoice else None,
        )
    else:
        message = rows.inbound.get(row.inbound_id) if row.inbound_id else None
        if message is not None and message.status != InboundStatus.RECEIVED:
            _read(status, message, rows)
    return status


def _read(status: FileStatus, message: InboundMessage, rows: _Rows) -> None:
    """The status of a file the graph has run: from its message, its document and what they produced."""
    document = rows.document_of.get(message.id or 0)
    invoice = rows.invoice_of.get(document.id) if document else None
    credit = rows.credit_of.get(document.id) if document else None
    if document is not None:
        status.document = DocumentRef(
            id=document.id or 0,
            type=document.kind,
            number=document.extraction.get("number"),
            method=document.method,
            status=document.status,
        )
    account_id = invoice.account_id if invoice else credit.account_id if credit else None
    account = rows.accounts.get(account_id) if account_id else None
    status.account = AccountRef(id=account.id or 0, name=account.name) if account else None
    status.invoice_id = invoice.id if invoice else None
    status.credit_note_id = credit.id if credit else None
    review = rows.review_of.get(document.id) if document and document.id else None
    contact_request = rows.contact_request_of.get(account_id) if account_id else None
    task = (review if review and review.status == TaskStatus.OPEN else None) or contact_request or review
    status.task = (
        TaskRef(id=task.id or 0, kind=task.kind, title=task.title, status=task.status) if task else None
    )
    set_aside = {DocumentStatus.FAILED, DocumentStatus.UNSUPPORTED, DocumentStatus.REJECTED}
    if message.status == InboundStatus.WAITING:
        status.status = "waiting"
    elif (
        message.status == InboundStatus.PROCESSED and document and document.status == DocumentStatus.DUPLICATE
    ):
        status.status, status.code = "duplicate", "already_recorded"
        number = document.extraction.get("number")
        same = rows.invoice_by_number.get(number or "", [])
        status.reason = f"{document.kind or 'document'} {number} was recorded before, from another file"
        status.duplicate_of = DuplicateOf(invoice_id=same[0].id if len(same) == 1 else None)
    elif message.status == InboundStatus.PROCESSED and document and document.status not in set_aside:
        status.status = "processed"
    else:  # quarantined, failed, ignored, or a document set aside
        status.status = "quarantined"
        status.code = "failed" if message.status == InboundStatus.FAILED else "quarantined"
        why = (document.error if document else None) or message.error
        if document is not None and document.status == DocumentStatus.REJECTED:
            why = why or "set aside by a person on review"
        status.reason = why or f"the message was {message.status}"


def batches_router(runtime: Runtime) -> APIRouter:
    def get_batch(request: Request, batch_id: str) -> BatchStatus | JSONResponse:
        # The uploader's own token (scope documents) may follow what it sent.
        caller = authorize(request, runtime, Scope.READ, Scope.DOCUMENTS)
        if isinstance(caller, JSONResponse):
            return caller
        with session_scope(runtime.engine) as session:
            status = batch_status(session, batch_id)
        return status if status is not None else refusal(404, "not_found", f"no batch {batch_id}")

    router = APIRouter()
    router.add_api_route(
        "/batches/{batch_id}",
        get_batch,
        methods=["GET"],
        response_model=BatchStatus,
        responses=errors(401, 403, 404),
        summary="What became of each file of an upload (token scope read or documents)",
    )
    return router
