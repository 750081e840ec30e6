"""A generated document drawn as a PDF (fpdf2), as its template lays it out."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal
from fpdf import FPDF

from benchmarks.layouts.content import Content
from benchmarks.layouts.templates import Template
from benchmarks.layouts.vocab import LOCALES

LEFT, RIGHT_COLUMN, WIDTH = 15, 115, 180
NUMERIC_DATES = {"de": "dd.MM.yyyy", "nl": "dd-MM-yyyy"}  # the others day/month/year with slashes


class Page(FPDF):
    footer_text = ""
    page_label = "{n}/{total}"

    def footer(self) -> None:
        self.set_y(-18)
        self.set_font("Helvetica", "", 7)
        self.multi_cell(WIDTH, 3.5, self.footer_text, align="C")
        self.cell(WIDTH, 4, self.page_label.format(n=self.page_no(), total="{nb}"), align="R")


def money(amount: Decimal, doc: Content, template: Template) -> str:
    if template.currency == "CHF":
        text = format_decimal(abs(amount), format="#,##0.00", locale="de_CH").replace("’", "'")
    else:
        text = format_decimal(abs(amount), format="#,##0.00", locale=LOCALES[doc.language])
    text = ("-" if amount < 0 else "") + text.replace("\u202f", " ").replace("\u00a0", " ")
    if template.money == "symbol":
        symbol = {"EUR": "€", "GBP": "£"}.get(doc.currency, doc.currency)
        return f"{symbol} {text}" if doc.language in ("en", "nl") else f"{text} {symbol}"
    return text if template.money == "plain" else f"{text} {doc.currency}"


def day(value: date, doc: Content, template: Template) -> str:
    if template.dates == "long":
        return format_date(value, "d MMMM yyyy", locale=LOCALES[doc.language])
    return format_date(value, NUMERIC_DATES.get(doc.language, "dd/MM/yyyy"), locale=LOCALES[doc.language])


def render(doc: Content, template: Template, rng: random.Random) -> bytes:
    words = template.words()
    pdf = Page(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_margins(LEFT, 15, LEFT)
    pdf.set_auto_page_break(auto=True, margin=30)
    sup, cus = doc.supplier, doc.customer
    iban = f"{sup.country}{rng.randint(10, 99)} " + " ".join(str(rng.randint(1000, 9999)) for _ in range(5))
    pdf.footer_text = (
        f"{sup.name} · {sup.street} · {sup.town()} · {words['vat']} "
        f"{sup.vat_id} · IBAN {iban} · BIC {rng.choice(['COBADEFFXXX', 'BNPAFRPPXXX', 'INGBNL2A'])}"
    )
    pdf.page_label = words["page"]
    pdf.add_page()
    party_right = template.party in ("right", "right_window")
    letterhead_x = LEFT if party_right else RIGHT_COLUMN
    pdf.set_xy(letterhead_x, 15)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(80, 6, sup.name, new_x="LEFT", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    for line in (
        sup.street,
        sup.town(),
        f"{words['vat']}: {sup.vat_id}",
        f"Tel. +{rng.randint(30, 49)} 1 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
    ):
        pdf.cell(80, 4.5, line, new_x="LEFT", new_y="NEXT")

    party_x = RIGHT_COLUMN if party_right else LEFT + (5 if template.party == "window" else 0)
    meta_x = LEFT if party_right else RIGHT_COLUMN + 5
    pdf.set_xy(party_x, 47)
    if template.party.endswith("window"):  # DIN 5008: the sender on one small line, no label
        pdf.set_font("Helvetica", "U", 7)
        pdf.cell(85, 4, f"{sup.name} · {sup.street} · {sup.town()}", new_x="LEFT", new_y="NEXT")
        pdf.ln(2)
        pdf.set_x(party_x)
    else:
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(85, 5, words["customer"], new_x="LEFT", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    block = [cus.name, cus.street, cus.town()]
    if cus.country != sup.country:
        block.append(
            {
                "FR": "France",
                "DE": "Deutschland",
                "BE": "Belgique",
                "AT": "Österreich",
                "NL": "Nederland",
                "CH": "Schweiz",
            }.get(cus.country, cus.country)
        )
    if rng.random() < 0.85:
        block.append(f"{words['vat']}: {cus.vat_id}")
    else:
        doc.customer.vat_id = ""
    for line in block:
        pdf.cell(85, 5, line, new_x="LEFT", new_y="NEXT")

    number_label = words["credit_number" if doc.kind == "credit_note" else "number"]
    meta = [(number_label, doc.number), (words["date"], day(doc.issue_date, doc, template))]
    meta.append((words["customer_no"], doc.customer_no))
    if doc.due_date and template.due == "label":
        meta.append((words["due"], day(doc.due_date, doc, template)))
    title = words["credit_note" if doc.kind == "credit_note" else "invoice"]
    if template.meta == "grid":
        pdf.set_xy(LEFT, 85)
        pdf.set_font("Helvetica", "B", 15)
        pdf.cell(WIDTH, 8, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "B", 9)
        for label, _ in meta:
            pdf.cell(WIDTH / len(meta), 5, label)
        pdf.ln()
        pdf.set_font("Helvetica", "", 9)
        for _, value in meta:
            pdf.cell(WIDTH / len(meta), 5, value)
        pdf.ln(8)
    else:
        pdf.set_xy(meta_x, 47)
        pdf.set_font("Helvetica", "B", 15)
        pdf.cell(75, 8, title, new_x="LEFT", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)
        for label, value in meta:
            if template.meta == "beside":
                pdf.cell(75, 5, f"{label}: {value}", new_x="LEFT", new_y="NEXT")
            else:
                pdf.cell(38, 5, label)
                pdf.cell(37, 5, value, new_x="LEFT", new_y="NEXT")
                pdf.set_x(meta_x)
        pdf.set_xy(LEFT, 95)
    pdf.set_font("Helvetica", "", 9)
    if doc.referenced:
        ref, when = doc.referenced
        pdf.cell(
            WIDTH,
            5,
            words["reference"].format(ref=ref, date=day(when, doc, template)),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.cell(WIDTH, 5, f"{words['order']}: PO-{rng.randint(1000, 9999)}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _items(pdf, doc, template, words)
    _totals(pdf, doc, template, words)
    pdf.set_font("Helvetica", "", 9)
    pdf.ln(4)
    if doc.reverse_charge:
        pdf.multi_cell(WIDTH, 5, words["reverse"], new_x="LMARGIN", new_y="NEXT")
    if doc.terms:
        pdf.multi_cell(WIDTH, 5, doc.terms[0], new_x="LMARGIN", new_y="NEXT")
    elif doc.due_date and template.due == "sentence":
        pdf.multi_cell(
            WIDTH,
            5,
            words["due_sentence"].format(date=day(doc.due_date, doc, template)),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    return bytes(pdf.output())


def _sign(doc: Content, template: Template) -> int:
    """Some tools print a credit note's amounts negative; which ones is fixed per template."""
    return -1 if doc.kind == "credit_note" and template.seed % 2 else 1


def _items(pdf: FPDF, doc: Content, template: Template, words: dict) -> None:
    widths = (90, 20, 35, 35)
    pdf.set_font("Helvetica", "B", 9)
    for text, width in zip(words["items"], widths, strict=True):
        pdf.cell(width, 6, text, border="B", align="L" if width == 90 else "R")
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    sign = _sign(doc, template)
    for description, quantity, price in doc.lines:
        pdf.cell(90, 5.5, description)
        pdf.cell(20, 5.5, format_decimal(quantity, locale=LOCALES[doc.language]), align="R")
        pdf.cell(35, 5.5, money(price, doc, template), align="R")
        pdf.cell(
            35, 5.5, money(sign * quantity * price, doc, template), align="R", new_x="LMARGIN", new_y="NEXT"
        )
    pdf.ln(4)


def _totals(pdf: FPDF, doc: Content, template: Template, words: dict) -> None:
    sign = _sign(doc, template)
    rate = format_decimal(Decimal(0) if doc.reverse_charge else doc.tax_rate, locale=LOCALES[doc.language])
    rows = [
        (words["net"], sign * doc.net),
        (words["tax"].format(rate=rate), sign * doc.tax),
        (words["gross"], sign * doc.gross),
    ]
    if doc.prepaid:
        rows += [(words["prepaid"], doc.prepaid), (words["due_amount"], doc.amount_due)]
    if pdf.will_page_break(6 * len(rows) + 10):
        pdf.add_page()
    if template.totals == "grid":
        width = WIDTH / len(rows)
        pdf.set_font("Helvetica", "B", 9)
        for label, _ in rows:
            pdf.cell(width, 5, label, align="R")
        pdf.ln()
        pdf.set_font("Helvetica", "", 9)
        for _, amount in rows:
            pdf.cell(width, 5, money(amount, doc, template), align="R")
        pdf.ln()
        return
    x = RIGHT_COLUMN if template.totals == "right" else LEFT
    for label, amount in rows:
        pdf.set_x(x)
        pdf.set_font("Helvetica", "B" if label == words["gross"] else "", 9)
        pdf.cell(45, 5.5, label)
        pdf.cell(35, 5.5, money(amount, doc, template), align="R", new_x="LMARGIN", new_y="NEXT")
