"""E-invoice XML is mapped exactly: UBL, CII (Factur-X) and the corpus as a regression floor."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from agent.documents.einvoice import NotAnEInvoice, embedded_xml, parse_einvoice
from agent.documents.extract import ExtractionError, extract_document
from tests.conftest import SHARED_CORPUS

DATA = Path(__file__).parent / "data"


def test_ubl_credit_note() -> None:
    document = parse_einvoice((DATA / "ubl-credit-note.xml").read_bytes())
    assert document.source == "ubl" and document.document_type == "credit_note"
    assert document.number == "CN-77" and document.referenced_invoice == "INV-1001"
    assert (document.total_net, document.total_tax, document.total_gross) == (
        Decimal("100.00"),
        Decimal("21.00"),
        Decimal("121.00"),
    )
    assert document.customer.name == "Grachten Handel B.V."  # wrapped over two lines in the XML
    assert document.customer.country == "NL" and document.customer.email == "ap@grachten.example"
    assert document.lines[0].quantity == Decimal("2") and document.lines[0].unit_price == Decimal("50.00")


def test_cii_prepaid_invoice_owes_nothing() -> None:
    document = parse_einvoice((DATA / "cii-prepaid.xml").read_bytes())
    assert document.amount_due == Decimal("0.00")  # not the gross: 0.00 is a value, not "missing"
    assert document.total_tax == Decimal("190.00")  # the invoice currency's tax total, not the USD one
    assert str(document.due_date) == "2026-10-31"
    assert document.customer.vat_id == "DE271828180"
    assert document.customer.address == "Unter den Linden 5, 10115 Berlin"


def test_not_an_einvoice() -> None:
    with pytest.raises(NotAnEInvoice):
        parse_einvoice(b"<?xml version='1.0'?><Order/>")
    with pytest.raises(ExtractionError, match="not well-formed"):
        extract_document("broken.xml", b"<?xml version='1.0'?><Invoice")


def _corpus_files() -> list[Path]:
    if not SHARED_CORPUS.exists():
        return []
    return sorted((SHARED_CORPUS / "xml").glob("*.xml")) + sorted((SHARED_CORPUS / "einvoices").glob("*.pdf"))


@pytest.mark.skipif(not SHARED_CORPUS.exists(), reason="the shared invoice corpus is not beside this clone")
def test_corpus_xml_path_is_exact_on_key_fields() -> None:
    mismatches = []
    for path in _corpus_files():
        truth = json.loads(path.with_name(path.name.rsplit(".", 1)[0] + ".truth.json").read_text())
        xml = path.read_bytes() if path.suffix == ".xml" else embedded_xml(PdfReader(path))
        assert xml is not None, path.name
        document = parse_einvoice(xml)
        totals = truth["totals"]
        expected = {
            "number": truth["invoice_number"],
            "issue_date": truth["issue_date"],
            "due_date": truth["due_date"],
            "currency": truth["currency"],
            "customer": truth["buyer"]["name"],
            "type": "credit_note" if truth["document_kind"] == "credit_note" else "invoice",
            "gross": Decimal(totals["grand_total"]) if totals["grand_total"] else None,
            "due": Decimal(totals["due_payable"]) if totals["due_payable"] else None,
        }
        got = {
            "number": document.number,
            "issue_date": str(document.issue_date) if document.issue_date else None,
            "due_date": str(document.due_date) if document.due_date else None,
            "currency": document.currency,
            "customer": document.customer.name,
            "type": document.document_type,
            "gross": document.total_gross,
            "due": document.amount_due,
        }
        wrong = {
            k: (expected[k], got[k]) for k in expected if expected[k] is not None and expected[k] != got[k]
        }
        if wrong:
            mismatches.append((path.name, wrong))
    assert len(_corpus_files()) > 250
    assert mismatches == []
