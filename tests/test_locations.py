"""Where each field was read: page, line and span, shown to the person who checks a doubtful document."""

from __future__ import annotations

from fpdf import FPDF

from agent.documents.extract import ExtractOptions, extract_document
from agent.documents.locations import page_starts
from agent.documents.schema import ExtractedDocument, Location
from agent.documents.verdict import doubts


def two_page_invoice() -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=10)
    pdf.add_page()
    pdf.cell(0, 8, "Facture F-2026-0042", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, "Date de facture : 03/11/2026", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, "Date d'échéance : 03/12/2026", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, "Client : Boulangerie Dupont SARL", new_x="LMARGIN", new_y="NEXT")
    for n in range(1, 30):
        pdf.cell(0, 8, f"Ligne {n}   Prestation de conseil", new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.cell(0, 8, "Total HT : 1 000,00 EUR", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, "TVA 20 % : 200,00 EUR", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, "Total TTC : 1 200,00 EUR", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_page_starts_count_the_lines_of_the_pages_before() -> None:
    assert page_starts(["a\nb", "c", "d"]) == [0, 2, 3]
    assert page_starts(["a\n", "b"]) == [0, 2]  # a page ending with a newline: a blank line between
    assert ("\n".join(["a\n", "b"])).splitlines()[2] == "b"


def test_each_field_on_its_page_with_its_span() -> None:
    document = extract_document("F-2026-0042.pdf", two_page_invoice(), ExtractOptions())
    where = document.locations
    assert (where["number"].page, where["issue_date"].page, where["total_gross"].page) == (1, 1, 2)
    assert where["total_gross"].line < 10  # counted from the top of page 2 (page 1 has 33 lines)
    for field, printed in {
        "number": "F-2026-0042",
        "total_gross": "1 200,00",
        "due_date": "03/12/2026",
    }.items():
        location = where[field]
        assert location.text[location.start : location.end] == printed, field
    assert "Total TTC" in where["total_gross"].text
    assert where["customer_name"].text.endswith("Boulangerie Dupont SARL")


def test_a_doubt_says_where_to_look() -> None:
    document = ExtractedDocument(source="text", number="F-1", confidence={"number": 0.4})
    document.locations["number"] = Location(page=2, line=7, start=9, end=12, text="Facture  F-1   du 3 mars")
    reasons = doubts(document, 0.8, [])
    assert any(
        r.startswith("number is uncertain (0.40), read on page 2, line 7: “Facture  F-1") for r in reasons
    )
