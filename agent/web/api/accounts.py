"""`GET /api/accounts`: the customers, their contact and what they owe per currency (scope read).

Written here rather than taken from `views.accounts`, which asks the database once per account (its
contact, its balance) and has no pages: an API client may hold thousands of customers. Per page, a fixed
number of statements: the accounts (by name, then id, from a cursor), their valid contacts, their open
invoices and the money set against them, their credit notes and overpayments and what of them was used.
Amounts are per currency (a customer billed in two currencies owes two sums, never their total).
"""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlmodel import Session, col, func, or_, select
from starlette.requests import Request
from starlette.responses import JSONResponse

from agent.db import session_scope
from agent.models import Account, Allocation, Contact, CreditNote, Invoice, Payment
from agent.models.api_token import Scope
from agent.models.ledger import InvoiceStatus
from agent.runtime import Runtime
from agent.web.api.tokens import authorize, errors, refusal

MAX_PAGE = 500
ZERO = Decimal("0.00")
OPEN = (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID)


class ContactOut(BaseModel):
    name: str | None
    email: str
    language: str


class Balance(BaseModel):
    currency: str
    open_invoices: int
    owed: Decimal  # open invoices' balances
    credit: Decimal  # credit notes and overpayments not used yet
    net: Decimal  # owed - credit: a negative net is owed to the customer


class AccountItem(BaseModel):
    id: int
    name: str
    vat_id: str | None
    country: str | None
    language: str | None
    contact: ContactOut | None  # the one reminders go to; None: finance was asked for one
    balances: list[Balance]


class AccountPage(BaseModel):
    items: list[AccountItem]
    next_cursor: str | None


def _cursor(name: str, account_id: int) -> str:
    return base64.urlsafe_b64encode(f"{account_id}|{name}".encode()).decode().rstrip("=")


def _after(cursor: str) -> tuple[str, int] | None:
    try:
        account_id, _, name = (
            base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition("|")
        )
        return name, int(account_id)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _used(session: Session, column: object, ids: list[int]) -> dict[int, Decimal]:
    used: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for owner, amount in session.exec(select(column, Allocation.amount).where(col(column).in_(ids))):  # type: ignore[call-overload]
        used[owner] += amount  # summed here: money is exact text on SQLite
    return used


def account_page(
    runtime: Runtime, *, search: str | None, after: tuple[str, int] | None, limit: int
) -> AccountPage:
    statement = select(Account)
    if search:
        statement = statement.where(func.lower(Account.name).like(f"%{search.strip().lower()}%"))
    if after is not None:
        name, last_id = after
        statement = statement.where(
            or_(col(Account.name) > name, (col(Account.name) == name) & (col(Account.id) > last_id))
        )
    with session_scope(runtime.engine) as session:
        found = list(session.exec(statement.order_by(col(Account.name), col(Account.id)).limit(limit + 1)))
        more, accounts = len(found) > limit, found[:limit]
        ids = [a.id or 0 for a in accounts]
        contacts: dict[int, Contact] = {}
        for contact in session.exec(
            select(Contact)
            .where(col(Contact.account_id).in_(ids), col(Contact.valid))
            .order_by(col(Contact.id))
        ):
            contacts[contact.account_id] = contact  # the latest valid one, as valid_contact chooses
        owed: dict[tuple[int, str], list[Decimal]] = defaultdict(list)
        invoices = list(
            session.exec(
                select(Invoice).where(col(Invoice.account_id).in_(ids), col(Invoice.status).in_(OPEN))
            )
        )
        paid = _used(session, Allocation.invoice_id, [i.id or 0 for i in invoices])
        for invoice in invoices:
            owed[(invoice.account_id, invoice.currency)].append(invoice.amount_due - paid[invoice.id or 0])
        credit: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
        notes = list(session.exec(select(CreditNote).where(col(CreditNote.account_id).in_(ids))))
        used_notes = _used(session, Allocation.credit_note_id, [n.id or 0 for n in notes])
        for note in notes:
            credit[(note.account_id, note.currency)] += note.total_gross - used_notes[note.id or 0]
        overpaid = list(
            session.exec(
                select(Payment).where(col(Payment.account_id).in_(ids), Payment.status == "overpaid")
            )
        )
        used_payments = _used(session, Allocation.payment_id, [p.id or 0 for p in overpaid])
        for payment in overpaid:
            left = payment.amount - used_payments[payment.id or 0]
            if left > ZERO and payment.account_id is not None:
                credit[(payment.account_id, payment.currency)] += left
    items = []
    for account in accounts:
        key = account.id or 0
        currencies = sorted({c for (a, c) in [*owed, *credit] if a == key})
        contact = contacts.get(key)
        items.append(
            AccountItem(
                id=key,
                name=account.name,
                vat_id=account.vat_id,
                country=account.country,
                language=account.language,
                contact=None
                if contact is None
                else ContactOut(name=contact.name, email=contact.email, language=contact.language),
                balances=[_balance(c, owed[(key, c)], credit[(key, c)]) for c in currencies],
            )
        )
    last = accounts[-1] if accounts and more else None
    return AccountPage(items=items, next_cursor=_cursor(last.name, last.id or 0) if last else None)


def _balance(currency: str, owed: list[Decimal], credit: Decimal) -> Balance:
    total = sum(owed, ZERO)
    return Balance(currency=currency, open_invoices=len(owed), owed=total, credit=credit, net=total - credit)


def accounts_router(runtime: Runtime) -> APIRouter:
    def list_accounts(
        request: Request,
        search: Annotated[str | None, Query(description="Any part of the customer's name")] = None,
        cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    ) -> AccountPage | JSONResponse:
        caller = authorize(request, runtime, Scope.READ)
        if isinstance(caller, JSONResponse):
            return caller
        after = _after(cursor) if cursor else None
        if cursor and after is None:
            return refusal(422, "bad_cursor", "this cursor was not given by this API")
        return account_page(runtime, search=search, after=after, limit=limit)

    router = APIRouter()
    router.add_api_route(
        "/accounts",
        list_accounts,
        methods=["GET"],
        response_model=AccountPage,
        responses=errors(401, 403, 422),
        summary="Customers by name, their contact and balances per currency (scope read)",
    )
    return router
