"""Accounts' net balances in a fixed number of statements, equal to the per-account arithmetic."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import event
from sqlmodel import Session

from agent.db import session_scope
from agent.ledger.balances import account_net_balances
from agent.ledger.records import account_net_balance
from agent.models import Account, Payment
from agent.payments.importing import record_payment
from agent.runtime import Runtime
from tests.helpers import credit, make_account, make_invoice


def paid(session: Session, account: Account, amount: str, number: str, at: object) -> None:
    payment = Payment(
        external_id=f"BANK-{number}-{amount}",
        received_on=date(2026, 11, 10),
        amount=Decimal(amount),
        currency="EUR",
        reference=number,
        created_at=at,
    )
    session.add(payment)
    session.flush()
    record_payment(session, payment, numbers=(number,), at=at, tolerance=Decimal("1.00"))  # type: ignore[arg-type]


def test_net_balances_of_many_accounts_in_six_statements(runtime: Runtime) -> None:
    at = runtime.clock.now()
    with session_scope(runtime.engine) as session:
        part = make_account(session, "Part Paid", at=at)  # 1200 + 300 owed, 200 paid on the first
        make_invoice(session, part, "P-1", "1200.00", due=date(2026, 12, 2), at=at)
        make_invoice(session, part, "P-2", "300.00", due=date(2026, 12, 9), at=at)
        paid(session, part, "200.00", "P-1", at)
        noted = make_account(session, "Credited", at=at)  # 100 owed, a credit note of 250: 150 unused
        make_invoice(session, noted, "C-1", "100.00", due=date(2026, 12, 2), at=at)
        credit(session, noted, "AV-1", "250.00", at=at, referenced="C-1")
        over = make_account(session, "Overpaid", at=at)  # 80 owed, paid 130: 50 of credit left
        make_invoice(session, over, "O-1", "80.00", due=date(2026, 12, 2), at=at)
        paid(session, over, "130.00", "O-1", at)
        empty = make_account(session, "Nothing", at=at)
        ids = [a.id or 0 for a in (part, noted, over, empty)]
    with session_scope(runtime.engine) as session:
        expected = {account_id: account_net_balance(session, account_id) for account_id in ids}
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(runtime.engine, "before_cursor_execute", listener)
        try:
            balances = account_net_balances(session, ids)
        finally:
            event.remove(runtime.engine, "before_cursor_execute", listener)
    assert balances == expected
    assert balances == dict(zip(ids, map(Decimal, ["1300.00", "-150.00", "-50.00", "0.00"]), strict=True))
    assert len(statements) == 6  # whatever the number of accounts, invoices, notes and payments
