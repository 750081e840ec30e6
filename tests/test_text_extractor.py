"""The deterministic text path: real PDFs through pypdf, and layouts written the way tools print them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from agent.demo.pdfs import render_pdf
from agent.demo.scenario import demo_documents
from agent.documents.extract import ExtractionError, extract_document
from agent.documents.text import extract_from_text
from agent.documents.validate import validate


@pytest.mark.parametrize("number", ["F-2026-0412", "INV-2026-0413", "R-2026-0414", "AV-2026-0007"])
def test_printed_invoices_in_three_languages(number: str) -> None:
    source = demo_documents()[number]
    document = extract_document(f"{number}.pdf", render_pdf(source))
    assert document.source == "text"
    assert document.document_type == source.kind
    assert document.number == number
    assert document.issue_date == source.issue_date
    assert document.currency == source.currency
    assert document.total_gross == source.gross and document.amount_due == source.gross
    assert document.total_net == source.net and document.total_tax == source.tax
    assert document.customer.name == source.customer.name
    assert document.customer.vat_id == source.customer.vat_id
    assert document.supplier.vat_id == source.supplier.vat_id
    assert document.language == source.language
    if source.kind == "invoice":
        expected_due = source.due_date or date.fromordinal(
            source.issue_date.toordinal() + (source.terms_days or 0)
        )
        assert document.due_date == expected_due
        assert document.overall_confidence >= 0.8
    else:
        assert document.referenced_invoice == source.referenced_invoice


def test_labels_above_values_and_us_conventions() -> None:
    text = """
    ACME Software Inc.                                   INVOICE
    500 Market Street, San Francisco                    Invoice #        Date
                                                         US-7781          03/04/2026
    Bill to:
    Globex Corporation
    1 Infinite Loop
    Springfield, USA

    Subtotal                                  $1,250.00
    Sales tax                                   $100.00
    Total due                                 $1,350.00
    Payment terms: Net 30
    """
    document = validate(extract_from_text(text))
    assert document.number == "US-7781"
    assert document.issue_date == date(2026, 3, 4)  # month first in a US document
    assert document.due_date == date(2026, 4, 3)
    assert (document.total_net, document.total_tax, document.total_gross) == (
        Decimal("1250.00"),
        Decimal("100.00"),
        Decimal("1350.00"),
    )
    assert document.currency == "USD"
    assert document.customer.name == "Globex Corporation"


def test_french_terms_end_of_month_and_deposit() -> None:
    text = """
    Studio Lumière SARL                                   FACTURE N° : 2026/118
                                                          Date : 15/01/2026
    Facturé à : Hôtel du Parc SAS
    3 avenue Foch, 75016 Paris, France
    Total HT        1 000,00 €
    TVA 20 %          200,00 €
    Total TTC       1 200,00 €
    Acompte versé     300,00 €
    Paiement à 30 jours fin de mois.
    """
    document = validate(extract_from_text(text))
    assert document.number == "2026/118"
    assert document.due_date == date(2026, 2, 28)  # 15 Jan + 30 days = 14 Feb, then end of that month
    assert document.amount_due == Decimal("900.00")
    assert document.customer.name == "Hôtel du Parc SAS"
    assert document.customer.country == "FR"


def test_inconsistent_totals_are_doubted_not_fixed() -> None:
    text = (
        "Rechnung Nr. 55\nRechnungsdatum: 01.02.2026\nFällig am: 01.03.2026\nKunde: Beispiel GmbH\n"
        "Nettobetrag 100,00 EUR\nUSt. 19,00 EUR\nGesamtbetrag 120,00 EUR\n"
    )
    document = validate(extract_from_text(text))
    assert any("!= gross" in warning for warning in document.warnings)
    assert document.confidence["total_gross"] < 0.8


def test_unreadable_files_say_why() -> None:
    with pytest.raises(ExtractionError, match="not a PDF"):
        extract_document("notes.txt", b"hello")
    with pytest.raises(ExtractionError, match="cannot be read"):
        extract_document("broken.pdf", b"%PDF-1.7\n garbage")


def test_totals_under_a_header_row_and_vat_ids_are_not_amounts() -> None:
    text = "\n".join(
        [
            "FACTURE N° : F-88                                                Date : 31/01/2026",
            "Client",
            "Le Client SA",
            "N° TVA : FR 32 123 456 789",
            "Pénalités de retard : trois fois le taux légal.     TOTAL HT        TOTAL TVA        TOTAL TTC",
            "Indemnité forfaitaire : 40 €.",
            "                                                    100,00            4,90             104,90",
            "Date d'échéance : 02/03/2026                        NET A PAYER                  104,90 EUR",
            "Siège : 35 rue X – N° TVA : FR32 123 456 789",
        ]
    )
    document = validate(extract_from_text(text))
    assert (document.total_net, document.total_tax, document.total_gross, document.amount_due) == (
        Decimal("100.00"),
        Decimal("4.90"),
        Decimal("104.90"),
        Decimal("104.90"),
    )


def test_form_layout_with_title_line_number_and_labelled_fields() -> None:
    text = "\n".join(
        [
            "   Handelsrechnung (380)                                  14.03.2026   Nr. HR-2026-77   vom",
            "     Währung:                                             EUR",
            "     Käufer/Leistungsempfänger",
            "     Anschrift:                                           Kundenweg 4",
            "     Name:                                                Beispiel Handel GmbH",
            "",
            "     Gesamtbetrag                                         119,00",
        ]
    )
    document = extract_from_text(text)
    assert document.number == "HR-2026-77" and document.confidence["number"] == 0.8
    assert document.customer.name == "Beispiel Handel GmbH"


def test_a_contact_line_and_a_salutation_are_not_the_name() -> None:
    contact_first = (
        "FACTURE N° F-9\nAcheteur\nContact : Service achats\nSARL Les Trois Chênes\n12 rue Haute\n"
    )
    assert extract_from_text(contact_first).customer.name == "SARL Les Trois Chênes"
    salutation = "RECHNUNG Nr. R-5\nRechnungsempfänger\nHerrn\nMax Beispiel\nHauptstraße 1\n"
    assert extract_from_text(salutation).customer.name == "Herrn Max Beispiel"


def test_a_misread_tax_never_changes_the_printed_gross() -> None:
    text = (
        "FACTURE N° F-77\nDate : 01/02/2026\nÉchéance : 03/03/2026\nClient : Alpha SARL\n"
        "Total HT 100,00 EUR\nTVA 1\nTotal TTC 100,00 EUR\n"
    )
    document = validate(extract_from_text(text))
    assert document.total_gross == Decimal("100.00")  # as printed, not net + a misread tax
    assert document.confidence["total_gross"] < 0.8 and document.confidence["amount_due"] < 0.8
