"""`GET /api/invoices` (filters, cursor pages) and `GET /api/invoices/{id}`, scope `read`.

The list is ordered by due date then id, and paged by a cursor (the last row's due date and id, opaque
to the client): a page is the same whatever was added or paid on earlier pages meanwhile, and costs the
same on the thousandth page as on the first (an index range, not an OFFSET that reads every row before
it). Two statements per page: the invoices with their customer, then the money set against them
(`views.balances`). Filters: status, account id, currency, due strictly before / after a date.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlmodel import col, or_, select
from starlette.requests import Request
from starlette.responses import JSONResponse

from agent import views
from agent.db import session_scope
from agent.models import Account, Invoice
from agent.models.api_token import Scope
from agent.runtime import Runtime
from agent.web.api.tokens import authorize, errors, refusal

MAX_PAGE = 500


class InvoiceItem(BaseModel):
    id: int
    number: str
    account_id: int
    account: str
    issue_date: date
    due_date: date
    currency: str
    total_gross: Decimal
    amount_due: Decimal
    balance: Decimal  # what is still owed: amount due minus credit notes and payments set against it
    status: str  # open, partially_paid, paid, cancelled...
    paused: bool


class InvoicePage(BaseModel):
    items: list[InvoiceItem]
    next_cursor: str | None  # pass it as `cursor` for the next page; None on the last one


class Allocated(BaseModel):
    kind: str  # credit_note | payment
    reference: str
    on: date | None
    amount: Decimal
    explanation: str


class Step(BaseModel):
    id: int
    step: int
    name: str
    planned_at: datetime
    state: str
    reason: str | None
    language: str


class Field(BaseModel):
    field: str
    value: str | None
    confidence: float | None
    source: str | None


class InvoiceDetail(InvoiceItem):
    plan: str
    contact_email: str | None
    promised_for: date | None
    pause_reason: str | None
    document_id: int | None
    document_method: str | None
    fields: list[Field]
    allocations: list[Allocated]
    steps: list[Step]


def encode_cursor(due: date, invoice_id: int) -> str:
    return base64.urlsafe_b64encode(f"{due.isoformat()}|{invoice_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[date, int] | None:
    try:
        due, _, invoice_id = (
            base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition("|")
        )
        return date.fromisoformat(due), int(invoice_id)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def invoice_page(
    runtime: Runtime,
    *,
    status: str | None,
    account: int | None,
    currency: str | None,
    due_before: date | None,
    due_after: date | None,
    after: tuple[date, int] | None,
    limit: int,
) -> InvoicePage:
    statement = select(Invoice, Account.name).join(Account, col(Account.id) == col(Invoice.account_id))
    if status:
        statement = statement.where(Invoice.status == status)
    if account is not None:
        statement = statement.where(Invoice.account_id == account)
    if currency:
        statement = statement.where(Invoice.currency == currency.upper())
    if due_before is not None:
        statement = statement.where(col(Invoice.due_date) < due_before)
    if due_after is not None:
        statement = statement.where(col(Invoice.due_date) > due_after)
    if after is not None:
        due, last_id = after
        statement = statement.where(
            or_(col(Invoice.due_date) > due, (col(Invoice.due_date) == due) & (col(Invoice.id) > last_id))
        )
    statement = statement.order_by(col(Invoice.due_date), col(Invoice.id)).limit(limit + 1)
    with session_scope(runtime.engine) as session:
        found = list(session.exec(statement))
        more, found = len(found) > limit, found[:limit]
        balances = views.balances(session, [invoice for invoice, _ in found])
    items = [_item(invoice, name, balances[invoice.id or 0]) for invoice, name in found]
    last = found[-1][0] if found and more else None
    return InvoicePage(items=items, next_cursor=encode_cursor(last.due_date, last.id or 0) if last else None)


def _item(invoice: Invoice, account: str, balance: Decimal) -> InvoiceItem:
    return InvoiceItem(
        id=invoice.id or 0,
        number=invoice.number,
        account_id=invoice.account_id,
        account=account,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        currency=invoice.currency,
        total_gross=invoice.total_gross,
        amount_due=invoice.amount_due,
        balance=balance,
        status=invoice.status,
        paused=invoice.paused,
    )


def invoice_detail(runtime: Runtime, invoice_id: int) -> InvoiceDetail | None:
    """`views.invoice_detail`, the workspace's invoice page, as the API's model."""
    with session_scope(runtime.engine) as session:
        detail = views.invoice_detail(session, runtime.settings, invoice_id)
        if detail is None:
            return None
        invoice, document, contact = detail["invoice"], detail["document"], detail["contact"]
        item = _item(invoice, detail["account"].name, detail["balance"])
        return InvoiceDetail(
            **item.model_dump(),
            plan=detail["plan"],
            contact_email=contact.email if contact else None,
            promised_for=invoice.promised_for,
            pause_reason=invoice.pause_reason,
            document_id=document.id if document else None,
            document_method=document.method if document else None,
            fields=[
                Field(
                    field=row["field"],
                    value=None if row["value"] is None else str(row["value"]),
                    confidence=row["confidence"],
                    source=row["source"],
                )
                for row in detail["fields"]
            ],
            allocations=[
                Allocated(**{k: row[k] for k in Allocated.model_fields}) for row in detail["allocations"]
            ],
            steps=[
                Step(
                    id=step.id or 0,
                    step=step.step,
                    name=step.step_name,
                    planned_at=step.planned_at,
                    state=step.state,
                    reason=step.reason,
                    language=step.language,
                )
                for step in detail["steps"]
            ],
        )


def invoices_router(runtime: Runtime) -> APIRouter:
    def list_invoices(
        request: Request,
        status: str | None = None,
        account: Annotated[int | None, Query(description="An account id")] = None,
        currency: Annotated[str | None, Query(pattern=r"^[A-Za-z]{3}$")] = None,
        due_before: Annotated[date | None, Query(description="Due strictly before this day")] = None,
        due_after: Annotated[date | None, Query(description="Due strictly after this day")] = None,
        cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    ) -> InvoicePage | JSONResponse:
        caller = authorize(request, runtime, Scope.READ)
        if isinstance(caller, JSONResponse):
            return caller
        after = decode_cursor(cursor) if cursor else None
        if cursor and after is None:
            return refusal(422, "bad_cursor", "this cursor was not given by this API")
        return invoice_page(
            runtime, status=status, account=account, currency=currency, due_before=due_before,
            due_after=due_after, after=after, limit=limit,
        )  # fmt: skip

    def get_invoice(request: Request, invoice_id: int) -> InvoiceDetail | JSONResponse:
        caller = authorize(request, runtime, Scope.READ)
        if isinstance(caller, JSONResponse):
            return caller
        detail = invoice_detail(runtime, invoice_id)
        return detail if detail is not None else refusal(404, "not_found", f"no invoice {invoice_id}")

    router = APIRouter()
    router.add_api_route(
        "/invoices",
        list_invoices,
        methods=["GET"],
        response_model=InvoicePage,
        responses=errors(401, 403, 422),
        summary="Invoices by due date, filtered, a page at a time (scope read)",
    )
    router.add_api_route(
        "/invoices/{invoice_id}",
        get_invoice,
        methods=["GET"],
        response_model=InvoiceDetail,
        responses=errors(401, 403, 404),
        summary="One invoice: what was read, money set against it, its steps",
    )
    return router
