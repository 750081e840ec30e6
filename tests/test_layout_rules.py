"""Rules of the text path that tell one label from another, on layouts written the way billing tools and
e-invoice viewers print them (made-up companies; each case fails without its rule)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from agent.documents.parsing import month_first_order, parse_date
from agent.documents.text import extract_from_text
from agent.documents.validate import validate

VIEWER = """
Stylesheet-Version:                          2.6 vom 10.11.2025
   Teilrechnung Bau (875)   Nr. 7731   vom   30.05.2026
    Währung:                                  EUR
    Referenz des Käufers:                     Abteilung Einkauf
    Bestellung Nr. Kunde:                     BT-13
    Vertrag:                                  Vertragsnr. 88
    Verkäufer
    Name:                                     Beispielbau AG
    USt.-Id.-Nr.:                             DE136695976
    Käufer/Leistungsempfänger
    Nummer:                                   330145
    Herrn
    Name:                                     Holger Beispiel
    Anschrift:                                Gartenweg 12
                                              DE 37073 Göttingen
    USt.-Id.-Nr.:                             DE1234567890
    Abweichender Warenempfänger
    Name:                                     Lager Nord GmbH
    Belegsummen
    Positionssumme                             3.600,00
    Gesamtbetrag der Zuschläge                 0,00
    Gesamtbetrag der Abschläge                -0,00
    Rechnungssumme ohne USt.                   3.600,00
    Steuerbetrag in EUR                        684,00
    Bruttosumme                                4.284,00
    Erhaltene Anzahlungen                      0,00
    Zahlbetrag                                 4.284,00
    Beschreibung                               Fälligkeit
    Zahlbar ohne Abzug                                   13.06.2026
"""


def test_a_labelled_form_with_look_alike_labels() -> None:
    document = validate(extract_from_text(VIEWER))
    # "Gesamtbetrag der Abschläge" is no total; "Bruttosumme" is, and "ohne USt." is the net.
    assert (document.total_net, document.total_tax, document.total_gross) == (
        Decimal("3600.00"),
        Decimal("684.00"),
        Decimal("4284.00"),
    )
    assert document.amount_due == Decimal("4284.00")
    # The stylesheet's date is not the invoice's: the date printed with the title is.
    assert document.issue_date == date(2026, 5, 30)
    assert document.due_date == date(2026, 6, 13)  # right of its column header, as viewers drift
    assert document.number == "7731"
    # "Käufers" and "Kunde" inside other labels open no block; the salutation stays with the name.
    assert document.customer.name == "Herrn Holger Beispiel"
    assert document.customer.address == "Gartenweg 12, DE 37073 Göttingen"
    # Printed under the buyer's VAT label, kept although its checksum fails, and said so.
    assert document.customer.vat_id == "DE1234567890"
    assert document.confidence["customer_vat_id"] < 0.8
    assert (document.supplier.name, document.supplier.vat_id) == ("Beispielbau AG", "DE136695976")


TWO_COLUMNS = """
                     Olivier & Fils SARL - 12 chemin des Oliviers - 84000 Avignon - France
                     TVA : FR11123456782

Facture FA-2025-0042

 Adresse de livraison
 Épicerie du Port                                                          Épicerie du Port
 4 quai Nord                                                               Marc Durand
 13002 Marseille                                                           4 quai Nord

Date de facture                  03/11/2025
Conditions de paiement           30% d'acompte, solde à 30 j
Date d'échéance                  03/12/2025
N° TVA client                    FR19787878784

               Taxe                Base        Montant                           Total HT       624,90 €
TVA collectée (vente) 20,0%      81,90 €       16,38 €                      Total taxes          46,25 €
                                                                              Total TTC          671,15 €
             Règlement            Date          Montant                    Solde à payer         470,15 €
Virement                       05/11/2025      201,00 €
"""


def test_a_title_with_its_number_a_delivery_block_and_a_labelled_customer_vat_id() -> None:
    document = validate(extract_from_text(TWO_COLUMNS))
    assert document.number == "FA-2025-0042"
    # No customer label at all: the delivery address names the customer, less surely.
    assert document.customer.name == "Épicerie du Port"
    assert document.confidence["customer_name"] < 0.8
    # "N° TVA client" is the customer's VAT id, not a block headed "client".
    assert document.customer.vat_id == "FR19787878784"
    assert document.supplier.vat_id == "FR11123456782"
    assert document.supplier.name == "Olivier & Fils SARL"  # the letterhead's line with a legal form
    assert (document.total_gross, document.amount_due) == (Decimal("671.15"), Decimal("470.15"))
    assert (document.issue_date, document.due_date) == (date(2025, 11, 3), date(2025, 12, 3))


COLUMN_VAT = """
LE VENDEUR SAS                                   Adresse du Client
12 rue Haute                                        Contact achats, service compta
75002 PARIS, FR                                     LA CLIENTE SA
N° TVA : FR 11 123 456 782                          4 place Basse
                                                    06000 NICE, FR
Nos références                                   Vos identifiants
N° DE CLIENT : C-0215                               N° TVA : FR 19 787 878 784
Livraison                                        Livraison: adresse
FACTURE N° : F-77                                   DEL name
Date : 31/01/2026                                   N° TVA : FR 44 732 829 320
Total TTC   120,00
"""


def test_the_customer_vat_id_is_the_one_in_the_customer_column() -> None:
    document = extract_from_text(COLUMN_VAT)
    # The supplier's VAT id on the block's rows is in the other column; the delivery block's is not
    # the customer's either.
    assert document.customer.vat_id == "FR19787878784"
    assert document.supplier.vat_id == "FR11123456782"
    assert document.customer.name == "LA CLIENTE SA"  # the contact line above the name is dropped


def test_a_negative_invoice_is_a_credit_note_and_a_self_billed_gutschrift_an_invoice() -> None:
    negative = extract_from_text("FACTURE N° : F-9\nDate : 31/01/2026\nTOTAL TTC      -100,00 EUR\n")
    assert (negative.document_type, negative.total_gross) == ("credit_note", Decimal("100.00"))
    self_billed = extract_from_text(
        "Gutschrift (Selbst ausgestellte Rechnung) (389)   Nr. 4711   vom   31.10.2026\n"
        "Bruttosumme   2.000,00\n"
    )
    assert (self_billed.document_type, self_billed.number) == ("invoice", "4711")
    plain = extract_from_text("Gutschrift Nr. G-12\nDatum: 31.10.2026\nGesamtbetrag   50,00\n")
    assert plain.document_type == "credit_note"


def test_the_order_of_day_and_month_is_read_from_the_documents_own_dates() -> None:
    # A euro invoice in English: "11/03/2017" alone could be either; "11/17/2017" settles month first.
    assert month_first_order("Invoice Date 11/03/2017\nPaid 11/17/2017", default=False) is True
    assert month_first_order("Invoice Date 11/03/2017\nPaid 17/11/2017", default=True) is False
    assert month_first_order("Invoice Date 11/03/2017", default=True) is True  # nothing settles it
    text = "Invoice FA-1\nInvoice Date   11/03/2017\nDue Date   12/03/2017\nSEPA transfer   11/17/2017\n"
    document = extract_from_text(text)
    assert (document.issue_date, document.due_date) == (date(2017, 11, 3), date(2017, 12, 3))


def test_a_date_inside_a_reference_is_no_date() -> None:
    document = extract_from_text(
        "Rechnung des Versicherers Nr. 01.234.567.8-2018-1 vom\n06.12.2018\nGesamtbetrag 59,50 EUR"
    )
    assert document.issue_date == date(2018, 12, 6)
    assert parse_date("August 3 , 2014") == date(2014, 8, 3)


BLOCK_WITH_A_GAP = """
LE VENDEUR SAS                                   Adresse du Client
12 rue Haute                                        LA CLIENTE SA

75002 PARIS, FR                                     CLIENT NOM COMMERCIAL
                                                    4 place Basse
GLN : 587451236587                                  Ansprechpartner: Frau Einkauf
                                                    GLN : 3654789851
                                                    06000 NICE, FR
"""


def test_an_address_block_runs_over_one_blank_line_and_leaves_out_its_fields() -> None:
    customer = extract_from_text(BLOCK_WITH_A_GAP).customer
    assert customer.name == "LA CLIENTE SA"
    assert customer.address == "CLIENT NOM COMMERCIAL, 4 place Basse, 06000 NICE, FR"


ITEMS = """
Désignation                          Qté      Prix unitaire    Rem.      Montant HT
Nougat de l'Abbaye 250g               20 Unit(s)     4,55 €     10%        81,90 €
Huile d'olive                         25 Liter(s)   19,80 €               495,00 €
Tony Dubois                              +33 4 72 07 08 56
Période du 01/01/2026 au 31/01/2026       1      1 200,00               1 200,00
Total HT                                                                 1 776,90 €
"""


def test_line_items_are_rows_whose_arithmetic_closes() -> None:
    items = [(i.description, i.quantity, i.unit_price, i.amount) for i in extract_from_text(ITEMS).lines]
    assert items == [
        ("Nougat de l'Abbaye 250g", Decimal("20"), Decimal("4.55"), Decimal("81.90")),  # after its 10 %
        ("Huile d'olive", Decimal("25"), Decimal("19.80"), Decimal("495.00")),
        ("Période du 01/01/2026 au 31/01/2026", Decimal("1"), Decimal("1200.00"), Decimal("1200.00")),
    ]  # the phone number's digits (4 × 72 ...) make no item, nor does the total


def test_seller_and_buyer_labels_on_one_row_each_open_their_block() -> None:
    document = extract_from_text(
        "Verkäufer                          Käufer\n"
        "Schreinerei Meier                  Holzhandel Nord GmbH\n"
        "Gartenweg 12                       Hafenstraße 3\n"
    )
    assert (document.supplier.name, document.customer.name) == ("Schreinerei Meier", "Holzhandel Nord GmbH")


def test_a_colon_between_label_and_amount_in_one_cell() -> None:
    # "Total TTC : 1 200,00 EUR": the colon is the label's, not an identifier's ("N° TVA : FR32 …")
    document = extract_from_text(
        "Facture F-7   Date : 03/11/2026\nTotal HT : 1 000,00 EUR\nTotal TTC : 1 200,00 EUR"
    )
    assert (document.total_net, document.total_gross) == (Decimal("1000.00"), Decimal("1200.00"))
    assert document.customer.vat_id is None and document.total_tax is None


def test_filler_cells_between_a_label_and_its_value() -> None:
    # "Steuerbetrag in   EUR   1,18": the words between label and figure may stand in cells of their own
    page = """
    Rechnung Nr. 1180                                   vom 29.10.2018
    Umsatzsteuer  (S)            16,90            7            1,18
    Rechnungssumme ohne USt.                                  16,90
    Steuerbetrag in        EUR                                 1,18
    Gesamtbetrag                                              18,08
    """
    document = extract_from_text(page)
    assert (document.total_net, document.total_tax, document.total_gross) == (
        Decimal("16.90"),
        Decimal("1.18"),
        Decimal("18.08"),
    )


def test_a_value_drifted_left_of_its_column_header() -> None:
    # A payment-terms table: the date sits left of "Fälligkeit", nearer to it than to any other header.
    page = """
    Rechnung Nr. 4711                                   vom 03.10.2018
    Gesamtbetrag                                              380,00
    Zahlungsbedingungen
       Beschreibung                                                                  Fälligkeit    Teilzahlung
       Überweisen Sie bitte bis zum 21.11.2018 auf das Konto.     21.11.2018
    """
    assert extract_from_text(page).due_date == date(2018, 11, 21)
    # ... and a sentence left of a header is no value: the total below it is still read.
    totals = """
    Rechnung Nr. 4712                                   vom 03.10.2018
    Tout retard de paiement engendre une pénalité  TOTAL HT          TOTAL TVA        TOTAL TTC
    de trois fois le taux d'intérêt légal.
    Indemnité forfaitaire : 40 €.                      100,00              4,90           104,90
    """
    document = extract_from_text(totals)
    assert (document.total_net, document.total_tax, document.total_gross) == (
        Decimal("100.00"),
        Decimal("4.90"),
        Decimal("104.90"),
    )
