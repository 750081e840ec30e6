"""The deterministic text extractor: no template, no LLM.

It reads the layout text (columns kept as spaces, `pdf_layout.py`) and finds each field next to its
label (`labelled.py`): on the same line to the right, or just below in the same column. Amounts are
cross-checked (net + tax = gross) before they are believed. Every field gets a confidence and, in
`locations`, the page, line and span it was read at; a value found without its label, or one that fails
a check, is marked doubtful so it leads to a review task, never to a customer e-mail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta

from agent.documents import labels
from agent.documents.items import find_items
from agent.documents.labelled import LABEL_FILLER, NUMBER_VALUE, Found, find_after_label
from agent.documents.locations import locations_of
from agent.documents.parsing import (
    DATE_RE,
    find_currency,
    month_first_order,
    parse_amount,
    parse_date,
)
from agent.documents.parties import CELL_START, GAP, read_parties
from agent.documents.schema import ExtractedDocument
from agent.documents.tax_table import find_vat_breakdown
from agent.documents.totals import amount_value, bare_total, closes, confirmed_totals, find_totals
from agent.documents.vat import country_of
from agent.templating import Said

GUESS_CONFIDENCE = 0.5
UNCONFIRMED = 0.75  # under the review threshold: a value no second signal confirms
EURO_COUNTRIES = frozenset(re.findall(r"\w\w", "AT BE CY DE EE ES FI FR GR HR IE IT LT LU LV MT NL PT SI SK"))


def detect_language(text: str) -> str | None:
    """The language most of the document's typical words belong to (a word of several counts for each)."""
    scores = dict.fromkeys(labels.LANGUAGE_WORDS, 0)
    for word in _LANGUAGE_WORD.findall(text.lower()):
        for language in _LANGUAGES_OF[word]:
            scores[language] += 1
    best = max(scores.items(), key=lambda item: item[1])
    return best[0] if best[1] else None


# Every language's words in one pattern (one pass over the text), longest first so "total ttc" is
# found whole; which languages each word belongs to.
_LANGUAGES_OF: dict[str, list[str]] = {}
for _language, _words in labels.LANGUAGE_WORDS.items():
    for _word in _words:
        _LANGUAGES_OF.setdefault(_word, []).append(_language)
_LANGUAGE_WORD = re.compile(
    rf"\b(?:{'|'.join(map(re.escape, sorted(_LANGUAGES_OF, key=len, reverse=True)))})\b"
)


def date_order(text: str, language: str | None) -> bool:
    """Whether the document prints numeric dates month first: told by its own dates, else US English."""
    return month_first_order(text, default=language == "en" and "$" in text)


def detect_type(lines: list[str]) -> tuple[str, float]:
    head = "\n".join(lines[:25])
    if re.search(labels.SELF_BILLED, head, re.IGNORECASE):
        return "invoice", 0.9  # a self-billed invoice, even when headed "Gutschrift"
    if re.search(rf"(?<![\w])(?:{labels.CREDIT_NOTE_TITLES})(?![\w])", head, re.IGNORECASE):
        return "credit_note", 0.9
    if re.search(rf"(?<![\w])(?:{labels.INVOICE_TITLES})(?![\w])", head, re.IGNORECASE):
        return "invoice", 0.95
    return "invoice", GUESS_CONFIDENCE


def _is_negative(found: Found | None) -> bool:
    return bool(found and (amount := parse_amount(found.value)) is not None and amount < 0)


def due_from_terms(text: str, issue: date | None) -> date | None:
    if issue is None:
        return None
    match = labels.PAYMENT_TERMS.search(text)
    if not match:
        return None
    days = int(next(group for group in (match.group(1), match.group(2), match.group(4)) if group))
    due = issue + timedelta(days=days)
    if match.group(3):  # "30 jours fin de mois": end of the month after the delay
        next_month = due.replace(day=28) + timedelta(days=4)
        due = next_month - timedelta(days=next_month.day)
    return due


_DUE_SENTENCE = re.compile(
    rf"(?<![\w])(?:{labels.DUE_SENTENCE_BEFORE})\s*(?={DATE_RE.pattern})", re.IGNORECASE
)
_PAYING = re.compile(rf"(?<![\w])(?:{labels.PAYING})", re.IGNORECASE)


def due_in_sentence(lines: list[str]) -> Found | None:
    """A due date printed only in a sentence about paying ("Merci de régler avant le 23 octobre 2025",
    "Bitte überweisen Sie bis zum 30.05.2017"): the date right after "before/by/bis zum...", on a line
    that speaks of paying. Two signals, the payment words and the date's place after its preposition."""
    for index, line in enumerate(lines):
        if not _PAYING.search(line):
            continue
        for before in _DUE_SENTENCE.finditer(line):
            if date := DATE_RE.match(line, before.end()):
                return Found(date.group(0), index, 0.85, "sentence")
    return None


def _title_lines(lines: list[str]) -> list[tuple[int, str, re.Match[str]]]:
    """Lines near the top that name the document ("Facture", "Handelsrechnung (380)"), with that word."""
    # The title opens a cell: "facture" in "N° de facture associée" is a reference, not the title.
    title = re.compile(rf"{CELL_START}(?:{labels.TITLE_WORD})", re.IGNORECASE)
    # A credit note's line naming the invoice it corrects ("Gutschrift zur Rechnung 4711 vom 02.01.")
    # holds that invoice's number and date, not the document's own.
    reference = re.compile(labels.REFERENCED_INVOICE, re.IGNORECASE)
    return [
        (index, line, found)
        for index, line in enumerate(lines[:30])
        if (found := title.search(line)) and not reference.search(line)
    ]


def number_on_title_line(lines: list[str]) -> Found | None:
    """'Handelsrechnung (380)  30.10.2019  Nr. TX-471102', 'Facture FA-2017-0010': a number marker on the
    line that names the document, or a number right after the title word. Used when no label matched."""
    marker = re.compile(labels.NUMBER_MARKER, re.IGNORECASE)
    for index, line, title in _title_lines(lines):
        for found in marker.finditer(line):
            value = NUMBER_VALUE.match(line[found.end() :])
            if value and not DATE_RE.fullmatch(value.group(0)):
                return Found(value.group(0), index, 0.8, "title|marker")
        right_after = re.match(r"\s?([A-Z0-9][\w\-/.]*\d[\w\-/.]*)(?:\s{2,}|$)", line[title.end() :], re.I)
        if right_after and not DATE_RE.fullmatch(right_after.group(1)):
            return Found(right_after.group(1), index, 0.8, "title|after")
    return None


def find_number(lines: list[str]) -> Found | None:
    """The document's number: under a number label that opens a cell; else printed with the title; else
    under a bare label ("Nr.", "#", "Numéro", "Doc. n.") that is a cell of its own and holds a value
    shaped like a document number; and only then a label inside a sentence."""
    for found in (
        find_after_label(lines, labels.NUMBER, NUMBER_VALUE, strict=True),
        number_on_title_line(lines),
        _weak_number(lines),
        find_after_label(lines, labels.NUMBER, NUMBER_VALUE),
    ):
        if found and document_number_like(lines[found.line], found.value):
            return _whole_or_doubted(lines[found.line], found)
    return None


def _whole_or_doubted(line: str, found: Found) -> Found:
    """A number followed, in its own cell, by words that are no filler ("Nr. 210111 mit LV   vom ...")
    may be only the head of what is printed: it is kept, at a confidence a person checks, even where a
    layout memory saw a number before."""
    start = line.find(found.value)
    if start < 0:
        return found
    tail = GAP.split(line[start + len(found.value) :], maxsplit=1)[0]
    if LABEL_FILLER.sub("", DATE_RE.sub("", tail)).strip():
        # Its place is marked so: a layout memory that saw a whole number there confirms nothing here.
        return Found(found.value, found.line, min(found.confidence, 0.7), f"{found.how}|cut short")
    return found


def document_number_like(line: str, value: str) -> bool:
    """Whether a value read as the number can be one: not the head of a date ("2 febrero 2025", "03/11"),
    not an amount with cents, not a VAT id or an IBAN's piece."""
    start = line.find(value)
    if start >= 0 and (date := DATE_RE.match(line, start)) and date.end() > start + len(value):
        return False
    if re.fullmatch(r"-?\d{1,3}(?:[ .,']\d{3})*[.,]\d{2}", value):
        return False
    return not re.fullmatch(r"[A-Z]{2}\d{2}", value)  # "IBAN FR76 3000 ..." starts like a number


def _weak_number(lines: list[str]) -> Found | None:
    found = find_after_label(lines, labels.NUMBER_WEAK, NUMBER_VALUE, strict=True)
    if found is None or not re.search(r"\d", found.value):
        return None
    # A bare label says less than "Invoice No.": sure enough only for a value shaped like a document
    # number (letters or separators with its digits, or four digits or more), not a count or a page.
    shaped = re.search(r"[A-Za-z\-/_.]", found.value) or len(re.sub(r"\D", "", found.value)) >= 4
    return Found(found.value, found.line, 0.85 if shaped else 0.6, found.how)


def date_on_title_line(lines: list[str]) -> Found | None:
    """'Teilrechnung Bau (875)  Nr. 210111  vom  30.05.2026': the date printed with the title."""
    for index, line, title in _title_lines(lines):
        if date := DATE_RE.search(line, title.end()):
            return Found(date.group(0), index, 0.85, "title")
        # "Rechnung Nr. 4711 vom" with the date wrapped onto the next line
        wrapped = index + 1 < len(lines) and re.search(r"\b(?:vom|du|of|dated|del|van|de)$", line, re.I)
        if wrapped and (date := DATE_RE.match(lines[index + 1].strip())):
            return Found(date.group(0), index + 1, 0.85, "title|next line")
    return None


def find_issue_date(lines: list[str]) -> Found | None:
    """An issue-date label; else the date on the title line; else a bare "Date"/"Datum" label."""
    return (
        find_after_label(lines, labels.ISSUE_DATE, DATE_RE, strict=True)
        or date_on_title_line(lines)
        or find_after_label(lines, labels.ISSUE_DATE_WEAK, DATE_RE, strict=True)
    )


def extract_from_text(
    text: str, *, company_names: list[str] | None = None, page_starts: Sequence[int] = (0,)
) -> ExtractedDocument:
    """The document a layout text shows; `page_starts`: the line each page begins on (locations.py)."""
    lines = [line.rstrip() for line in text.splitlines()]
    confidence: dict[str, float] = {}
    warnings: list[str] = []
    language = detect_language(text)
    document_type, confidence["document_type"] = detect_type(lines)

    # A label that opens a cell, then the title line, and only then a label inside a sentence
    # ("... bitte Ihre Belegnummer 2018092011804 angeben" is not the title's "Nr. E2018092011804").
    number = find_number(lines)
    issue = find_issue_date(lines)
    due = find_after_label(lines, labels.DUE_DATE, DATE_RE, strict=True)
    month_first = date_order(text, language)
    issue_date = parse_date(issue.value, month_first) if issue else None
    issue_how = issue.how if issue and issue_date else "first date"
    if issue_date is None:
        first_date = next((m.group(0) for line in lines for m in DATE_RE.finditer(line)), None)
        issue_date = parse_date(first_date, month_first) if first_date else None
        if issue_date:
            confidence["issue_date"] = GUESS_CONFIDENCE
            warnings.append(Said("issue_date_first_printed"))
    else:
        confidence["issue_date"] = issue.confidence if issue else 0.0
    due = due or due_in_sentence(lines)
    due_date = parse_date(due.value, month_first) if due else None
    due_how = due.how if due and due_date else "payment terms"
    if due_date and due:
        confidence["due_date"] = due.confidence
    else:
        due_date = due_from_terms(text, issue_date)
        if due_date:
            confidence["due_date"] = 0.85
            warnings.append(Said("due_from_terms"))

    currency = find_currency(text)
    totals = find_totals(lines, currency)
    gross, net, tax = (amount_value(totals[k]) for k in ("gross", "net", "tax"))
    amount_due = amount_value(totals["due"])
    gross, tax = confirmed_totals(lines, totals, currency)
    prepaid = amount_value(totals["prepaid"])
    # A mismatch of net + tax and gross is left as printed: validation lowers the confidence and the
    # document goes to a person. "Correcting" the gross from a misread tax would invent an amount.
    if gross is None and net is not None and tax is not None:
        gross = net + tax
        warnings.append(Said("gross_computed"))
    if gross is not None:
        confidence["total_gross"] = totals["gross"].confidence if totals["gross"] else 0.7
        if totals["gross"] and bare_total(totals["gross"]) and not closes(net, tax, gross):
            # A bare "Total" also heads columns and subtotals: sure only when net + tax confirm it.
            confidence["total_gross"] = min(confidence["total_gross"], 0.75)
    if _is_negative(totals["gross"]) and document_type == "invoice":
        document_type = "credit_note"  # a negative invoice is a credit; amounts are kept positive
        warnings.append(Said("total_negative"))
    if amount_due is None:
        amount_due = gross - prepaid if gross is not None and prepaid else gross
        if amount_due is not None:
            confidence["amount_due"] = confidence.get("total_gross", 0.0)
    else:
        confidence["amount_due"] = totals["due"].confidence if totals["due"] else 0.0
    unconfirmed = not closes(net, tax, gross) or totals["rows"] is not None  # "rows": see totals.column_sum
    if unconfirmed or amount_due not in (gross, gross - (prepaid or 0) if gross else None):
        # Two signals or none: an amount no other printed total confirms (no net and tax adding up to
        # the gross, an amount due that is neither the gross nor the gross less what was prepaid) may
        # be a subtotal, a VAT row or a figure from a sentence. A person checks it.
        for name in ("total_gross", "amount_due"):
            if name in confidence:
                confidence[name] = min(confidence[name], UNCONFIRMED)

    if currency:
        confidence["currency"] = 0.95
    vat_breakdown, breakdown_confidence = find_vat_breakdown(lines, net, tax, currency) or ([], None)
    if breakdown_confidence is not None:
        confidence["vat_breakdown"] = breakdown_confidence
    if number:
        confidence["number"] = number.confidence

    parties = read_parties(lines, text, company_names or ())
    customer, supplier = parties.customer, parties.supplier
    if currency is None and supplier.vat_id and country_of(supplier.vat_id) in EURO_COUNTRIES:
        # Nothing on the page names the currency: the issuer's country suggests it, and only suggests:
        # a person confirms it before a reminder states an amount in it.
        currency, confidence["currency"] = "EUR", GUESS_CONFIDENCE
        warnings.append(Said("currency_assumed_eur"))
    if parties.name_confidence is not None:
        confidence["customer_name"] = parties.name_confidence
    own = [name.lower() for name in company_names or []]
    if customer.name and any(name and name in customer.name.lower() for name in own):
        warnings.append(Said("customer_block_is_us"))
        confidence["customer_name"] = 0.2

    referenced = find_after_label(lines, labels.REFERENCED_INVOICE, NUMBER_VALUE)
    provenance = {
        "number": number.how if number else None,
        "issue_date": issue_how if issue_date else None,
        "due_date": due_how if due_date else None,
        "total_gross": (totals["gross"].how if totals["gross"] else "net + tax")
        if gross is not None
        else None,
        "amount_due": (totals["due"].how if totals["due"] else "gross - prepaid") if amount_due else None,
        **parties.provenance,
    }
    document = ExtractedDocument(
        provenance={name: how for name, how in provenance.items() if how},
        source="text",
        document_type=document_type,  # type: ignore[arg-type]
        number=number.value if number else None,
        issue_date=issue_date,
        due_date=due_date,
        currency=currency,
        vat_breakdown=vat_breakdown,
        total_net=net,
        total_tax=tax,
        total_gross=gross,
        amount_due=amount_due,
        customer=customer,
        supplier=supplier,
        referenced_invoice=referenced.value if referenced else None,
        lines=find_items(lines),
        language=language,
        confidence=confidence,
        locations=locations_of(
            lines,
            page_starts,
            {
                "number": _at(number),
                "issue_date": _at(issue) if issue_how != "first date" else None,
                "due_date": _at(due) if due_how != "payment terms" else None,
                **{field: _at(totals[key]) for key, field in TOTAL_FIELDS.items()},
            },
            {
                "customer_name": customer.name,
                "customer_vat_id": customer.vat_id,
                "supplier_name": supplier.name,
            },
        ),
    )
    document.warnings = warnings  # set after validation, which would make each Said a plain str
    return document


TOTAL_FIELDS = {"net": "total_net", "tax": "total_tax", "gross": "total_gross", "due": "amount_due"}


def _at(found: Found | None) -> tuple[int, str] | None:
    return (found.line, found.value) if found else None
