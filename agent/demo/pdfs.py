"""Realistic invoice PDFs for the demo, in the customer's language, written with fpdf2.

They are ordinary printed invoices (no embedded XML), so the demo exercises the text extractor the
way a real billing tool's PDF would: supplier block, title and references, a customer block under
its label, line items, totals, payment terms and the legal footer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal
from fpdf import FPDF


@dataclass(frozen=True)
class Party:
    name: str
    address_lines: tuple[str, ...]
    vat_id: str


@dataclass
class DemoDocument:
    language: str  # fr, en, de
    kind: str  # invoice | credit_note
    number: str
    issue_date: date
    currency: str
    supplier: Party
    customer: Party
    lines: list[tuple[str, Decimal, Decimal]]  # description, quantity, unit price
    tax_rate: Decimal
    due_date: date | None = None
    terms_days: int | None = None  # "payable within N days" instead of a printed due date
    referenced_invoice: str | None = None
    notes: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # a billing tool's own wording of some labels

    @property
    def net(self) -> Decimal:
        return sum((q * p for _, q, p in self.lines), Decimal("0.00")).quantize(Decimal("0.01"))

    @property
    def tax(self) -> Decimal:
        return (self.net * self.tax_rate / 100).quantize(Decimal("0.01"))

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


LABELS = {
    "fr": {
        "invoice": "FACTURE",
        "credit_note": "AVOIR",
        "number": "Facture N°",
        "credit_number": "Avoir N°",
        "date": "Date",
        "due": "Échéance",
        "customer": "Client",
        "description": "Désignation",
        "qty": "Qté",
        "unit": "Prix unitaire HT",
        "amount": "Montant HT",
        "net": "Total HT",
        "tax": "TVA",
        "gross": "Total TTC",
        "terms": "Paiement à {days} jours",
        "ref": "Sur facture N°",
        "vat": "N° TVA",
    },
    "en": {
        "invoice": "INVOICE",
        "credit_note": "CREDIT NOTE",
        "number": "Invoice No.",
        "credit_number": "Credit note No.",
        "date": "Invoice date",
        "due": "Due date",
        "customer": "Bill to",
        "description": "Description",
        "qty": "Qty",
        "unit": "Unit price",
        "amount": "Amount",
        "net": "Subtotal",
        "tax": "VAT",
        "gross": "Total amount",
        "terms": "Payment terms: net {days} days",
        "ref": "Original invoice No.",
        "vat": "VAT No.",
    },
    "de": {
        "invoice": "RECHNUNG",
        "credit_note": "GUTSCHRIFT",
        "number": "Rechnungsnummer",
        "credit_number": "Gutschriftsnummer",
        "date": "Rechnungsdatum",
        "due": "Fällig am",
        "customer": "Rechnungsempfänger",
        "description": "Bezeichnung",
        "qty": "Menge",
        "unit": "Einzelpreis",
        "amount": "Betrag",
        "net": "Nettobetrag",
        "tax": "USt.",
        "gross": "Gesamtbetrag",
        "terms": "Zahlbar innerhalb von {days} Tagen ohne Abzug",
        "ref": "Zu Rechnung Nr.",
        "vat": "USt-IdNr.",
    },
}
LOCALES = {"fr": "fr_FR", "en": "en_GB", "de": "de_DE"}


def _money(amount: Decimal, currency: str, language: str) -> str:
    text = format_decimal(amount, format="#,##0.00", locale=LOCALES[language])
    return f"{text} {currency}".replace("\u202f", " ").replace("\u00a0", " ")


def _date(value: date, language: str) -> str:
    return format_date(value, format="short" if language != "en" else "dd/MM/yyyy", locale=LOCALES[language])


def render_pdf(doc: DemoDocument) -> bytes:
    labels = {**LABELS[doc.language], **doc.labels}
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(95, 7, doc.supplier.name)
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(95, 7, labels[doc.kind], align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    number_label = labels["credit_number" if doc.kind == "credit_note" else "number"]
    right = [f"{number_label}: {doc.number}", f"{labels['date']}: {_date(doc.issue_date, doc.language)}"]
    if doc.due_date:
        right.append(f"{labels['due']}: {_date(doc.due_date, doc.language)}")
    if doc.referenced_invoice:
        right.append(f"{labels['ref']} {doc.referenced_invoice}")
    left = [*doc.supplier.address_lines, f"{labels['vat']}: {doc.supplier.vat_id}"]
    for index in range(max(len(left), len(right))):
        pdf.cell(95, 5, left[index] if index < len(left) else "")
        pdf.cell(95, 5, right[index] if index < len(right) else "", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_x(110)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(90, 5, labels["customer"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for line in (doc.customer.name, *doc.customer.address_lines, f"{labels['vat']}: {doc.customer.vat_id}"):
        pdf.set_x(110)
        pdf.cell(90, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font("Helvetica", "B", 10)
    for text, width, align in (
        (labels["description"], 90, "L"),
        (labels["qty"], 20, "R"),
        (labels["unit"], 40, "R"),
        (labels["amount"], 40, "R"),
    ):
        pdf.cell(width, 7, text, border="B", align=align)
    pdf.ln()
    pdf.set_font("Helvetica", "", 10)
    for description, quantity, price in doc.lines:
        pdf.cell(90, 6, description)
        pdf.cell(20, 6, format_decimal(quantity, locale=LOCALES[doc.language]), align="R")
        pdf.cell(40, 6, _money(price, doc.currency, doc.language), align="R")
        pdf.cell(
            40,
            6,
            _money(quantity * price, doc.currency, doc.language),
            align="R",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(6)
    rate = format_decimal(doc.tax_rate, locale=LOCALES[doc.language])
    for label, amount, bold in (
        (labels["net"], doc.net, False),
        (f"{labels['tax']} {rate} %", doc.tax, False),
        (labels["gross"], doc.gross, True),
    ):
        pdf.set_font("Helvetica", "B" if bold else "", 10)
        pdf.set_x(110)
        pdf.cell(50, 6, label)
        pdf.cell(40, 6, _money(amount, doc.currency, doc.language), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("Helvetica", "", 9)
    if doc.terms_days:
        pdf.cell(0, 5, labels["terms"].format(days=doc.terms_days), new_x="LMARGIN", new_y="NEXT")
    for note in doc.notes:
        pdf.multi_cell(0, 5, note, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
