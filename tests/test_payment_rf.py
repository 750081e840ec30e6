"""A payment quoting the RF creditor reference relance gave an invoice pays that invoice with no doubt,
before any fuzzy rule: in a CSV's remittance text (spaced, lowercase) and in a CAMT structured reference,
through the real import path."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import select

from agent.db import session_scope
from agent.flow.service import Agent
from agent.models import Invoice, Payment, Task
from agent.reminders.payment_details import creditor_reference
from agent.reminders.schedule import plan_reminders
from agent.runtime import Runtime
from tests.helpers import make_account, make_invoice
from tests.iso20022 import schema_problems


def two_invoices_of_one_amount(runtime: Runtime) -> tuple[int, int]:
    """Two open invoices of Acme of 500.00 each: by amount alone the payment is ambiguous."""
    at = runtime.clock.now()
    with session_scope(runtime.engine) as session:
        acme = make_account(session, "Acme", at=at)
        ids = []
        for number in ("F-2026-001", "F-2026-002"):
            invoice = make_invoice(session, acme, number, "500.00", due=date(2026, 12, 2), at=at)
            plan_reminders(session, invoice=invoice, settings=runtime.settings, at=at)
            ids.append(invoice.id or 0)
        return ids[0], ids[1]


def spaced(reference: str) -> str:
    return " ".join(reference[i : i + 4] for i in range(0, len(reference), 4))


def csv(tmp_path: Path, name: str, reference: str, amount: str = "500,00") -> Path:
    path = tmp_path / name
    path.write_text(f"Date;Montant;Libellé;Tiers\n09/12/2026;{amount};{reference};ACME\n", encoding="utf-8")
    return path


def statuses(runtime: Runtime) -> dict[str, str]:
    with session_scope(runtime.engine) as session:
        return {i.number: i.status for i in session.exec(select(Invoice))}


def test_the_rf_reference_settles_what_the_amount_alone_cannot(
    agent: Agent, runtime: Runtime, tmp_path: Path
) -> None:
    _, second = two_invoices_of_one_amount(runtime)
    # A transfer without the reference: two invoices of this amount, a person decides.
    report = agent.import_payments(csv(tmp_path, "plain.csv", "vir sepa acme"))
    assert report.payments[0].reason == "several open invoices of the payer have exactly this amount"
    quoted = f"vir sepa {spaced(creditor_reference(second)).lower()}"
    report = agent.import_payments(csv(tmp_path, "rf.csv", quoted))
    assert (report.matched, report.unmatched) == (1, 0)
    assert report.payments[0].reason == "RF creditor reference in the remittance"
    assert statuses(runtime) == {"F-2026-001": "open", "F-2026-002": "paid"}


def test_the_rf_reference_comes_before_an_invoice_number_in_the_text(
    agent: Agent, runtime: Runtime, tmp_path: Path
) -> None:
    _, second = two_invoices_of_one_amount(runtime)
    report = agent.import_payments(csv(tmp_path, "both.csv", f"F-2026-001 {creditor_reference(second)}"))
    assert report.paid_invoices == ["F-2026-002"]


def test_a_structured_rf_reference_in_camt(agent: Agent, runtime: Runtime, tmp_path: Path) -> None:
    first, _ = two_invoices_of_one_amount(runtime)
    data = CAMT.replace("{RF}", creditor_reference(first)).encode()
    assert schema_problems(data) == []
    path = tmp_path / "camt.xml"
    path.write_bytes(data)
    report = agent.import_payments(path)
    assert report.paid_invoices == ["F-2026-001"]
    assert report.payments[0].reason == "RF creditor reference in the remittance"


def test_the_rf_reference_of_a_paid_invoice_goes_to_finance(
    agent: Agent, runtime: Runtime, tmp_path: Path
) -> None:
    first, _ = two_invoices_of_one_amount(runtime)
    agent.import_payments(csv(tmp_path, "once.csv", creditor_reference(first)))
    again = agent.import_payments(csv(tmp_path, "twice.csv", f"again {creditor_reference(first)}", "500,01"))
    assert again.unmatched == 1
    assert again.payments[0].reason == "the invoices its RF creditor reference names are already settled"
    with session_scope(runtime.engine) as session:
        assert [t.kind for t in session.exec(select(Task))] == ["payment_match"]
        assert statuses(runtime)["F-2026-002"] == "open"


def test_an_rf_reference_of_no_invoice_of_ours_names_nothing(
    agent: Agent, runtime: Runtime, tmp_path: Path
) -> None:
    first, _ = two_invoices_of_one_amount(runtime)
    unknown = creditor_reference(first + 1000)  # valid check digits, but no such invoice
    report = agent.import_payments(csv(tmp_path, "other.csv", f"{unknown} F-2026-001"))
    assert report.paid_invoices == ["F-2026-001"]  # the number rule still applies
    assert report.payments[0].reason == "invoice number in the remittance"
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Payment.status)).one() == "matched"


CAMT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>STMT-RF-1</MsgId><CreDtTm>2026-12-10T06:12:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-RF-1</Id>
      <CreDtTm>2026-12-10T06:12:00</CreDtTm>
      <Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>EUR</Ccy></Acct>
      <Bal>
        <Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp>
        <Amt Ccy="EUR">500.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Dt><Dt>2026-12-09</Dt></Dt>
      </Bal>
      <Ntry>
        <Amt Ccy="EUR">500.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>2026-12-09</Dt></BookgDt>
        <ValDt><Dt>2026-12-09</Dt></ValDt>
        <AcctSvcrRef>BQ20261209-RF-1</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls>
          <TxDtls>
            <AmtDtls><TxAmt><Amt Ccy="EUR">500.00</Amt></TxAmt></AmtDtls>
            <RltdPties><Dbtr><Nm>ACME</Nm></Dbtr></RltdPties>
            <RmtInf>
              <Strd>
                <CdtrRefInf>
                  <Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr></Tp>
                  <Ref>{RF}</Ref>
                </CdtrRefInf>
              </Strd>
            </RmtInf>
          </TxDtls>
        </NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""
