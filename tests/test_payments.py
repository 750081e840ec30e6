"""Payment CSV import: French and English formats, duplicates, matching, and what stays for a person."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select

from agent.db import session_scope
from agent.flow.service import Agent
from agent.models import Invoice, Payment, Reminder, Task
from agent.reminders.schedule import follow_money
from agent.runtime import Runtime
from tests.helpers import planned_invoice


def write(tmp_path: Path, name: str, text: str, bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((("\ufeff" if bom else "") + text).encode("utf-8"))
    return path


def test_french_bank_export_pays_and_stops_reminders(agent: Agent, runtime: Runtime, tmp_path: Path) -> None:
    invoice_id = planned_invoice(runtime, number="FA-2026-118", amount="1440.00")
    csv = write(
        tmp_path,
        "releve.csv",
        "Date;Montant;Devise;Libellé;Tiers\n"
        "09/12/2026;1 440,00;EUR;VIR SEPA FACT FA 2026 118;ACME\n"
        "09/12/2026;-35,00;EUR;FRAIS BANCAIRES;BANQUE\n",
        bom=True,
    )
    report = agent.import_payments(csv)
    assert (report.imported, report.matched, report.unmatched) == (1, 1, 0)
    assert report.paid_invoices == ["FA-2026-118"]
    with session_scope(runtime.engine) as session:
        assert session.get(Invoice, invoice_id).status == "paid"  # type: ignore[union-attr]
        assert {r.state for r in session.exec(select(Reminder))} == {"cancelled"}
    again = agent.import_payments(csv)
    assert again.duplicate_file and again.imported == 0  # the same file, recognised by its content
    overlapping = write(
        tmp_path,
        "releve-2.csv",
        "Date;Montant;Devise;Libellé;Tiers\n"
        "09/12/2026;1 440,00;EUR;VIR SEPA FACT FA 2026 118;ACME\n"  # yesterday's row, exported again
        "10/12/2026;12,00;EUR;VIR SEPA DIVERS;AUTRE\n",
    )
    third = agent.import_payments(overlapping)
    assert (third.imported, third.duplicates) == (1, 1)


def test_english_export_partial_then_rest(agent: Agent, runtime: Runtime, tmp_path: Path) -> None:
    invoice_id = planned_invoice(runtime, name="Northwind", number="INV-2041", amount="2500.00")
    agent.import_payments(
        write(
            tmp_path,
            "a.csv",
            "Date,Amount,Currency,Reference,Payer,Transaction ID\n"
            '2026-12-01,"1,000.00",EUR,INV-2041 part 1,Northwind,TX-1\n',
        )
    )
    with session_scope(runtime.engine) as session:
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None and invoice.status == "partially_paid"
        assert {r.state for r in session.exec(select(Reminder))} == {"planned"}
    agent.import_payments(
        write(
            tmp_path,
            "b.csv",
            "Date,Amount,Currency,Reference,Payer,Transaction ID\n"
            '2026-12-05,"1,500.00",EUR,INV-2041 balance,Northwind,TX-2\n'
            '2026-12-01,"1,000.00",EUR,INV-2041 part 1,Northwind,TX-1\n',
        )
    )
    with session_scope(runtime.engine) as session:
        assert session.get(Invoice, invoice_id).status == "paid"  # type: ignore[union-attr]
        assert len(session.exec(select(Payment)).all()) == 2  # TX-1 was not counted twice


def test_exact_amount_of_the_payers_only_open_invoice(agent: Agent, runtime: Runtime, tmp_path: Path) -> None:
    invoice_id = planned_invoice(runtime, name="Globex", number="G-5501", amount="99.90")
    agent.import_payments(
        write(tmp_path, "c.csv", "date;amount;reference;payer\n2026-12-03;99,90;thanks!;Globex\n")
    )
    with session_scope(runtime.engine) as session:
        assert session.get(Invoice, invoice_id).status == "paid"  # type: ignore[union-attr]


def test_unmatched_payment_becomes_one_task(agent: Agent, runtime: Runtime, tmp_path: Path) -> None:
    planned_invoice(runtime, number="F-2026-0001", amount="100.00")
    path = write(tmp_path, "d.csv", "Date;Montant;Libellé;Tiers\n03/12/2026;42,00;VIREMENT;INCONNU SA\n")
    agent.import_payments(path)
    agent.import_payments(write(tmp_path, "e.csv", "Date;Montant;Libellé;Tiers\n04/12/2026;1,00;X;Y\n"))
    with session_scope(runtime.engine) as session:
        titles = [t.title for t in session.exec(select(Task))]
        payments = session.exec(select(Payment)).all()
    assert titles == [
        "payment 42.00 EUR of 2026-12-03 not matched to an invoice",
        "payment 1.00 EUR of 2026-12-04 not matched to an invoice",
    ]
    assert {p.status for p in payments} == {"needs_review"}
    assert payments[0].amount == Decimal("42.00") and payments[0].received_on == date(2026, 12, 3)


def test_file_without_amount_column_is_refused_clearly(agent: Agent, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no column for amount"):
        agent.import_payments(write(tmp_path, "bad.csv", "Date;Something\n01/12/2026;x\n"))


def test_dropped_files_are_imported_once_before_the_days_reminders(agent: Agent, runtime: Runtime) -> None:
    from datetime import UTC, datetime

    from agent.mail.maildir import MaildirOutbox

    invoice_id = planned_invoice(runtime, number="FA-2026-0777", amount="500.00", due=date(2026, 12, 2))
    incoming = runtime.settings.payments_dir / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    (incoming / "nightly.csv").write_text(
        "Date;Montant;Libellé\n28/11/2026;500,00;FA-2026-0777\n", encoding="utf-8"
    )
    (incoming / "garbage.csv").write_text("nothing useful\n", encoding="utf-8")
    report = agent.tick(datetime(2026, 11, 27, 8, 5, tzinfo=UTC))  # the courtesy step is due this very tick
    assert report.dispatched == []  # the payment came in first: nothing was sent
    assert MaildirOutbox(runtime.settings.outbox_path).messages() == []
    with session_scope(runtime.engine) as session:
        assert session.get(Invoice, invoice_id).status == "paid"  # type: ignore[union-attr]
    base = runtime.settings.payments_dir
    assert list(incoming.iterdir()) == []
    assert [p.name for p in (base / "imported").iterdir()] == ["20261127T080500Z-nightly.csv"]
    failed = sorted(p.name for p in (base / "failed").iterdir())
    assert failed == ["20261127T080500Z-garbage.csv", "20261127T080500Z-garbage.csv.reason.txt"]
    reason = (base / "failed" / "20261127T080500Z-garbage.csv.reason.txt").read_text()
    assert "not a CSV" in reason
    assert agent.tick(datetime(2026, 11, 30, 8, 5, tzinfo=UTC)).payment_files == []  # imported once


def test_an_overpayment_is_account_credit(runtime: Runtime) -> None:
    from datetime import UTC, datetime

    from agent.ledger.records import (
        account_in_credit,
        account_net_balance,
        apply_available_credits,
        open_balance,
    )
    from agent.models import Allocation
    from agent.payments.importing import record_payment
    from tests.helpers import make_account, make_invoice

    at = datetime(2026, 12, 5, tzinfo=UTC)
    with session_scope(runtime.engine) as session:
        account = make_account(session, "Overpayer", at=at)
        first = make_invoice(session, account, "OP-2026-001", "100.00", due=date(2026, 11, 30), at=at)
        second = make_invoice(session, account, "OP-2026-002", "80.00", due=date(2026, 12, 20), at=at)
        payment = Payment(
            external_id="BANK-OP1",
            received_on=date(2026, 12, 4),
            amount=Decimal("150.00"),
            currency="EUR",
            reference="OP-2026-001",
            created_at=at,
        )
        session.add(payment)
        session.flush()
        record_payment(session, payment, numbers=(), at=at, tolerance=Decimal("1.00"))
        assert payment.status == "overpaid" and first.status == "paid"
        assert open_balance(session, second) == Decimal("30.00")  # the extra 50.00 went to the next invoice
        explanations = [
            a.explanation for a in session.exec(select(Allocation).where(Allocation.invoice_id == second.id))
        ]
        assert explanations == [
            "50.00 EUR left over from payment BANK-OP1 (2026-12-04, an overpayment) applied to "
            "invoice OP-2026-002 (oldest open invoice of the customer)"
        ]

        big = Payment(
            external_id="BANK-OP2",
            received_on=date(2026, 12, 5),
            amount=Decimal("130.00"),
            currency="EUR",
            reference="OP-2026-002",
            created_at=at,
        )
        session.add(big)
        session.flush()
        # 30.00 due, 100.00 too much:
        record_payment(session, big, numbers=(), at=at, tolerance=Decimal("1.00"))
        assert second.status == "paid" and account_in_credit(session, account.id or 0)
        third = make_invoice(session, account, "OP-2026-003", "70.00", due=date(2027, 1, 15), at=at)
        apply_available_credits(
            session,
            account_id=account.id or 0,
            at=at,
            tolerance=Decimal("1.00"),
            schedule=follow_money(session=session, at=at),
        )
        assert third.status == "paid"  # the credit left on the account settled the next invoice
        assert account_net_balance(session, account.id or 0) == Decimal("-30.00")  # 100 - 70 still on account
        assert account_in_credit(session, account.id or 0)
