"""A person's answer to a review, read deterministically; the corrected document checked again; and the
places a correction teaches the layout memory."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.documents import layouts
from agent.documents.corrections import (
    FIELD_NAMES,
    SHOWN,
    TYPE_NAMES,
    CorrectionError,
    apply_corrections,
    field_named,
    read_review_answer,
    read_value,
    shown_fields,
)
from agent.documents.placement import PageText, read_at, teach
from agent.documents.schema import ExtractedDocument, Party
from agent.documents.text import extract_from_text


@pytest.mark.parametrize(
    "reply",
    [
        "OK",
        "ok, merci",
        "C'est bon",
        "Alles richtig, danke",
        "Sí, correcto",
        "Va bene, grazie",
        "Klopt",
        "Sim",
    ],
)
def test_a_plain_yes_confirms(reply: str) -> None:
    assert read_review_answer(f"Bonjour,\n\n{reply}\n\nMarie").decision == "confirm"


@pytest.mark.parametrize(
    "reply",
    [
        "Correct the amount please",  # a word that confirms, in a sentence that does not
        "OK pour le numéro mais pas la date",
        "Je regarde et je reviens vers vous",
        "",
    ],
)
def test_a_sentence_decides_nothing(reply: str) -> None:
    answer = read_review_answer(reply)
    assert answer.decision == "unclear" and answer.problems


@pytest.mark.parametrize("reply", ["ignore", "Ignorer, merci", "ignorieren", "Ignorar", "ignora", "negeren"])
def test_ignore_sets_aside(reply: str) -> None:
    assert read_review_answer(reply).decision == "reject"


def test_corrections_are_read_in_the_field_names_of_every_language() -> None:
    for language, names in FIELD_NAMES.items():
        for name, label in zip(SHOWN, names, strict=True):
            assert field_named(label) == name, (language, label)
            assert field_named(f"  {label.upper()} ") == name
    answer = read_review_answer(
        "Bonjour,\nÉchéance : 2 mars 2027\nMontant dû: 1 234,50 €\n- Client = Acme SA\nMerci"
    )
    assert answer.decision == "confirm"
    assert answer.corrections == {
        "due_date": date(2027, 3, 2),
        "amount_due": Decimal("1234.50"),
        "customer_name": "Acme SA",
    }


def test_a_value_that_cannot_be_used_is_said() -> None:
    answer = read_review_answer("Due date: 31/02/2027\nAmount due: lots")
    assert answer.decision == "unclear"
    assert answer.problems == [
        "“31/02/2027” is not a date (write it as 2026-12-15 or 15/12/2026)",
        "“lots” is not an amount (amounts are positive: 1 200,00 or 1,200.00)",
    ]
    assert read_review_answer("ignore\nDue date: 2027-01-01").decision == "unclear"  # both at once


def test_values_follow_the_company_date_order_and_every_type_name() -> None:
    assert read_value("due_date", "03/04/2027") == date(2027, 4, 3)
    assert read_value("due_date", "03/04/2027", month_first=True) == date(2027, 3, 4)
    assert read_value("due_date", "2027-04-03", month_first=True) == date(2027, 4, 3)
    assert read_value("currency", "gbp") == "GBP"
    for invoice, credit in TYPE_NAMES.values():
        assert read_value("document_type", invoice.upper()) == "invoice"
        assert read_value("document_type", credit) == "credit_note"
    for name, text in (("currency", "EURO"), ("total_gross", "-12,00"), ("document_type", "devis")):
        with pytest.raises(CorrectionError):
            read_value(name, text)


def read(**values: object) -> ExtractedDocument:
    document = ExtractedDocument(
        source="text",
        number="F-1",
        issue_date=date(2026, 11, 2),
        due_date=date(2026, 12, 2),
        currency="EUR",
        total_net=Decimal("100.00"),
        total_tax=Decimal("20.00"),
        total_gross=Decimal("120.00"),
        amount_due=Decimal("120.00"),
        customer=Party(name="Acme SA"),
        confidence={"due_date": 0.3},
        warnings=["due date computed from the payment terms"],
    )
    return document.model_copy(update=values)


def test_a_correction_is_vouched_for_and_checked_again() -> None:
    checked, problems = apply_corrections(read(), {"due_date": date(2026, 12, 31)})
    assert problems == [] and checked.due_date == date(2026, 12, 31)
    assert checked.overall_confidence == 1.0 and checked.warnings == []

    _, problems = apply_corrections(read(), {"due_date": date(2026, 10, 1)})
    assert problems == ["due date 2026-10-01 is before issue date 2026-11-02"]

    _, problems = apply_corrections(read(due_date=None), {})
    assert problems == ["the due date is missing: please give it"]
    _, problems = apply_corrections(read(due_date=None, document_type="credit_note"), {})
    assert problems == []  # a credit note is not chased: no due date needed


def test_a_corrected_total_carries_the_amount_due_only_when_nothing_was_prepaid() -> None:
    gross = {"total_gross": Decimal("240.00"), "total_net": Decimal("200.00"), "total_tax": Decimal("40.00")}
    checked, problems = apply_corrections(read(), gross)
    assert problems == [] and checked.amount_due == Decimal("240.00")
    prepaid = read(amount_due=Decimal("20.00"))
    checked, problems = apply_corrections(prepaid, gross)
    assert problems == [] and checked.amount_due == Decimal("20.00")
    _, problems = apply_corrections(read(), {"total_gross": Decimal("240.00")})
    assert problems == ["net 100.00 + tax 20.00 != gross 240.00"]  # the other totals must follow


def test_the_review_shows_what_finance_can_type_back() -> None:
    for language in FIELD_NAMES:
        for name, label, shown in shown_fields(read(), language):
            assert field_named(label) == name
            if name in ("issue_date", "due_date", "total_gross", "document_type", "number", "currency"):
                answer = read_review_answer(f"{label}: {shown}")
                assert answer.decision == "confirm", (language, label, shown, answer.problems)
                assert answer.corrections[name] == getattr(read(), name), (language, label, shown)


LAYOUT = """ACME BILLING                                              FACTURE
                                                          Facture N°: {number}
Client                                                    Date: {issue}
Boulangerie Dupont SARL                                   Règlement attendu le   {due}
8 place Bellecour, 69002 Lyon

Désignation                        Qté        Montant HT
Prestation                           1          {net}

                                          Total HT           {net}
                                          TVA 20 %           {tax}
                                          Total TTC          {gross}
                                          Reste dû
                                          {due_amount}
"""


def page(**values: str) -> PageText:
    defaults = {
        "number": "F-2026-0001",
        "issue": "02/11/2026",
        "due": "15/12/2026",
        "net": "1 000,00",
        "tax": "200,00",
        "gross": "1 200,00",
        "due_amount": "700,00",
    }
    return PageText(LAYOUT.format(**{**defaults, **values}), currency="EUR")


def test_teach_finds_the_label_right_of_or_above_a_value_and_reads_it_back_on_the_next_document() -> None:
    first = page()
    assert teach(first, "due_date", date(2026, 12, 15)) == "règlement attendu le|right"
    assert teach(first, "amount_due", Decimal("700.00")) == "reste dû|below"
    assert teach(first, "number", "F-2026-0001") == "facture n|right"
    assert teach(first, "due_date", date(2026, 12, 16)) is None  # not printed: nothing to learn
    assert teach(first, "total_gross", Decimal("69002")) is None  # printed, in an address: no label

    second = page(number="F-2026-0002", due="10/01/2027", due_amount="1 200,00")
    found = read_at(second, "due_date", "règlement attendu le|right")
    assert found is not None and found.value == "10/01/2027"
    owed = read_at(second, "amount_due", "reste dû|below")
    assert owed is not None and owed.value == "1 200,00"
    assert read_at(second, "due_date", "échéance|right") is None  # a place this layout does not have


def test_a_document_of_a_taught_layout_is_read_at_the_taught_place() -> None:
    first = extract_from_text(page().text)
    assert first.due_date is None and first.layout is None  # the extractor knows no such label
    first.layout = layouts.fingerprint(first)
    assert first.layout is not None
    remembered = {**first.provenance, "due_date": "règlement attendu le|right"}

    second = extract_from_text(page(number="F-2026-0002", due="10/01/2027").text)
    assert layouts.fingerprint(second) == first.layout  # the same tool
    layouts.apply_memory(second, remembered, page(number="F-2026-0002", due="10/01/2027"))
    assert second.due_date == date(2027, 1, 10)
    assert second.confidence["due_date"] == layouts.REMEMBERED and "due_date" in second.layout_confirmed
    assert second.locations["due_date"].text.endswith("Règlement attendu le   10/01/2027")


def test_a_layout_is_recognised_with_one_identifying_field_missing_not_two() -> None:
    reading = extract_from_text(page().text)
    assert all(reading.provenance.get(name) for name in layouts.IDENTIFYING)
    without_number = reading.model_copy(update={"provenance": {**reading.provenance, "number": ""}})
    assert layouts.fingerprint(without_number) not in (None, layouts.fingerprint(reading))
    del without_number.provenance["issue_date"]
    assert layouts.fingerprint(without_number) is None


def test_values_derived_from_a_field_read_again_follow_it() -> None:
    # The gross was read under a look-alike label; the amount due computed from it (nothing printed)
    # and the due date computed from the issue date and the terms follow the values read again.
    text = """FACTURE
Facture N°: F-9
Émise le: 02/11/2026
Client
Acme SA
1 rue Haute, 75001 Paris
Paiement à 30 jours
Sous-total TTC          100,00
Montant facturé         120,00
"""
    reading = extract_from_text(text)
    reading.provenance.update({"total_gross": "sous total ttc|right", "issue_date": "first date"})
    reading.provenance.update({"amount_due": "gross - prepaid", "due_date": "payment terms"})
    reading.total_gross = reading.amount_due = Decimal("100.00")
    reading.issue_date, reading.due_date = date(2026, 1, 1), date(2026, 1, 31)
    remembered = {"total_gross": "montant facturé|right", "issue_date": "émise le|right"}
    layouts.apply_memory(reading, remembered, PageText(text, currency="EUR"))
    assert (reading.total_gross, reading.amount_due) == (Decimal("120.00"), Decimal("120.00"))
    assert (reading.issue_date, reading.due_date) == (date(2026, 11, 2), date(2026, 12, 2))


@given(
    words=st.lists(
        st.sampled_from(["délai", "paiement", "au", "plus", "tard", "Zahlung", "bis", "pay"]),
        min_size=1,
        max_size=4,
    ),
    day=st.dates(min_value=date(2000, 1, 13), max_value=date(2099, 12, 31)),
)
def test_whatever_a_label_says_a_taught_place_reads_the_value_back(words: list[str], day: date) -> None:
    label = " ".join(words)
    text = f"FACTURE\nFacture N°: F-1\n{label}:   {day:%d/%m/%Y}\nTotal TTC   1 200,00\n"
    taught = teach(PageText(text), "due_date", day)
    assert taught is not None
    later = PageText(text.replace(f"{day:%d/%m/%Y}", "13/01/2030"))
    found = read_at(later, "due_date", taught)
    assert found is not None and found.value == "13/01/2030"
