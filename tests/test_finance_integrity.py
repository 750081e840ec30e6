"""Two finance rules found untested on the way (issue 17, item 10): a payment recorded by hand without
invoices pays the oldest open ones (and says which); a credit note goes to the invoice it references
first, then to the others oldest due first."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import select

from agent.db import session_scope
from agent.ledger.records import open_balance
from agent.models import Account, Invoice, Payment
from agent.runtime import Runtime
from tests.helpers import credit, make_account, make_invoice, planned_invoice
from tests.test_payment_effects import cli


def test_a_payment_without_invoices_pays_the_oldest_first_and_names_them(runtime: Runtime) -> None:
    later = planned_invoice(
        runtime, name="Acme", number="F-2026-0031", amount="200.00", due=date(2026, 12, 20)
    )
    with session_scope(runtime.engine) as session:
        account = session.get(Account, session.get(Invoice, later).account_id)  # type: ignore[union-attr]
        assert account is not None
        older = make_invoice(
            session, account, "F-2026-0030", "100.00", due=date(2026, 12, 2), at=runtime.clock.now()
        )
        older_id = older.id
    result = cli(
        runtime.settings.data_dir,
        "payments", "record", "--customer", "Acme", "--amount", "250.00", "--date", "2026-12-04",
    )  # fmt: skip
    # Not "overpaid with no invoice": the money went to the invoices, oldest due first.
    assert result["status"] == "matched"
    assert result["invoices"] == {"F-2026-0030": "paid", "F-2026-0031": "partially_paid"}
    with session_scope(runtime.engine) as session:
        assert open_balance(session, session.get(Invoice, older_id)) == 0  # type: ignore[arg-type]
        assert open_balance(session, session.get(Invoice, later)) == Decimal("50.00")  # type: ignore[arg-type]
        assert session.exec(select(Payment)).one().status == "matched"


def test_a_payment_without_invoices_beyond_what_is_owed_is_overpaid(runtime: Runtime) -> None:
    planned_invoice(runtime, name="Acme", number="F-2026-0032", amount="100.00")
    result = cli(
        runtime.settings.data_dir,
        "payments", "record", "--customer", "Acme", "--amount", "130.00", "--date", "2026-12-04",
    )  # fmt: skip
    assert result["status"] == "overpaid" and result["invoices"] == {"F-2026-0032": "paid"}


def test_a_credit_note_goes_to_its_invoice_then_to_the_oldest_due_not_the_first_recorded(
    runtime: Runtime,
) -> None:
    at = runtime.clock.now()
    with session_scope(runtime.engine) as session:
        account = make_account(session, "Acme", at=at)
        # Recorded in this order: ids and due dates disagree, so "oldest" must mean the due date.
        december = make_invoice(session, account, "F-2", "100.00", due=date(2026, 12, 10), at=at)
        referenced = make_invoice(session, account, "F-3", "100.00", due=date(2027, 1, 10), at=at)
        november = make_invoice(session, account, "F-1", "100.00", due=date(2026, 11, 10), at=at)
        made = credit(session, account, "AV-1", "250.00", at=at, referenced="F-3")
        assert [a.invoice_id for a in made] == [referenced.id, november.id, december.id]  # type: ignore[attr-defined]
        assert open_balance(session, referenced) == 0 and open_balance(session, november) == 0
        assert open_balance(session, december) == Decimal("50.00")
