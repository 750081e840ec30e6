"""Document numbers and references on layouts the extractor was not written on (made-up values; each
case fails without its rule)."""

from __future__ import annotations

from datetime import date

import pytest

from agent.documents import labels, layouts
from agent.documents.labelled import NUMBER_VALUE, find_after_label
from agent.documents.text import extract_from_text


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("N° de pièce: FA-2025-9805", "FA-2025-9805"),
        ("#  INV-000436", "INV-000436"),
        ("Doc. n.                        007014", "007014"),
        ("N. documento:  FA-2025-7110", "FA-2025-7110"),
        ("Nr.   RE202507568", "RE202507568"),
        ("Documento n.º  A-17/2025", "A-17/2025"),
    ],
)
def test_bare_number_labels(line: str, number: str) -> None:
    document = extract_from_text(f"FACTURE\n\n{line}\nDate : 02/03/2025\n")
    assert document.number == number
    assert document.confidence["number"] >= 0.8


def test_a_bare_label_over_a_short_count_is_not_sure() -> None:
    document = extract_from_text("Rechnung\nNr.  7\nDatum: 02.03.2025\n")
    assert document.number == "7" and document.confidence["number"] < 0.8


def test_a_grid_of_labels_over_values() -> None:
    text = (
        "FACTURE\nNuméro            Date de facture          Code client\n"
        "006641            01/03/2025               68414\n"
    )
    document = extract_from_text(text)
    assert (document.number, document.issue_date) == ("006641", date(2025, 3, 1))


def test_a_label_does_not_span_a_column_gap() -> None:
    # "factura" and "Nº" are in two cells: no "factura nº" label, so the day of the date is no number.
    text = (
        "Nota de crédito\nNº rectificativa       Fecha de factura       Nº cliente\n"
        "FA-2025-5528           2 febrero 2025         12874\n"
    )
    document = extract_from_text(text)
    assert document.number == "FA-2025-5528"
    lines = ["Fecha de factura        Nº cliente", "X-2025-1                12874"]
    assert find_after_label(lines, labels.NUMBER, NUMBER_VALUE) is None


def test_the_invoice_a_credit_note_corrects_is_not_its_own() -> None:
    text = (
        "Gutschrift zur Rechnung RE202508056 vom 26.01.2025\n"
        "GUTSCHRIFT\nBeleg-Nr.   RE202507568\nBelegdatum   07.03.2025\n"
        "Gesamtbetrag   1.502,08 EUR\n"
    )
    document = extract_from_text(text)
    assert document.document_type == "credit_note"
    assert (document.number, document.issue_date) == ("RE202507568", date(2025, 3, 7))
    assert document.referenced_invoice == "RE202508056"
    # With no labels, the title line gives the number and date: the reference line is no title line.
    document = extract_from_text(
        "Gutschrift zur Rechnung RE202508056 vom 26.01.2025\nGUTSCHRIFT Nr. GS-77 vom 07.03.2025\n"
    )
    assert (document.number, document.issue_date) == ("GS-77", date(2025, 3, 7))


@pytest.mark.parametrize(
    "sentence",
    [
        "Korrektur zu Rechnung RE-4711 vom 02.01.2025",
        "Rectifica la factura RE-4711 de fecha 2 enero 2025",
        "Credit note for invoice RE-4711 dated 02/01/2025",
        "Nota di credito relativa alla fattura RE-4711 del 02/01/2025",
        "Creditering van factuur RE-4711 van 02-01-2025",
        "Referente à fatura RE-4711 de 02/01/2025",
        "Avoir sur facture RE-4711 du 02/01/2025",
    ],
)
def test_references_in_every_language(sentence: str) -> None:
    assert extract_from_text(f"Credit note\n{sentence}\n").referenced_invoice == "RE-4711"


def test_a_number_that_may_be_cut_short_is_checked() -> None:
    cut = extract_from_text("Teilrechnung Bau (875)   Nr. 210111 mit LV   vom   30.05.2026\n")
    assert cut.number == "210111" and cut.confidence["number"] < 0.8
    whole = extract_from_text("Teilrechnung Bau (875)   Nr. 210111 vom 30.05.2026\n")
    assert whole.number == "210111" and whole.confidence["number"] >= 0.8  # a filler and a date follow


@pytest.mark.parametrize(("label", "number"), [("Gutschrift-Nr.", "2025/4987"), ("Credit #:", "INV-000580")])
def test_credit_note_number_labels(label: str, number: str) -> None:
    assert extract_from_text(f"Gutschrift\n{label}   {number}\n").number == number


def test_a_layout_memory_does_not_confirm_a_number_that_may_be_cut_short() -> None:
    whole = extract_from_text("Teilrechnung Bau (875)   Nr. 210110 vom 30.05.2026\n")
    cut = extract_from_text("Teilrechnung Bau (875)   Nr. 210111 mit LV   vom   30.05.2026\n")
    layouts.apply_memory(cut, {"number": whole.provenance["number"]})
    assert cut.confidence["number"] < 0.8 and "number" not in cut.layout_confirmed
