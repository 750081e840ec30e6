"""`relance payments ...`: import files, record and allocate payments by hand."""

from __future__ import annotations

import getpass
from dataclasses import asdict
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agent.cli.common import (
    BadValue,
    DataDir,
    JsonFlag,
    NowOption,
    console,
    currency_value,
    day_value,
    emit,
    err,
    fail,
    group,
    open_runtime,
    refuse,
)

if TYPE_CHECKING:
    from agent.models import Invoice, Payment

payments_app = group(help="Payments: import, record by hand, allocate, list.", no_args_is_help=True)
InvoiceOption = Annotated[
    list[str] | None, typer.Option("--invoice", help="An invoice number; repeat for several, in order")
]


@payments_app.command("import")
def payments_import(
    files: Annotated[list[Path], typer.Argument(help="The files, in the order to import them")],
    data_dir: DataDir = None,
    now: NowOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Import bank or accounting files: CSV, CAMT.053 statements, CAMT.054 notifications."""
    from agent.flow.service import Agent

    runtime = open_runtime(data_dir, now)
    reports, failed = [], False
    with Agent(runtime) as agent:
        for file in files:
            try:
                report = agent.import_payments(file)
            except (OSError, ValueError) as error:
                err.print(f"[red]error:[/] {file}: {error}")
                reports.append({"file": str(file), "error": str(error)})
                failed = True
                continue
            reports.append({"file": str(file), **asdict(report)})
            if not as_json:
                console.print(f"{file}: {report.summary()}")
                for problem in report.errors:
                    err.print(f"[yellow]{problem}[/]")
    if as_json:
        emit(reports[0] if len(reports) == 1 else reports)
    if failed:
        raise typer.Exit(1)


def _amount(text: str) -> str:
    """A callback: an amount received, positive, with at most two decimals (a comma is read as a point)."""
    try:
        amount = Decimal(text.replace(",", "."))
        finite = amount.is_finite()
    except InvalidOperation:
        finite = False
    if not finite:
        raise BadValue(f"{text!r} is not an amount; write 1234.56")
    if amount <= 0:
        raise BadValue(f"{text}: an amount received is more than zero")
    if amount != amount.quantize(Decimal("0.01")):
        raise BadValue(f"{text}: at most two decimals")
    return str(amount.quantize(Decimal("0.01")))


@payments_app.command("record")
def payments_record(
    customer: Annotated[str, typer.Option(help="Account id or exact account name")],
    amount: Annotated[str, typer.Option(callback=_amount, help="Amount received, e.g. 1234.56")],
    received: Annotated[str, typer.Option("--date", callback=day_value, help="Day received, YYYY-MM-DD")],
    method: Annotated[str, typer.Option(help="cheque, cash, card, transfer...")] = "cheque",
    currency: Annotated[
        str, typer.Option(callback=currency_value, help="The payment's currency, ISO code (default: EUR)")
    ] = "EUR",
    reference: Annotated[str, typer.Option(help="Cheque number or any note")] = "",
    invoice: InvoiceOption = None,
    data_dir: DataDir = None,
    now: NowOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Record an offline payment (cheque, cash) and apply it to the invoices named (else oldest first)."""
    from sqlmodel import select

    from agent.db import session_scope
    from agent.models import Account
    from agent.payments import AllocationRefused, record_manual_payment

    runtime = open_runtime(data_dir, now)
    try:
        with session_scope(runtime.engine) as session:
            account = (
                session.get(Account, int(customer))
                if customer.isdigit()
                else session.exec(select(Account).where(Account.name == customer)).first()
            )
            if account is None:
                fail(f"no account {customer!r} (see `relance accounts`)")
            payment, touched = record_manual_payment(
                session,
                account=account,
                amount=Decimal(amount),
                currency=currency,
                received_on=date.fromisoformat(received),
                method=method,
                reference=reference,
                invoice_numbers=invoice or [],
                external_id=f"manual:{method}:{reference}" if reference else None,
                at=runtime.clock.now(),
                tolerance=runtime.settings.reminders.balance_tolerance,
                actor=getpass.getuser(),
            )
            result = _outcome(payment, touched)
    except (AllocationRefused, ValueError) as error:
        refuse(str(error))
    _show(result, as_json)


@payments_app.command("allocate")
def payments_allocate(
    payment_id: Annotated[int, typer.Argument(help="The payment's id (relance payments list --json)")],
    invoice: InvoiceOption = None,
    data_dir: DataDir = None,
    now: NowOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Allocate a payment the matcher left to you (its task says which) to the invoices named."""
    from agent.db import session_scope
    from agent.models import Payment
    from agent.payments import AllocationRefused, allocate_payment

    runtime = open_runtime(data_dir, now)
    try:
        with session_scope(runtime.engine) as session:
            payment = session.get(Payment, payment_id)
            if payment is None:
                fail(f"no payment {payment_id} (see `relance payments list`)")
            touched = allocate_payment(
                session,
                payment=payment,
                invoice_numbers=invoice or [],
                at=runtime.clock.now(),
                tolerance=runtime.settings.reminders.balance_tolerance,
                actor=getpass.getuser(),
            )
            result = _outcome(payment, touched)
    except AllocationRefused as error:
        refuse(str(error))
    _show(result, as_json)


def _outcome(payment: Payment, touched: list[Invoice]) -> dict[str, object]:
    return {
        "payment_id": payment.id,
        "status": payment.status,
        "invoices": {i.number: i.status for i in touched},
    }


def _show(result: dict[str, object], as_json: bool) -> None:
    if as_json:
        emit(result)
        return
    invoices = result["invoices"]
    assert isinstance(invoices, dict)
    done = ", ".join(f"{number} ({status})" for number, status in invoices.items()) or "no invoice"
    console.print(f"payment {result['payment_id']} {result['status']}: {done}")


PAYMENT_STATES = ("matched", "overpaid", "unmatched", "needs_review")


def _status(value: str | None) -> str | None:
    if value is not None and value not in PAYMENT_STATES:
        raise BadValue(f"{value}: not a payment status ({', '.join(PAYMENT_STATES)})")
    return value


@payments_app.command("list")
def payments_list(
    status: Annotated[
        str | None, typer.Option(callback=_status, help="matched, overpaid, unmatched or needs_review")
    ] = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Received payments, newest first, with the invoices each was applied to. The table names a payment
    by its number (for `payments allocate`); --json also gives the bank's or file's own identifier."""
    from sqlmodel import col, select

    from agent.db import session_scope
    from agent.models import Allocation, Invoice, Payment

    runtime = open_runtime(data_dir)
    with session_scope(runtime.engine) as session:
        statement = select(Payment).order_by(col(Payment.received_on).desc(), col(Payment.id).desc())
        if status:
            statement = statement.where(Payment.status == status)
        payments = list(session.exec(statement))
        applied = session.exec(
            select(Allocation.payment_id, Invoice.number)
            .join(Invoice, col(Invoice.id) == col(Allocation.invoice_id))
            .where(col(Allocation.payment_id).in_([p.id for p in payments]))
            .order_by(col(Allocation.id))
        ).all()
        numbers: dict[int, list[str]] = {}
        for payment_id, number in applied:
            numbers.setdefault(payment_id, []).append(number)
        rows = [
            {
                "id": payment.id,
                "external_id": payment.external_id,
                "received_on": str(payment.received_on),
                "amount": str(payment.amount),
                "currency": payment.currency,
                "payer": payment.payer,
                "reference": payment.reference,
                "source": payment.source,
                "status": payment.status,
                "invoices": list(dict.fromkeys(numbers.get(payment.id or 0, []))),
            }
            for payment in payments
        ]
    if as_json:
        emit(rows)
        return
    from agent.cli.render import table

    shown = [{**row, "invoices": ", ".join(row["invoices"])} for row in rows]
    columns = ["id", "received_on", "amount", "currency", "payer", "reference", "status", "invoices"]
    console.print(table("Payments", shown, columns))
