"""Payments as the workspace's payments page shows them: by the import they came in (a bank file, an API
batch, a payment recorded by hand), matched or waiting for finance, a page at a time; one payment with
what it paid and what it could pay.

A payment does not keep the import it came with; an import's payments share its `source` and the
instant they were recorded (`created_at`, the import's own `at`), and a file's `payment_import` row has
that instant too: that pair names the batch. Each list is a fixed number of statements whatever the
number of payments (the page's payments, their allocations, the file names of their batches).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, func, select

from agent.ledger.records import open_invoices
from agent.models import Account, Allocation, Invoice, Payment, PaymentImport, Task
from agent.models.task import TaskKind, TaskStatus

WAITING = ("unmatched", "needs_review")  # left to finance by the matcher
DONE = ("matched", "overpaid")
VIEWS = {"waiting": WAITING, "done": DONE, "all": None}


@dataclass(frozen=True)
class Batch:
    source: str  # csv, camt, api, manual, connector:<name>
    at: datetime  # when the import recorded its payments

    @property
    def key(self) -> str:
        return f"{self.source}@{self.at.isoformat()}"


def batch_of(key: str | None) -> Batch | None:
    """A batch named by its key (`csv@2026-12-05T09:00:00+00:00`); None for anything else."""
    source, _, at = (key or "").partition("@")
    try:
        return Batch(source, datetime.fromisoformat(at)) if source and at else None
    except ValueError:
        return None


def _filtered(statement: Any, *, shown: str, batch: Batch | None) -> Any:
    statuses = VIEWS.get(shown)
    if statuses:
        statement = statement.where(col(Payment.status).in_(statuses))
    if batch is not None:
        statement = statement.where(Payment.source == batch.source, Payment.created_at == batch.at)
    return statement


def count_payments(session: Session, *, shown: str = "all", batch: Batch | None = None) -> dict[str, int]:
    """How many payments each view holds (one statement), within a batch when one is given."""
    statement = _filtered(select(Payment.status, func.count()), shown="all", batch=batch)
    counts = {status: n for status, n in session.exec(statement.group_by(col(Payment.status)))}
    return {name: sum(n for s, n in counts.items() if statuses is None or s in statuses)
            for name, statuses in VIEWS.items()}  # fmt: skip


def payments_page(
    session: Session, *, shown: str = "all", batch: Batch | None = None, limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    """Payments, the newest import first, each with its batch's name and the invoices it paid."""
    statement = (
        select(Payment, Account.name)
        .outerjoin(Account, col(Account.id) == col(Payment.account_id))
        .order_by(col(Payment.created_at).desc(), col(Payment.id))
        .offset(offset)
        .limit(limit)
    )
    found = session.exec(_filtered(statement, shown=shown, batch=batch)).all()
    ids = [payment.id for payment, _ in found]
    paid: dict[int, list[dict[str, Any]]] = {}
    for payment_id, invoice_id, number, amount in session.exec(
        select(Allocation.payment_id, Invoice.id, Invoice.number, Allocation.amount)
        .join(Invoice, col(Invoice.id) == col(Allocation.invoice_id))
        .where(col(Allocation.payment_id).in_(ids))
        .order_by(col(Allocation.id))
    ):
        paid.setdefault(payment_id, []).append({"id": invoice_id, "number": number, "amount": amount})
    names = _file_names(session, {Batch(p.source, p.created_at) for p, _ in found})
    return [
        {
            "payment": payment,
            "customer": customer,
            "batch": Batch(payment.source, payment.created_at),
            "files": names.get(Batch(payment.source, payment.created_at), []),
            "invoices": paid.get(payment.id or 0, []),
        }
        for payment, customer in found
    ]


def _file_names(session: Session, batches: set[Batch]) -> dict[Batch, list[str]]:
    """The names of the files imported at those instants (one statement)."""
    if not batches:
        return {}
    names: dict[Batch, list[str]] = {}
    statement = select(PaymentImport.source, PaymentImport.created_at, PaymentImport.name).where(
        col(PaymentImport.created_at).in_(sorted({b.at for b in batches}))
    )
    for source, at, name in session.exec(statement.order_by(col(PaymentImport.id))):
        names.setdefault(Batch(source, at), []).append(name)
    return names


def payment_detail(session: Session, payment_id: int) -> dict[str, Any] | None:
    """One payment: what it paid, its task if finance was asked, and the invoices it could pay (the
    matcher's candidates, then the open invoices of its customer in its currency)."""
    payment = session.get(Payment, payment_id)
    if payment is None:
        return None
    allocations = session.exec(
        select(Allocation, Invoice.number)
        .join(Invoice, col(Invoice.id) == col(Allocation.invoice_id))
        .where(Allocation.payment_id == payment_id)
        .order_by(col(Allocation.id))
    ).all()
    task = next(
        (
            t
            for t in session.exec(select(Task).where(Task.kind == TaskKind.PAYMENT_MATCH))
            if t.details.get("payment_id") == payment_id
        ),
        None,
    )
    numbers = list(task.details.get("candidates", [])) if task else []
    candidates: list[Invoice] = []
    if numbers:
        found = session.exec(select(Invoice).where(col(Invoice.number).in_(numbers))).all()
        candidates = sorted(found, key=lambda i: numbers.index(i.number))
    if payment.account_id is not None:
        candidates += [i for i in open_invoices(session, payment.account_id) if i not in candidates]
    candidates = [
        i for i in candidates if i.currency == payment.currency and i.status in ("open", "partially_paid")
    ]
    balances = _balances(session, [i.id or 0 for i in candidates])
    wanted = select(Account.id, Account.name).where(col(Account.id).in_({i.account_id for i in candidates}))
    customers = {account_id: name for account_id, name in session.exec(wanted)}
    account = session.get(Account, payment.account_id) if payment.account_id else None
    return {
        "payment": payment,
        "customer": account.name if account else None,
        "allocations": [{"allocation": a, "number": n} for a, n in allocations],
        "task": task if task and task.status == TaskStatus.OPEN else None,
        "candidates": [
            {"invoice": i, "customer": customers.get(i.account_id, "?"), "balance": balances.get(i.id or 0)}
            for i in candidates
        ],
        "waiting": payment.status in WAITING,
    }


def _balances(session: Session, ids: list[int]) -> dict[int, Decimal]:
    allocated: dict[int, Decimal] = {}
    for invoice_id, amount in session.exec(
        select(Allocation.invoice_id, Allocation.amount).where(col(Allocation.invoice_id).in_(ids))
    ):
        allocated[invoice_id] = allocated.get(invoice_id, Decimal(0)) + amount
    due = {
        i: amount
        for i, amount in session.exec(select(Invoice.id, Invoice.amount_due).where(col(Invoice.id).in_(ids)))
    }
    return {i: due[i] - allocated.get(i, Decimal(0)) for i in due}
