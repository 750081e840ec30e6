"""Payment sources: CAMT.053/054 written to the ISO schema, CSV in several national formats, the
watched connectors, and what the matcher does with grouped, ambiguous and unknown payments."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session, select

from agent.db import session_scope
from agent.flow.service import Agent
from agent.ledger.accounts import add_contact, normalize_name
from agent.models import Account, AuditEvent, Invoice, Payment, Reminder, SyncState, Task
from agent.payments import ImportReport, mentions
from agent.payments.camt import read_camt
from agent.reminders.schedule import plan_reminders
from agent.runtime import Runtime
from agent.settings import CsvFormat
from tests.helpers import make_invoice
from tests.iso20022 import schema_problems

DATA = Path(__file__).parent / "data" / "payments"
STATEMENT = DATA / "camt053_v02_statement.xml"
NOTIFICATION = DATA / "camt054_v08_notification.xml"


def customer(session: Session, name: str, at: datetime) -> Account:
    account = Account(name=name, normalized_name=normalize_name(name), country="FR", created_at=at)
    session.add(account)
    session.flush()
    return account


def invoices(runtime: Runtime, spec: dict[str, list[tuple[str, str]]]) -> None:
    """{customer: [(number, amount), ...]}, each invoice with its reminder plan."""
    at = runtime.clock.now()
    with session_scope(runtime.engine) as session:
        for name, rows in spec.items():
            account = customer(session, name, at)
            for number, amount in rows:
                invoice = make_invoice(session, account, number, amount, due=date(2026, 12, 2), at=at)
                plan_reminders(session, invoice=invoice, settings=runtime.settings, at=at)


def statuses(runtime: Runtime) -> dict[str, str]:
    with session_scope(runtime.engine) as session:
        return {i.number: i.status for i in session.exec(select(Invoice))}


@pytest.mark.parametrize("sample", [STATEMENT, NOTIFICATION], ids=lambda p: p.name)
def test_samples_follow_the_iso_schema(sample: Path) -> None:
    assert schema_problems(sample.read_bytes()) == []


def test_the_schema_check_can_fail() -> None:
    data = STATEMENT.read_bytes()
    swapped = data.replace(
        b"<CdtDbtInd>DBIT</CdtDbtInd>\n        <Sts>BOOK</Sts>", b"<Sts>BOOK</Sts><CdtDbtInd>DBIT</CdtDbtInd>"
    )
    assert schema_problems(swapped) == ["elements are not in the schema's order"]
    too_long = data.replace(b"<Id>STMT-20261209-343</Id>", b"<Id>" + b"X" * 36 + b"</Id>")
    assert any("length 36" in p for p in schema_problems(too_long))


def test_statement_lines() -> None:
    report = ImportReport()
    lines = read_camt(STATEMENT.read_bytes(), report)
    assert report.skipped == 2  # the bank fee (a debit) and the pending entry
    assert [(line.external_id, line.amount) for line in lines] == [
        ("camt:BQ20261209-000117", Decimal("1440.00")),
        ("camt:BQ20261209-000118-1", Decimal("1250.00")),  # a batch booking: one payment per transaction
        ("camt:BQ20261209-000118-2", Decimal("2000.00")),
        ("camt:BQ20261209-000121", Decimal("535.00")),
    ]
    first = lines[0]
    assert (first.payer, first.payer_account, first.invoice_numbers) == (
        "ACME INDUSTRIE SAS",
        "FR1420041010050500013M02606",
        ("FA-2026-118",),
    )
    assert first.received_on == date(2026, 12, 9) and first.currency == "EUR"
    assert lines[1].reference == "INVOICES INV-2041 AND INV 2042"
    assert lines[3].reference == "VIR DE DUPONT ET FILS REF FACTURE F 2026 0099"  # the entry's own text


def test_notification_then_statement_pay_each_invoice_once(agent: Agent, runtime: Runtime) -> None:
    invoices(
        runtime,
        {
            "ACME Industrie SAS": [("FA-2026-118", "1440.00")],
            "Northwind Trading Ltd": [("INV-2041", "500.00"), ("INV-2042", "750.00")],
            "Globex GmbH": [("GX-77", "1200.00"), ("GX-78", "800.00"), ("GX-79", "310.00")],
            "Dupont et Fils": [("F-2026-0099", "535.00")],
            "Initech BV": [("2026-301", "400.00"), ("2026-302", "380.00")],
        },
    )
    intraday = agent.import_payments(NOTIFICATION)
    assert (intraday.imported, intraday.matched) == (2, 2)
    assert sorted(intraday.paid_invoices) == ["2026-301", "2026-302", "FA-2026-118"]

    statement = agent.import_payments(STATEMENT)
    assert statement.duplicates == 1  # the intraday transfer, reported again in the statement
    assert (statement.imported, statement.matched, statement.unmatched) == (3, 3, 0)
    assert statuses(runtime) == {
        "FA-2026-118": "paid",
        "INV-2041": "paid",  # two numbers in one remittance line
        "INV-2042": "paid",
        "GX-77": "paid",  # no reference: the only set of Globex's open invoices adding up to 2000.00
        "GX-78": "paid",
        "GX-79": "open",
        "F-2026-0099": "paid",
        "2026-301": "paid",
        "2026-302": "paid",
    }
    with session_scope(runtime.engine) as session:
        globex = session.exec(select(Payment).where(Payment.payer == "Globex GmbH")).one()
        assert globex.source == "camt" and globex.status == "matched"
        pending = session.exec(select(Reminder).where(Reminder.state == "planned")).all()
        assert {session.get(Invoice, r.invoice_id).number for r in pending} == {"GX-79"}  # type: ignore[union-attr]
    assert agent.import_payments(STATEMENT).duplicate_file


def test_an_iban_once_matched_identifies_the_payer_next_time(agent: Agent, runtime: Runtime) -> None:
    invoices(runtime, {"ACME Industrie SAS": [("FA-2026-118", "1440.00"), ("FA-2026-140", "99.00")]})
    agent.import_payments(NOTIFICATION)  # pays FA-2026-118 from FR14...M02606, named in the remittance
    path = runtime.settings.data_dir / "later.csv"
    path.write_text(
        "Date;Montant;Libellé;Tiers;IBAN\n"
        "15/12/2026;99,00;VIREMENT;A.I. SAS;FR14 2004 1010 0505 0001 3M02 606\n",
        encoding="utf-8",
    )
    report = agent.import_payments(path)
    assert report.paid_invoices == ["FA-2026-140"]  # the name is unknown, the account it paid from is not


def test_csv_formats_set_in_configuration(agent: Agent, runtime: Runtime, tmp_path: Path) -> None:
    invoices(runtime, {"Contoso Inc": [("US-1001", "1234.50")], "Müller GmbH": [("RE-2026-55", "2345.60")]})
    runtime.settings.payments.csv = CsvFormat(
        columns={"date": "Posted", "amount": "Credit Amount", "reference": "Memo", "payer": "Originator"},
        date_order="MDY",
        decimal_separator=".",
    )
    us = tmp_path / "us.csv"
    us.write_text(
        'Posted,Debit Amount,Credit Amount,Memo,Originator\n12/03/2026,,"1,234.50",PMT US-1001,Contoso\n'
        '12/04/2026,"45.00",,Wire fee,Bank\n',
        encoding="utf-8",
    )
    report = agent.import_payments(us)
    assert (report.imported, report.skipped, report.paid_invoices) == (1, 1, ["US-1001"])
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Payment)).one().received_on == date(2026, 12, 3)  # month first

    runtime.settings.payments.csv = CsvFormat(decimal_separator=",", encoding="cp1252")
    german = tmp_path / "umsaetze.csv"
    german.write_bytes(
        "Buchungstag;Verwendungszweck;Auftraggeber;Betrag;Währung\n"
        "05.12.26;Rechnung RE 2026 55;Müller GmbH;2.345,60;EUR\n".encode("cp1252")
    )
    assert agent.import_payments(german).paid_invoices == ["RE-2026-55"]


def test_a_configured_column_that_is_missing_is_named(agent: Agent, runtime: Runtime, tmp_path: Path) -> None:
    runtime.settings.payments.csv = CsvFormat(columns={"amount": "Credit Amount"})
    path = tmp_path / "x.csv"
    path.write_text("Date,Amount\n2026-12-01,10.00\n", encoding="utf-8")
    with pytest.raises(ValueError, match="configured column 'Credit Amount' for amount"):
        agent.import_payments(path)


def test_ambiguous_payments_go_to_finance_with_candidates(
    agent: Agent, runtime: Runtime, tmp_path: Path
) -> None:
    invoices(
        runtime,
        {
            "Twin Amounts SARL": [("TA-001", "300.00"), ("TA-002", "300.00")],
            "Other Co": [("OC-501", "50.00")],
            "Paid Already": [("PA-900", "70.00")],
        },
    )
    path = tmp_path / "ambiguous.csv"
    path.write_text(
        "Date;Montant;Libellé;Tiers\n"
        "01/12/2026;300,00;VIREMENT;TWIN AMOUNTS\n"  # two open invoices of exactly 300.00
        "01/12/2026;120,00;TA-001 OC-501;TWIN AMOUNTS\n"  # names invoices of two customers
        "01/12/2026;50,00;merci;Inconnu\n",  # unknown payer; OC-501 is the only invoice of 50.00
        encoding="utf-8",
    )
    report = agent.import_payments(path)
    assert (report.imported, report.matched, report.unmatched) == (3, 0, 3)
    with session_scope(runtime.engine) as session:
        tasks = session.exec(select(Task).order_by(Task.id)).all()
    assert [t.kind for t in tasks] == ["payment_match"] * 3
    assert [t.details["candidates"] for t in tasks] == [
        ["TA-001", "TA-002"],
        ["TA-001", "OC-501"],
        ["OC-501"],
    ]
    assert "several open invoices of the payer have exactly this amount" in tasks[0].details["reasons"][0]
    assert "several customers" in tasks[1].details["reasons"][0]
    assert "payer is not a known customer" in tasks[2].details["reasons"][0]
    assert set(statuses(runtime).values()) == {"open"}  # nothing was guessed


@pytest.mark.parametrize(
    ("reference", "number", "named"),
    [
        ("VIR SEPA FACT FA 2026 118", "FA-2026-118", True),
        ("INVOICES INV-2041 AND INV 2042", "INV-2042", True),
        ("Payment inv1001", "1001", True),  # a letter prefix on the reference side
        ("Rechnung 2026-0042", "F2026-0042", True),  # the invoice's own prefix left out
        ("invoices 1001 1002", "1002", True),
        ("ref 10011", "1001", False),  # extra digits are another number
        ("ref 21001", "1001", False),
        ("F-1 and F-2", "F-1", False),  # too short to be told from chance
        ("Facture 2026-118 reglee", "FA-2026-118", True),
    ],
)
def test_invoice_numbers_in_remittance_text(reference: str, number: str, named: bool) -> None:
    assert mentions(reference, number) is named


def test_a_dropped_camt_file_is_imported_by_the_tick(agent: Agent, runtime: Runtime) -> None:
    invoices(runtime, {"Dupont et Fils": [("F-2026-0099", "535.00")]})
    incoming = runtime.settings.payments_dir / "incoming"
    incoming.mkdir(parents=True)
    (incoming / "releve.xml").write_bytes(STATEMENT.read_bytes())
    (incoming / "other.xml").write_text("<Invoice/>", encoding="utf-8")
    report = agent.tick(datetime(2026, 12, 10, 6, 30, tzinfo=UTC))
    assert (
        report.payment_files[0] == "other.xml: failed (XML but not an ISO 20022 CAMT.053 or CAMT.054 message)"
    )
    assert report.payment_files[1].startswith("releve.xml: 4 imported (1 matched, 3 unmatched)")
    assert statuses(runtime) == {"F-2026-0099": "paid"}


class BrokenConnector:
    """A connector whose tool is down: every fetch fails."""

    def __init__(self, name: str, options: dict[str, object], settings: object) -> None:
        self.name = name

    def fetch(self, *, since: datetime | None) -> list[object]:
        raise ConnectionError("accounting API unreachable")


def test_connectors_import_and_a_failing_one_is_reported(
    agent: Agent, runtime: Runtime, tmp_path: Path
) -> None:
    invoices(runtime, {"Dupont et Fils": [("F-2026-0099", "535.00")]})
    export = tmp_path / "share" / "bank.xml"
    export.parent.mkdir()
    export.write_bytes(STATEMENT.read_bytes())
    runtime.settings.payments.connectors = {
        "accounting": {"kind": "tests.test_payment_sources:BrokenConnector"},
        "share": {"kind": "file", "path": str(export)},
    }
    first = agent.tick(datetime(2026, 12, 10, 6, 30, tzinfo=UTC)).payment_files
    assert first[0] == "accounting: failed (accounting API unreachable)"
    assert first[1].startswith("share: 4 imported")
    second = agent.tick(datetime(2026, 12, 11, 6, 30, tzinfo=UTC)).payment_files
    assert second[1].startswith("share: 0 imported (0 matched, 0 unmatched), 4 already known")
    with session_scope(runtime.engine) as session:
        assert session.get(SyncState, "payments.connector.accounting") is None  # never succeeded
        synced = session.get(SyncState, "payments.connector.share")
        assert synced is not None and synced.updated_at == datetime(2026, 12, 11, 6, 30, tzinfo=UTC)
        failures = session.exec(select(AuditEvent).where(AuditEvent.action == "connector_failed")).all()
        assert len(failures) == 2
    assert statuses(runtime) == {"F-2026-0099": "paid"}


def test_a_failing_connector_holds_reminders_once_its_data_is_stale(
    agent: Agent, runtime: Runtime, tmp_path: Path
) -> None:
    invoices(runtime, {"Acme": [("F-2026-0500", "100.00")]})
    with session_scope(runtime.engine) as session:
        account = session.exec(select(Account)).one()
        add_contact(
            session, account=account, email="ap@acme.example", language="fr", name="A", at=runtime.clock.now()
        )
    runtime.settings.reminders.max_payment_sync_age_hours = 24
    runtime.settings.payments.connectors = {
        "accounting": {"kind": "tests.test_payment_sources:BrokenConnector"}
    }
    incoming = runtime.settings.payments_dir / "incoming"
    incoming.mkdir(parents=True)
    (incoming / "bank.csv").write_text("Date;Montant;Libellé\n26/11/2026;5,00;DIVERS\n", encoding="utf-8")
    report = agent.tick(datetime(2026, 11, 27, 8, 5, tzinfo=UTC))  # the courtesy step is due
    (held,) = report.dispatched
    assert (held.state, held.reason) == ("planned", "held: connector accounting never synced")


def test_an_unknown_connector_kind_is_a_clear_error(runtime: Runtime) -> None:
    from agent.payments.connectors import load_connectors

    runtime.settings.payments.connectors = {"pennylane": {"kind": "pennylane"}}
    with pytest.raises(ValueError, match="unknown payment connector kind 'pennylane'"):
        load_connectors(runtime.settings)


def test_a_payment_naming_a_settled_invoice_goes_to_finance(
    agent: Agent, runtime: Runtime, tmp_path: Path
) -> None:
    invoices(runtime, {"Acme": [("F-2026-0900", "100.00")]})
    first = tmp_path / "first.csv"
    first.write_text("Date;Montant;Libellé\n01/12/2026;100,00;FACTURE F-2026-0900\n", encoding="utf-8")
    second = tmp_path / "second.csv"
    second.write_text("Date;Montant;Libellé\n02/12/2026;100,00;FACTURE F-2026-0900 BIS\n", encoding="utf-8")
    assert agent.import_payments(first).paid_invoices == ["F-2026-0900"]
    report = agent.import_payments(second)  # paid twice: not a new allocation, a question
    assert (report.matched, report.unmatched) == (0, 1)
    with session_scope(runtime.engine) as session:
        (task,) = session.exec(select(Task)).all()
    assert task.details["candidates"] == ["F-2026-0900"]
    assert task.details["reasons"][0] == "why: the invoices it names are already settled"
