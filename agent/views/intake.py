"""What arrived, as the workspace's intake page shows it: each inbound message with every file's status
(processed, waiting for finance, quarantined and why), newest first, a page at a time.

Two statements for a page whatever the mailbox holds: the messages, then the documents of those messages.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, func, or_, select

from agent.models import Document, InboundMessage
from agent.models.message import InboundStatus

STATUSES = tuple(str(status) for status in InboundStatus)


def _filtered(statement: Any, *, status: str | None, search: str | None) -> Any:
    if status:
        statement = statement.where(InboundMessage.status == status)
    if search:
        pattern = f"%{search.strip().lower()}%"
        statement = statement.where(
            or_(
                func.lower(InboundMessage.sender).like(pattern),
                func.lower(InboundMessage.subject).like(pattern),
            )
        )
    return statement


def count_inbound(session: Session, *, status: str | None = None, search: str | None = None) -> int:
    statement = select(func.count()).select_from(InboundMessage)
    return int(session.exec(_filtered(statement, status=status, search=search)).one())


def inbound_page(
    session: Session,
    *,
    status: str | None = None,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    statement = _filtered(
        select(InboundMessage).order_by(
            col(InboundMessage.received_at).desc(), col(InboundMessage.id).desc()
        ),
        status=status,
        search=search,
    )
    messages = list(session.exec(statement.offset(offset).limit(limit)))
    files: dict[int, list[Document]] = {}
    for document in session.exec(
        select(Document)
        .where(col(Document.inbound_id).in_([m.id for m in messages]))
        .order_by(col(Document.id))
    ):
        files.setdefault(document.inbound_id or 0, []).append(document)
    return [_message(message, files.get(message.id or 0, [])) for message in messages]


def inbound_detail(session: Session, inbound_id: int) -> dict[str, Any] | None:
    message = session.get(InboundMessage, inbound_id)
    if message is None:
        return None
    documents = list(session.exec(select(Document).where(Document.inbound_id == inbound_id)))
    return _message(message, documents)


def _message(message: InboundMessage, documents: list[Document]) -> dict[str, Any]:
    return {
        "id": message.id,
        "received_at": message.received_at,
        "sender": message.sender,
        "subject": message.subject,
        "kind": message.kind,
        "status": message.status,
        "error": message.error,
        "documents": [
            {
                "id": d.id,
                "file": d.filename,
                "status": d.status,
                "method": d.method,
                "kind": d.kind,
                "error": d.error,
                "number": (d.extraction or {}).get("number"),
                "customer": ((d.extraction or {}).get("customer") or {}).get("name"),
                "amount_due": (d.extraction or {}).get("amount_due"),
                "currency": (d.extraction or {}).get("currency"),
            }
            for d in documents
        ],
    }
