"""Due dates printed only in a sentence or given by terms, on layouts the extractor was not written on
(made-up values; each case fails without its rule)."""

from __future__ import annotations

from datetime import date

import pytest

from agent.documents.text import due_from_terms, extract_from_text

HEAD = "FACTURE N° FA-1\nDate de facture : 14/12/2025\n"


@pytest.mark.parametrize(
    ("sentence", "due"),
    [
        ("Merci de régler cette facture avant le 24 décembre 2025.", date(2025, 12, 24)),
        ("Bitte überweisen Sie den Betrag bis zum 30.12.2025.", date(2025, 12, 30)),
        ("Please pay by 12 March 2026.", date(2026, 3, 12)),
        ("Rogamos efectúe el pago antes del 5 enero 2026.", date(2026, 1, 5)),
        ("Pagamento entro il 31/12/2025 tramite bonifico.", date(2025, 12, 31)),
        ("Gelieve te betalen vóór 29-12-2025.", date(2025, 12, 29)),
        ("Pagamento até 28/12/2025 por transferência bancária.", date(2025, 12, 28)),
    ],
)
def test_a_due_date_in_a_sentence(sentence: str, due: date) -> None:
    document = extract_from_text(f"{HEAD}\n{sentence}\n")
    assert document.due_date == due
    assert document.confidence["due_date"] >= 0.8


def test_a_date_after_by_that_is_not_about_paying_is_no_due_date() -> None:
    document = extract_from_text(f"{HEAD}\nDelivered by 20/12/2025 to the warehouse.\n")
    assert document.due_date is None


@pytest.mark.parametrize(
    ("terms", "due"),
    [
        ("Conditions de paiement : 30 jours fin de mois", date(2026, 1, 31)),
        ("Terms: Net 45", date(2026, 1, 28)),
        ("Zahlungsbedingungen: 14 Tage netto", date(2025, 12, 28)),
        ("Pagamento: bonifico 60 giorni data fattura", date(2026, 2, 12)),
    ],
)
def test_a_due_date_from_terms(terms: str, due: date) -> None:
    assert extract_from_text(f"{HEAD}\n{terms}\n").due_date == due


def test_a_net_amount_is_no_payment_term() -> None:
    text = "Summe netto        27.099,08\nZahlbar innerhalb von 14 Tagen\n"
    assert due_from_terms(text, date(2025, 1, 16)) == date(2025, 1, 30)


@pytest.mark.parametrize(
    ("issued", "due"),
    [("Issued", "Due"), ("Data documento", "Data scadenza"), ("Issued on", "Data di scadenza")],
)
def test_short_and_italian_date_labels(issued: str, due: str) -> None:
    document = extract_from_text(f"INVOICE\nInvoice No.: A-1\n{issued}: 02/03/2025\n{due}: 16/03/2025\n")
    assert (document.issue_date, document.due_date) == (date(2025, 3, 2), date(2025, 3, 16))


def test_a_payment_deadline_label() -> None:
    text = f"{HEAD}Date limite de paiement le 05 Janvier 2026                 29.99 € TTC\n"
    assert extract_from_text(text).due_date == date(2026, 1, 5)
