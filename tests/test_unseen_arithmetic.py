"""Totals confirmed by the document's own arithmetic, on layouts the extractor was not written on (made-up
values and wordings; each case fails without its rule): a total's kind in parentheses, a VAT total among
VAT rows, the tax from VAT rows alone, a grid of totals with a prepayment, and an amount no second printed
figure confirms, which a person checks."""

from __future__ import annotations

from decimal import Decimal

from agent.documents.text import extract_from_text
from agent.documents.verdict import doubts

HEAD = (
    "Rechnung Nr. 7781\nRechnungsdatum: 02.03.2026\nFällig am: 01.04.2026\n"
    "Kunde\nHolzbau Meier GmbH\nWeg 4\n12345 Ort\n"
)


def _totals(text: str) -> tuple[Decimal | None, ...]:
    document = extract_from_text(text)
    return document.total_net, document.total_tax, document.total_gross, document.amount_due


def test_a_totals_kind_in_parentheses_is_its_label() -> None:
    text = (
        "                                   Total (net):        1,000.00 EUR\n"
        "                                      VAT 20 %:          200.00 EUR\n"
        "                                 Total (gross):        1,200.00 EUR\n"
    )
    assert _totals(text) == (Decimal("1000.00"), Decimal("200.00"), Decimal("1200.00"), Decimal("1200.00"))
    german = (
        "Rechnungssumme Netto (excl. USt.)    400,00\nUSt. 19 %    76,00\n"
        "Rechnungssumme Brutto (inkl. USt.)   476,00\n"
    )
    assert _totals(german)[2] == Decimal("476.00")


def test_the_vat_total_is_the_tax_among_vat_rows() -> None:
    text = (
        "                 Total (net):     2,000.00 EUR\n"
        "                     VAT 7 %:        70.00 EUR\n"
        "                    VAT 19 %:       190.00 EUR\n"
        "                   VAT total:       260.00 EUR\n"
        "               Total (gross):     2,260.00 EUR\n"
    )
    assert _totals(text)[1] == Decimal("260.00")


def test_vat_rows_that_add_up_to_gross_less_net_give_the_tax() -> None:
    text = (
        "Rechnungssumme Netto (excl. USt.)                          300,00\n"
        "Steuerbasisbetrag USt. 7%                      100,00       7,00\n"
        "Steuerbasisbetrag USt. 19%                     200,00      38,00\n"
        "Rechnungssumme Brutto (inkl. USt.)                         345,00\n"
    )
    assert _totals(text)[1] == Decimal("45.00")


def test_a_grid_of_totals_with_a_prepayment_confirms_the_balance() -> None:
    text = HEAD + (
        "     Sous-total          Montant TVA          Net à payer          Acompte versé          Solde dû\n"
        "   1 000,00 EUR          200,00 EUR          1 200,00 EUR            300,00 EUR        900,00 EUR\n"
    )
    document = extract_from_text(text)
    assert (document.total_gross, document.amount_due) == (Decimal("1200.00"), Decimal("900.00"))
    assert document.confidence["amount_due"] >= 0.8


def test_an_amount_no_second_figure_confirms_goes_to_a_person() -> None:
    alone = HEAD + "Gesamtbetrag brutto:    1.190,00 EUR\n"
    document = extract_from_text(alone)
    assert document.amount_due == Decimal("1190.00")
    assert any("amount_due" in str(reason) for reason in doubts(document, 0.8, []))
    confirmed = (
        HEAD + "Nettobetrag:   1.000,00 EUR\nMwSt. 19 %:   190,00 EUR\nGesamtbetrag brutto:    1.190,00 EUR\n"
    )
    assert not doubts(extract_from_text(confirmed), 0.8, [])
    # an amount due that is neither the gross nor the gross less a prepayment
    odd = confirmed + "Zahlbetrag:    990,00 EUR\n"
    assert extract_from_text(odd).confidence["amount_due"] < 0.8


def test_the_sum_row_of_a_table_per_vat_rate_is_the_total() -> None:
    """The first row closes net + tax = gross as well as the sums do: the column's sum is the total."""
    table = (
        "   Warenwert      Nettobetrag       MwSt-Betrag    MwSt-%        Endbetrag\n"
        "     -5,00          -4,85             -0,92        19,0            -5,77\n"
        "     -2,90          -2,82             -0,20         7,0            -3,02\n"
        "\n"
        "     -7,90          -7,67             -1,12         EUR            -8,79\n"
    )
    assert _totals(HEAD + table)[:3] == (Decimal("7.67"), Decimal("1.12"), Decimal("8.79"))
    # rows without their sum: no row is the total for sure
    rows_only = HEAD + table.rsplit("\n\n", 1)[0] + "\n"
    assert extract_from_text(rows_only).confidence["amount_due"] < 0.8


def test_a_party_identifier_line_is_not_the_name() -> None:
    text = "Käufer\nGLN 4304171000002\nMUSTER-KUNDE GMBH\nKUNDENWEG 88\n40235 DUESSELDORF\n"
    assert extract_from_text(text).customer.name == "MUSTER-KUNDE GMBH"
