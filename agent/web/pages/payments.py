"""Payments: what came in, by import (a bank file, an API batch, recorded by hand), matched or waiting for
finance; one payment with what it paid; allocating a payment the matcher left to finance across several
invoices; recording an offline payment (a cheque, cash).

The two actions are form POSTs (finance role and up, checked on the server) done by the same functions
as `relance payments allocate|record` (agent.payments.manual): the ledger allocates, stops the reminders
of what is paid and records each change with its cause; the audit event names the person. A refusal
(an invoice of another currency, already paid, a cheque recorded twice) shows the form again with the
reason and changes nothing.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from fastapi import APIRouter, Depends, Form, Request
from sqlmodel import Session, col, select
from starlette.responses import RedirectResponse, Response

from agent.models import Account, Payment
from agent.payments import AllocationRefused, allocate_payment, record_manual_payment
from agent.views.payment_list import VIEWS, batch_of, count_payments, payment_detail, payments_page
from agent.web import auth
from agent.web.pages.common import db, finance_form, render, runtime_of, viewer, viewer_of

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
METHODS = ("transfer", "cheque", "cash", "card", "direct_debit", "other")


def _numbers(text: str, picked: list[str]) -> list[str]:
    """The invoices named: those ticked, in the order of the list, then those typed (commas, spaces)."""
    typed = [n for n in re.split(r"[,;\s]+", text.strip()) if n]
    return list(dict.fromkeys([*picked, *typed]))


@router.get("/payments")
def payment_list(
    request: Request, user: auth.SignedIn = Depends(viewer), session: Session = Depends(db)
) -> Response:
    given = request.query_params
    shown = given.get("show") if given.get("show") in VIEWS else "waiting"
    batch = batch_of(given.get("batch"))
    try:
        page = max(1, int(given.get("page") or 1))
    except ValueError:
        page = 1
    counts = count_payments(session, batch=batch)
    rows = payments_page(session, shown=shown, batch=batch, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    groups: list[tuple[object, list[dict[str, object]]]] = []
    for row in rows:  # consecutive rows of one import: the page is ordered by import
        if groups and groups[-1][0] == row["batch"]:
            groups[-1][1].append(row)
        else:
            groups.append((row["batch"], [row]))
    return render(
        request,
        "payments.html",
        groups=groups,
        counts=counts,
        shown=shown,
        batch=batch,
        page=page,
        pages=max(1, -(-counts[shown] // PAGE_SIZE)),
        query={"show": shown, **({"batch": batch.key} if batch else {})},
        accounts=_accounts(session),
        methods=METHODS,
        today=viewer_of(request).formats.local_day(runtime_of(request).clock.now()).isoformat(),
        form={},
        default_currency=runtime_of(request).settings.payments.csv.default_currency,
        error=None,
        done=given.get("done") if given.get("done") in ("recorded",) else None,
    )


def _accounts(session: Session) -> list[str]:
    return list(session.exec(select(Account.name).order_by(col(Account.name))))


def _payment_page(
    request: Request, session: Session, payment_id: int, *, error: str | None = None, status: int = 200,
    typed: str = "",
) -> Response:  # fmt: skip
    found = payment_detail(session, payment_id)
    if found is None:
        message = viewer_of(request).gettext("No such payment.")
        return render(request, "error.html", status_code=404, message=message)
    done = request.query_params.get("done")
    return render(
        request, "payment.html", status_code=status, d=found, error=error, typed=typed,
        done=done if done in ("allocated", "recorded") else None,
    )  # fmt: skip


@router.get("/payments/{payment_id}")
def payment_page(
    request: Request, payment_id: int, user: auth.SignedIn = Depends(viewer), session: Session = Depends(db)
) -> Response:
    return _payment_page(request, session, payment_id)


@router.post("/payments/{payment_id}/allocate")
async def allocate(
    request: Request, payment_id: int, user: auth.SignedIn = Depends(finance_form),
    session: Session = Depends(db),
) -> Response:  # fmt: skip
    form = await request.form()
    picked = [str(value) for value in form.getlist("invoice")]
    typed = str(form.get("numbers") or "")
    numbers = _numbers(typed, picked)
    payment = session.get(Payment, payment_id)
    if payment is None:
        message = viewer_of(request).gettext("No such payment.")
        return render(request, "error.html", status_code=404, message=message)
    runtime = runtime_of(request)
    try:
        allocate_payment(
            session, payment=payment, invoice_numbers=numbers, at=runtime.clock.now(),
            tolerance=runtime.settings.reminders.balance_tolerance, actor=user.user.email,
        )  # fmt: skip
    except AllocationRefused as refused:
        session.rollback()
        return _payment_page(request, session, payment_id, error=str(refused), status=409, typed=typed)
    session.commit()
    return RedirectResponse(f"/payments/{payment_id}?done=allocated", status_code=303)


@router.post("/payments/record")
def record(
    request: Request, customer: str = Form(""), amount: str = Form(""), currency: str = Form("EUR"),
    received_on: str = Form(""), method: str = Form("cheque"), reference: str = Form(""),
    numbers: str = Form(""), user: auth.SignedIn = Depends(finance_form), session: Session = Depends(db),
) -> Response:  # fmt: skip
    runtime = runtime_of(request)
    gettext = viewer_of(request).gettext
    form = {"customer": customer, "amount": amount, "currency": currency, "received_on": received_on,
            "method": method, "reference": reference, "numbers": numbers}  # fmt: skip
    try:
        account = session.exec(select(Account).where(Account.name == customer.strip())).first()
        if account is None:
            raise AllocationRefused(gettext("No customer is named “%(name)s”.") % {"name": customer.strip()})
        value = _amount(amount)
        if value is None:
            raise AllocationRefused(
                gettext("“%(amount)s” is not an amount (write 1234.56).") % {"amount": amount}
            )
        try:
            day = date.fromisoformat(received_on)
        except ValueError as wrong:
            raise AllocationRefused(gettext("Give the day the payment was received.")) from wrong
        if day > viewer_of(request).formats.local_day(runtime.clock.now()):
            raise AllocationRefused(gettext("A payment cannot be received after today."))
        payment, _touched = record_manual_payment(
            session, account=account, amount=value, currency=currency.strip().upper(), received_on=day,
            method=method if method in METHODS else "other", invoice_numbers=_numbers(numbers, []),
            reference=reference.strip(), at=runtime.clock.now(),
            tolerance=runtime.settings.reminders.balance_tolerance, actor=user.user.email,
        )  # fmt: skip
    except AllocationRefused as refused:
        session.rollback()
        return render(
            request, "payments.html", status_code=409, groups=[], counts=count_payments(session),
            shown="waiting", batch=None, page=1, pages=1, query={}, accounts=_accounts(session),
            methods=METHODS, today=received_on, form=form, error=str(refused), done=None,
            default_currency=runtime.settings.payments.csv.default_currency,
        )  # fmt: skip
    session.commit()
    return RedirectResponse(f"/payments/{payment.id}?done=recorded", status_code=303)


def _amount(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip().replace(" ", "").replace("\u202f", "").replace(",", "."))
    except InvalidOperation:
        return None
    return value if value > 0 and value == value.quantize(Decimal("0.01")) else None
