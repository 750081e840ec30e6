"""`relance payments ...`: import files, record and allocate payments by hand."""

from __future__ import annotations

import getpass
from dataclasses import asdict
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import col, select

from agent.cli.common import DataDir, JsonFlag, NowOption, console, emit, err, open_runtime
from agent.db import session_scope
from agent.flow.service import Agent
from agent.models import Account, Invoice, Payment
from agent.payments import AllocationRefused, allocate_payment, record_manual_payment

payments_app = typer.Typer(help="Payments: import, record by hand, allocate, list.", no_args_is_help=True)
InvoiceOption = Annotated[
    list[str] | None, typer.Option("--invoice", help="An invoice number; repeat for several, in order")
]


@payments_app.command("import")
def payments_import(
    files: list[Path], data_dir: DataDir = None, now: NowOption = None, as_json: JsonFlag = False
) -> None:
    """Import bank or accounting files: CSV, CAMT.053 statements, CAMT.054 notifications."""
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


def _amount(text: str) -> Decimal:
    try:
        amount = Decimal(text.replace(",", "."))
    except InvalidOperation as error:
        raise typer.BadParameter(f"not an amount: {text!r} (write 1234.56)") from error
    if amount != amount.quantize(Decimal("0.01")):
        raise typer.BadParameter(f"{text}: at most two decimals")
    return amount.quantize(Decimal("0.01"))


@payments_app.command("record")
def payments_record(
    customer: Annotated[str, typer.Option(help="Account id or exact account name")],
    amount: Annotated[str, typer.Option(help="Amount received, e.g. 1234.56")],
    received: Annotated[str, typer.Option("--date", help="Day received, YYYY-MM-DD")],
    method: Annotated[str, typer.Option(help="cheque, cash, card, transfer...")] = "cheque",
    currency: str = "EUR",
    reference: Annotated[str, typer.Option(help="Cheque number or any note")] = "",
    invoice: InvoiceOption = None,
    data_dir: DataDir = None,
    now: NowOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Record an offline payment (cheque, cash) and apply it to the invoices named (else oldest first)."""
    runtime = open_runtime(data_dir, now)
    try:
        with session_scope(runtime.engine) as session:
            account = (
                session.get(Account, int(customer))
                if customer.isdigit()
                else session.exec(select(Account).where(Account.name == customer)).first()
            )
            if account is None:
                raise AllocationRefused(f"no account {customer!r} (see `relance accounts`)")
            payment, touched = record_manual_payment(
                session,
                account=account,
                amount=_amount(amount),
                currency=currency.upper(),
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
        err.print(f"[red]refused:[/] {error}")
        raise typer.Exit(1) from error
    _show(result, as_json)


@payments_app.command("allocate")
def payments_allocate(
    payment_id: int,
    invoice: InvoiceOption = None,
    data_dir: DataDir = None,
    now: NowOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Allocate a payment the matcher left to you (its task says which) to the invoices named."""
    runtime = open_runtime(data_dir, now)
    try:
        with session_scope(runtime.engine) as session:
            payment = session.get(Payment, payment_id)
            if payment is None:
                raise AllocationRefused(f"no payment {payment_id}")
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
        err.print(f"[red]refused:[/] {error}")
        raise typer.Exit(1) from error
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


@payments_app.command("list")
def payments_list(
    status: Annotated[str | None, typer.Option(help="matched, overpaid, unmatched, needs_review")] = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Received payments, newest first, with what each was applied to."""
    from agent.models import Allocation

    runtime = open_runtime(data_dir)
    with session_scope(runtime.engine) as session:
        statement = select(Payment).order_by(col(Payment.received_on).desc(), col(Payment.id).desc())
        if status:
            statement = statement.where(Payment.status == status)
        rows = []
        for payment in session.exec(statement):
            allocations = session.exec(select(Allocation).where(Allocation.payment_id == payment.id)).all()
            numbers = [session.get(Invoice, a.invoice_id) for a in allocations]
            rows.append(
                {
                    "id": payment.id,
                    "received_on": str(payment.received_on),
                    "amount": str(payment.amount),
                    "currency": payment.currency,
                    "payer": payment.payer,
                    "reference": payment.reference,
                    "source": payment.source,
                    "status": payment.status,
                    "invoices": [i.number for i in numbers if i is not None],
                }
            )
    if as_json:
        emit(rows)
        return
    from agent.cli.render import table

    console.print(
        table(
            "Payments",
            rows,
            ["id", "received_on", "amount", "currency", "payer", "reference", "status", "invoices"],
        )
    )
