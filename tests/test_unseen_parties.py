"""Parties on layouts the extractor was not written on: the customer block on the right with the title
beside its label, in a letter window with no label, under headings of every language; never the
company itself (made-up companies; each case fails without its rule)."""

from __future__ import annotations

from agent.documents.parties import customer_block, not_a_name
from agent.documents.text import extract_from_text

TITLE_BESIDE_LABEL = """
                                                                  Verde Foods Ltd
                                                                  5 Station Road
Bill To                                                           Invoice
Solara Trading LLP                                                Invoice No.: INV-008053
Unit 1, Riverside Park                                            Date of issue: 12/12/2025
M1 1AE Manchester
"""


def test_the_title_on_the_labels_row_is_not_the_customer() -> None:
    document = extract_from_text(TITLE_BESIDE_LABEL)
    assert document.customer.name == "Solara Trading LLP"
    assert document.customer.address == "Unit 1, Riverside Park, M1 1AE Manchester"


def test_another_columns_text_on_the_labels_row_is_not_the_customer() -> None:
    text = "Kunde                          Nordlicht Systems AG\nLumen GmbH\nHauptstraße 12\n10115 Berlin\n"
    assert extract_from_text(text).customer.name == "Lumen GmbH"


def test_a_label_beside_a_value_stays_a_value() -> None:
    # A label with its value on its own row, nothing under it: that value is the name.
    assert extract_from_text("Client :   Boulangerie Dupont SARL\n\nTotal TTC  120,00 EUR").customer.name == (
        "Boulangerie Dupont SARL"
    )


def test_titles_and_labels_are_not_names() -> None:
    for line in (
        "W A R E N R E C H N U N G",
        "Rechnungsnummer:",
        "Datum :",
        "Código cliente",
        "Kundennummer",
    ):
        assert not_a_name(line), line
    for line in ("Rechnungswerk GmbH", "Numerique Conseil SAS", "Factory Outlet Ltd"):
        assert not not_a_name(line), line


SPACED_TITLE_IN_BLOCK = """
Kunde
W A R E N R E C H N U N G
Lumen Systems GmbH
Hauptstraße 12
10115 Berlin
"""


def test_a_letter_spaced_title_in_the_block_is_skipped() -> None:
    assert extract_from_text(SPACED_TITLE_IN_BLOCK).customer.name == "Lumen Systems GmbH"


WINDOW = """
                                                                  Atelier Consulting AG
                                                                  Am Markt 51
                                                                  10115 Berlin

   Atelier Consulting AG · Am Markt 51 · 10115 Berlin
                                                                      Rechnung
   Mosaico Design KG                                                  Rechnungsnummer   RE202507568
   Am Markt 30                                                        Rechnungsdatum    07.03.2025
   50667 Köln
   UID: DE788667078
"""


def test_a_letter_window_under_the_sender_line_names_the_customer() -> None:
    document = extract_from_text(WINDOW, company_names=["Atelier Consulting AG"])
    assert document.customer.name == "Mosaico Design KG"
    assert document.customer.address == "Am Markt 30, 50667 Köln"
    assert document.confidence["customer_name"] >= 0.8  # two signals: the sender line and an address
    assert document.provenance["customer_name"] == "sender line|window"


def test_a_window_needs_an_address_under_the_sender_line() -> None:
    lines = WINDOW.replace("   50667 Köln\n", "").replace("   Am Markt 30 ", "   Sonderangebot").splitlines()
    assert customer_block(lines) is None


OUR_OWN_BLOCK_FIRST = """
Adresse de facturation                          Client
Atelier Numérique SAS                           Boulangerie Dupont SARL
12 rue Neuve                                    8 place Bellecour
69002 Lyon                                      69002 Lyon
"""


def test_the_company_itself_is_never_the_customer() -> None:
    document = extract_from_text(OUR_OWN_BLOCK_FIRST, company_names=["Atelier Numérique SAS"])
    assert document.customer.name == "Boulangerie Dupont SARL"
    # Without its names, the first block is read; the check against settings is then intake's.
    assert extract_from_text(OUR_OWN_BLOCK_FIRST).customer.name == "Atelier Numérique SAS"


def test_a_block_without_an_address_is_checked_by_a_person() -> None:
    sure = extract_from_text("Kunde\nLumen Systems GmbH\nHauptstraße 12\n10115 Berlin\n")
    unsure = extract_from_text("Kunde\nLumen Systems GmbH\nAbteilung Einkauf\n")
    assert sure.confidence["customer_name"] >= 0.8 > unsure.confidence["customer_name"]


def test_customer_headings_of_every_language() -> None:
    for heading in ("Datos del cliente", "Exmo.(s) Sr.(s)", "Spett.le", "Aan", "Rechnungsanschrift"):
        text = f"{heading}\nKappa Trading Lda\nRua Augusta 75\n4000-322 Porto\n"
        assert extract_from_text(text).customer.name == "Kappa Trading Lda", heading


def test_a_form_that_spaces_its_fields_keeps_the_address() -> None:
    text = "Käufer\nName:   Max Mustermann\n\n\nAnschrift:   Musterstr. 11\n"
    document = extract_from_text(text)
    assert document.customer.address == "Musterstr. 11"
