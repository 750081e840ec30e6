"""The VAT breakdown: exact from e-invoice XML, read by its arithmetic on printed pages, checked always.

The printed layouts are made up (in the styles of French billing tools and German e-invoice viewers);
each case fails without the rule it names.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from agent.documents.einvoice import embedded_xml, parse_einvoice
from agent.documents.schema import ExtractedDocument, VatRate
from agent.documents.tax_table import find_vat_breakdown
from agent.documents.text import extract_from_text
from agent.documents.validate import validate
from tests.conftest import SHARED_CORPUS

DATA = Path(__file__).parent / "data"
D = Decimal


def rates(breakdown: list[VatRate]) -> list[tuple[Decimal, Decimal, Decimal]]:
    return [(r.rate, r.taxable, r.tax) for r in breakdown]


FRENCH = """
Facture F-2026-118                                              Date : 03/11/2026
Client :  Épicerie du Port, 4 quai Nord, 13002 Marseille

Désignation                       Qté      P.U. HT      TVA        Total HT
Nougat 250 g                       20        4,55      5,5 %          91,00
Coffret cadeau                      3       30,00       20 %          90,00
Livraison                           1       10,00       20 %          10,00

Taxe                                  Base          Montant
TVA collectée 5,5 %                  91,00 €          5,01 €
TVA collectée 20,0 %                100,00 €         20,00 €
                                                          Total HT        191,00 €
                                                          Total TVA        25,01 €
                                                          Total TTC       216,01 €
"""


def test_rows_that_add_up_to_the_totals_not_the_items() -> None:
    # Each item row closes at its rate too ("Livraison 10,00 at 20 %" would be 2,00): only the set
    # that adds up to the net and tax totals is the breakdown.
    document = extract_from_text(FRENCH)
    assert (document.total_net, document.total_tax) == (D("191.00"), D("25.01"))
    assert rates(document.vat_breakdown) == [
        (D("5.5"), D("91.00"), D("5.01")),
        (D("20.0"), D("100.00"), D("20.00")),
    ]
    assert document.confidence["vat_breakdown"] >= 0.8


VIEWER = """
  Rechnung Nr. 4711   vom   12.05.2026
  Währung:              GBP
  Käufer
  Name:                 Holzbau Meier GmbH
  Art (Kategorie)       Warenwert     Zu-/Abschlag     Basisbetrag     Steuersatz [%]     Steuerbetrag
  Umsatzsteuer  S ( )     850,00          8,75            858,75             19              163,16
  Rechnungssumme ohne USt.                                                   858,75
  Steuerbetrag in   GBP                                                      163,16
  Steuerbetrag in   EUR                                                      183,14
  Gesamtbetrag                                                              1.021,91
"""


def test_a_rate_printed_without_percent_on_a_row_that_names_the_tax() -> None:
    document = extract_from_text(VIEWER)
    assert rates(document.vat_breakdown) == [(D("19"), D("858.75"), D("163.16"))]
    # the tax in the invoice's currency, not the one converted for the tax office
    assert document.currency == "GBP" and document.total_tax == D("163.16")


def test_one_printed_rate_that_closes_the_totals() -> None:
    page = """
    Invoice INV-9                                   Date: 2026-05-12
    Bill to: Northwind Ltd
    Consulting, 10 days at 450.00                                  4,500.00
    Subtotal                                                       4,500.00
    VAT 20%                                                          900.00
    Total                                                          5,400.00
    """
    document = extract_from_text(page)
    assert rates(document.vat_breakdown) == [(D("20"), D("4500.00"), D("900.00"))]
    assert document.confidence["vat_breakdown"] < 0.9  # read from the totals, not from a row


def test_no_breakdown_when_nothing_adds_up() -> None:
    lines = ["Widget   2   10,00   20 %   4,00", "Total HT   100,00", "TVA   20,00"]
    assert find_vat_breakdown(lines, D("100.00"), D("20.00"), "EUR") == (
        [VatRate(rate=D("20"), taxable=D("100.00"), tax=D("20.00"))],
        0.8,
    )  # the one printed rate closes the totals; the item row does not add up
    assert find_vat_breakdown(lines, D("100.00"), D("21.00"), "EUR") is None
    assert find_vat_breakdown(lines, None, D("20.00"), "EUR") is None  # nothing to check rows against


def test_a_credit_note_printed_negative_has_a_positive_breakdown() -> None:
    page = """
    Avoir AV-2026-0005                                    Date : 05/11/2026
    Client :  Épicerie du Port
    TVA collectée (vente) 20,0 %            -20,48 €            -4,10 €
    TVA collectée (vente) 5,5 %            -198,00 €           -10,89 €
    Total HT                                                  -218,48 €
    Total TVA                                                  -14,99 €
    Total TTC                                                 -233,47 €
    """
    document = extract_from_text(page)
    assert document.document_type == "credit_note"
    assert rates(document.vat_breakdown) == [
        (D("20.0"), D("20.48"), D("4.10")),
        (D("5.5"), D("198.00"), D("10.89")),
    ]


def test_totals_row_under_its_headers() -> None:
    # "TOTAL TVA"'s own figure stands a line lower; the one right of it is the "TOTAL TTC".
    page = """
    Facture F-1                                              Date : 03/11/2026
    Client : Le Client
                                 TOTAL HT         TOTAL TVA          TOTAL TTC
                                   100,00                              108,00
                                                       8,00
    S    20,00 %     40,00     8,00
    E     0,00 %     60,00     0,00
    """
    document = extract_from_text(page)
    assert (document.total_net, document.total_tax, document.total_gross) == (
        D("100.00"),
        D("8.00"),
        D("108.00"),
    )
    assert rates(document.vat_breakdown) == [
        (D("20.00"), D("40.00"), D("8.00")),
        (D("0.00"), D("60.00"), D("0.00")),
    ]


def _with_breakdown(*rows: VatRate, net: str, tax: str, currency: str = "EUR") -> ExtractedDocument:
    document = ExtractedDocument(
        source="ubl", currency=currency, total_net=D(net), total_tax=D(tax), total_gross=D(net) + D(tax)
    )
    document.vat_breakdown = list(rows)
    document.confidence["vat_breakdown"] = 1.0
    return validate(document)


def test_validation_checks_each_rate_and_the_sums() -> None:
    good = _with_breakdown(
        VatRate(rate=D("20"), taxable=D("100.00"), tax=D("20.00")), net="100.00", tax="20.00"
    )
    assert good.confidence["vat_breakdown"] == 1.0
    wrong_rate = _with_breakdown(
        VatRate(rate=D("20"), taxable=D("100.00"), tax=D("21.00")), net="100.00", tax="21.00"
    )
    assert wrong_rate.confidence["vat_breakdown"] < 0.5
    assert "VAT at 20 % on 100.00 is 20.00, not 21.00" in wrong_rate.warnings
    short = _with_breakdown(
        VatRate(rate=D("20"), taxable=D("50.00"), tax=D("10.00")), net="100.00", tax="20.00"
    )
    assert any("add up to 50.00, not the net 100.00" in w for w in short.warnings)
    # forints are paid in whole units: a tax rounded to one is right
    forints = _with_breakdown(
        VatRate(rate=D("27"), taxable=D("69180"), tax=D("18679")), net="69180", tax="18679", currency="HUF"
    )
    assert forints.confidence["vat_breakdown"] == 1.0


def test_ubl_subtotals() -> None:
    xml = (DATA / "ubl-credit-note.xml").read_text()
    subtotal = (
        '<cac:TaxSubtotal><cbc:TaxableAmount currencyID="EUR">100.00</cbc:TaxableAmount>'
        '<cbc:TaxAmount currencyID="EUR">21.00</cbc:TaxAmount><cac:TaxCategory><cbc:ID>S</cbc:ID>'
        "<cbc:Percent>21</cbc:Percent></cac:TaxCategory></cac:TaxSubtotal>"
    )
    xml = xml.replace(
        "21.00</cbc:TaxAmount></cac:TaxTotal>", f"21.00</cbc:TaxAmount>{subtotal}</cac:TaxTotal>"
    )
    document = parse_einvoice(xml.encode())
    assert document.vat_breakdown == [
        VatRate(rate=D("21"), taxable=D("100.00"), tax=D("21.00"), category="S")
    ]


@pytest.mark.skipif(not SHARED_CORPUS.exists(), reason="the shared invoice corpus is not beside this clone")
def test_corpus_xml_breakdowns_are_exact() -> None:
    checked = 0
    for truth_file in sorted((SHARED_CORPUS / "einvoices").glob("*.truth.json"))[::3]:
        truth = json.loads(truth_file.read_text())
        xml = embedded_xml(PdfReader(truth_file.with_name(truth_file.name.replace(".truth.json", ".pdf"))))
        document = parse_einvoice(xml)
        sign = -1 if D(truth["totals"]["grand_total"] or 0) < 0 else 1  # the product keeps amounts positive
        expected = [
            (D(r["rate"] or 0), sign * D(r["basis"]), sign * D(r["tax"])) for r in truth["vat_breakdown"]
        ]
        assert sorted(rates(document.vat_breakdown)) == sorted(expected), truth_file.name
        checked += bool(expected)
    assert checked > 20
