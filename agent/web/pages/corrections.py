"""Correcting a recorded invoice from its page (`POST /invoices/ID/correct`): amount due, due date,
number, customer, with the reason (finance role and up, checked on the server).

Done by `agent.reminders.corrections.correct_invoice`: audited with the person, the waiting steps
replanned with the correction as their cause, a step already sent never sent again. A refusal shows the
invoice again with the reason and changes nothing. The contact is the customer's: it is edited on the
customer's page (agent.web.pages.accounts), which readdresses the waiting steps the same way.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from fastapi import APIRouter, Depends, Form, Request
from sqlmodel import Session, select
from starlette.responses import RedirectResponse, Response

from agent.models import Account, Invoice
from agent.reminders.corrections import Correction, correct_invoice
from agent.reminders.steering import ReviewRefused
from agent.web import auth
from agent.web.pages.common import db, finance_form, render, runtime_of, viewer_of
from agent.web.pages.invoices import _invoice_page

router = APIRouter(include_in_schema=False)


def _amount(text: str) -> Decimal | None:
    cleaned = text.strip().replace(" ", "").replace("\u202f", "").replace("\xa0", "").replace(",", ".")
    if not cleaned:
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation as wrong:
        raise ReviewRefused(f"{text!r} is not an amount (write 1234.56)") from wrong


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text.strip() else None
    except ValueError as wrong:
        raise ReviewRefused(f"{text!r} is not a date (YYYY-MM-DD)") from wrong


def _customer(session: Session, name: str) -> Account | None:
    if not name.strip():
        return None
    found = session.exec(select(Account).where(Account.name == name.strip())).all()
    if not found:
        raise ReviewRefused(f"no customer is named {name.strip()!r}")
    if len(found) > 1:
        raise ReviewRefused(f"several customers are named {name.strip()!r}: correct it from the right one")
    return found[0]


@router.post("/invoices/{invoice_id}/correct")
def correct(
    request: Request, invoice_id: int, number: str = Form(""), amount_due: str = Form(""),
    due_date: str = Form(""), customer: str = Form(""), reason: str = Form(""),
    user: auth.SignedIn = Depends(finance_form), session: Session = Depends(db),
) -> Response:  # fmt: skip
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        message = viewer_of(request).gettext("No such invoice.")
        return render(request, "error.html", status_code=404, message=message)
    runtime = runtime_of(request)
    try:
        wanted = Correction(
            amount_due=_amount(amount_due), due_date=_day(due_date), number=number.strip() or None,
            account=_customer(session, customer),
        )  # fmt: skip
        correct_invoice(
            session, invoice=invoice, correction=wanted, settings=runtime.settings, at=runtime.clock.now(),
            actor=user.user.email, reason=reason,
        )  # fmt: skip
    except ReviewRefused as refused:
        session.rollback()
        return _invoice_page(request, session, invoice_id, error=str(refused), status=409)
    session.commit()
    return RedirectResponse(f"/invoices/{invoice_id}?done=corrected", status_code=303)
