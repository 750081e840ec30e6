"""The deterministic text extractor: no template, no LLM.

It reads pypdf's layout text (columns kept as spaces) and finds each field next to its label: on the
same line to the right, or just below in the same column. Amounts are cross-checked (net + tax =
gross) before they are believed. Every field gets a confidence; a value found without its label, or
one that fails a check, is marked doubtful so it leads to a review task, never to a customer e-mail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from agent.documents import labels
from agent.documents.items import find_items
from agent.documents.parsing import (
    AMOUNT_RE,
    DATE_RE,
    ISO_CODE,
    ISO_CURRENCIES,
    find_currency,
    month_first_order,
    parse_amount,
    parse_date,
)
from agent.documents.parties import CELL_START, GAP, cell_label_re, label_words, read_parties
from agent.documents.prefilter import candidate_lines
from agent.documents.schema import ExtractedDocument
from agent.documents.tax_table import find_vat_breakdown

NUMBER_VALUE = re.compile(r"[A-Z0-9][A-Z0-9\-/_.]*\d[A-Z0-9\-/_.]*|\d+", re.IGNORECASE)
LABEL_CONFIDENCE, BELOW_CONFIDENCE, GUESS_CONFIDENCE = 0.95, 0.85, 0.5
# What may stand between a strict label and its value: a currency, a colon, a filler word ("Date de
# facture le 2 mars", "Steuerbetrag in EUR"). Anything else means the label is part of another one
# ("Gesamtbetrag der Abschläge", "Date de facture associée").
LABEL_FILLER = re.compile(
    rf"\b(?:{'|'.join(ISO_CURRENCIES)}|in|en|le|la|du|vom|am|del|de|of|the|on|for|this|{labels.INVOICE_TITLES})\b"
    r"|[€$£:.()\[\]%/#\s]",
    re.IGNORECASE,
)


@dataclass
class Found:
    value: str
    line: int
    confidence: float
    how: str = ""  # the label and the value's place ("total ttc|below"): the layout memory compares it


def _label_re(vocabulary: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w])(?=\S)(?:{vocabulary})(?![\w])\s*[:.]?", re.IGNORECASE)


def _tail_is_filler(line: str, end: int) -> bool:
    tail = re.split(r"\s{3,}|(?=[\d\-\u2212])", line[end:], maxsplit=1)[0]
    return not LABEL_FILLER.sub("", tail)


def _names_other_currency(rest: str, currency: str) -> bool:
    """Whether the words between a label and its figure name a currency other than the document's."""
    words = re.split(r"\d", rest, maxsplit=1)[0]
    return any(code != currency for code in ISO_CODE.findall(words))


IDENTIFIER_PREFIX = re.compile(r"(?:\b[A-Z]{2}|[A-Z]{2}\s|[#№°:/])\s?$")


def _first_value(value_re: re.Pattern[str], cell: str) -> str | None:
    """The first value in a cell that is not a rate ("TVA 20 % 240,00" holds 240,00) nor part of an
    identifier ("N° TVA : FR32 123 456 789" holds no amount). For amounts, one with decimals is
    preferred to a bare integer, which on an invoice is more often a quantity or a reference."""
    candidates = []
    for match in value_re.finditer(cell):
        if cell[match.end() :].lstrip().startswith("%"):
            continue
        if value_re is AMOUNT_RE and IDENTIFIER_PREFIX.search(cell[: match.start()]):
            continue
        candidates.append(match.group(0))
    if value_re is AMOUNT_RE:
        with_decimals = [c for c in candidates if re.search(r"[.,]\d{1,2}\)?$", c)]
        candidates = with_decimals or candidates
    return candidates[0] if candidates else None


def find_after_label(
    lines: list[str],
    vocabulary: str,
    value_re: re.Pattern[str],
    *,
    below: int = 2,
    last: bool = False,
    strict: bool = False,
    currency: str | None = None,
) -> Found | None:
    """The value right of a label on its line (same column), else in the lines just below it.

    `strict`: the label must open a cell and (for amounts and dates) be followed only by filler up to
    its value, so that "Total" does not match "Total HT" nor "Gesamtbetrag" "Gesamtbetrag der Abschläge".
    `currency`: a label that names another currency ("Steuerbetrag in EUR" on a GBP invoice) is skipped."""
    label_re = cell_label_re(vocabulary) if strict else _label_re(vocabulary)
    hits: list[Found] = []
    for index in candidate_lines(lines, vocabulary):
        line = lines[index]
        for label in label_re.finditer(line):
            if strict and value_re is not NUMBER_VALUE and not _tail_is_filler(line, label.end()):
                continue  # (a number may begin with letters: no tail to check)
            rest = line[label.end() :]
            if currency and _names_other_currency(rest, currency):
                continue
            right = GAP.split(rest.strip(), maxsplit=4)
            while len(right) > 1 and not LABEL_FILLER.sub("", right[0]):
                right = right[1:]  # "Steuerbetrag in   EUR   1,18": cells of filler before the value
            # The value belongs to the label if it is in the next cell (a tabular layout allows one gap).
            for cell in right[:2]:
                value = _first_value(value_re, cell)
                if value:
                    hits.append(Found(value, index, LABEL_CONFIDENCE, f"{label_words(label.group(0))}|right"))
                    break
            else:
                # The next lines that have text in the label's column; lines blank there do not count
                # (the other column of a two-column layout may run on beside the label).
                window = range(index + 1, min(len(lines), index + 4 * below + 1))
                span = (label.start(), label.end())
                # The other headers of the label's row: a value drifted right under one of them is
                # theirs ("TOTAL HT  TOTAL TVA  TOTAL TTC" over "100,00   108,00", the tax a line lower).
                others = [(c.start(), c.end()) for c in CELL.finditer(line) if not _overlaps(c, *span)]
                cells = [(n, cell) for n in window if (cell := cell_under(lines[n], *span, others))]
                for number, cell in cells[:below]:
                    value = _first_value(value_re, cell)
                    if value:
                        hits.append(
                            Found(value, number, BELOW_CONFIDENCE, f"{label_words(label.group(0))}|below")
                        )
                        break
            if hits and not last:
                return hits[0]
    return hits[-1] if hits else None


CELL = re.compile(r"\S+(?:\s{1,2}\S+)*")


def cell_under(line: str, start: int, end: int, other_headers: Sequence[tuple[int, int]] = ()) -> str:
    """The cell of `line` that stands under a label spanning [start, end): one overlapping the label's
    columns (a date right-aligned under its header), else the first one to its right (a table whose
    values drift right of their headers), unless the line's figures stand under the `other_headers` of
    the label's row: then the one to the right is another column's."""
    cells = list(CELL.finditer(line))
    for cell in cells:
        if _overlaps(cell, start, end):
            return cell.group(0)
    under_others = [
        c
        for c in cells
        if any(ch.isdigit() for ch in c.group(0)) and any(_overlaps(c, *h) for h in other_headers)
    ]
    # A row of values aligned under the other headers is theirs; a lone value far right is a drift.
    taken = under_others if len(under_others) >= 2 else []
    return next((c.group(0) for c in cells if c.start() >= start and c not in taken), "")


def _overlaps(cell: re.Match[str], start: int, end: int) -> bool:
    return cell.start() < end + 2 and cell.end() > start - 4  # layout text drifts a column or two


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


def detect_type(lines: list[str]) -> tuple[str, float]:
    head = "\n".join(lines[:25])
    if re.search(labels.SELF_BILLED, head, re.IGNORECASE):
        return "invoice", 0.9  # a self-billed invoice, even when headed "Gutschrift"
    if re.search(rf"(?<![\w])(?:{labels.CREDIT_NOTE_TITLES})(?![\w])", head, re.IGNORECASE):
        return "credit_note", 0.9
    if re.search(rf"(?<![\w])(?:{labels.INVOICE_TITLES})(?![\w])", head, re.IGNORECASE):
        return "invoice", 0.95
    return "invoice", GUESS_CONFIDENCE


def _amount_value(found: Found | None) -> Decimal | None:
    return abs(amount) if found and (amount := parse_amount(found.value)) is not None else None


def _is_negative(found: Found | None) -> bool:
    return bool(found and (amount := parse_amount(found.value)) is not None and amount < 0)


def _due_from_terms(text: str, issue: date | None) -> date | None:
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


def _title_lines(lines: list[str]) -> list[tuple[int, str, re.Match[str]]]:
    """Lines near the top that name the document ("Facture", "Handelsrechnung (380)"), with that word."""
    # The title opens a cell: "facture" in "N° de facture associée" is a reference, not the title.
    title = re.compile(rf"{CELL_START}(?:{labels.TITLE_WORD})", re.IGNORECASE)
    return [(index, line, found) for index, line in enumerate(lines[:30]) if (found := title.search(line))]


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


def find_totals(lines: list[str], currency: str | None = None) -> dict[str, Found | None]:
    """The labelled totals. They stand at the end: the last labelled value wins over a table header's
    ("Montant HT"). A specific gross label ("Total TTC", "Bruttosumme") wins over a bare "Total"."""

    def last(vocabulary: str, below: int = 1) -> Found | None:
        return find_after_label(
            lines, vocabulary, AMOUNT_RE, below=below, last=True, strict=True, currency=currency
        )

    return {
        "gross": last(labels.TOTAL_GROSS) or last(labels.TOTAL_GROSS_WEAK),
        "net": last(labels.TOTAL_NET),
        "tax": last(labels.TOTAL_TAX),
        "due": last(labels.AMOUNT_DUE),
        "prepaid": last(labels.PREPAID, below=0),
    }


def extract_from_text(text: str, *, company_names: list[str] | None = None) -> ExtractedDocument:
    lines = [line.rstrip() for line in text.splitlines()]
    confidence: dict[str, float] = {}
    warnings: list[str] = []
    language = detect_language(text)
    document_type, confidence["document_type"] = detect_type(lines)

    # A label that opens a cell, then the title line, and only then a label inside a sentence
    # ("... bitte Ihre Belegnummer 2018092011804 angeben" is not the title's "Nr. E2018092011804").
    number = (
        find_after_label(lines, labels.NUMBER, NUMBER_VALUE, strict=True)
        or number_on_title_line(lines)
        or find_after_label(lines, labels.NUMBER, NUMBER_VALUE)
    )
    issue = find_issue_date(lines)
    due = find_after_label(lines, labels.DUE_DATE, DATE_RE, strict=True)
    month_first = month_first_order(text, default=language == "en" and "$" in text)
    issue_date = parse_date(issue.value, month_first) if issue else None
    issue_how = issue.how if issue and issue_date else "first date"
    if issue_date is None:
        first_date = next((m.group(0) for line in lines for m in DATE_RE.finditer(line)), None)
        issue_date = parse_date(first_date, month_first) if first_date else None
        if issue_date:
            confidence["issue_date"] = GUESS_CONFIDENCE
            warnings.append("issue date taken from the first date printed (no label found)")
    else:
        confidence["issue_date"] = issue.confidence if issue else 0.0
    due_date = parse_date(due.value, month_first) if due else None
    due_how = due.how if due and due_date else "payment terms"
    if due_date and due:
        confidence["due_date"] = due.confidence
    else:
        due_date = _due_from_terms(text, issue_date)
        if due_date:
            confidence["due_date"] = 0.85
            warnings.append("due date computed from the payment terms")

    currency = find_currency(text)
    totals = find_totals(lines, currency)
    gross, net, tax = (_amount_value(totals[k]) for k in ("gross", "net", "tax"))
    amount_due = _amount_value(totals["due"])
    # A mismatch of net + tax and gross is left as printed: validation lowers the confidence and the
    # document goes to a person. "Correcting" the gross from a misread tax would invent an amount.
    if gross is None and net is not None and tax is not None:
        gross = net + tax
        warnings.append("gross computed as net + tax")
    if gross is not None:
        confidence["total_gross"] = totals["gross"].confidence if totals["gross"] else 0.7
    if _is_negative(totals["gross"]) and document_type == "invoice":
        document_type = "credit_note"  # a negative invoice is a credit; amounts are kept positive
        warnings.append("the total is negative: read as a credit note")
    if amount_due is None:
        prepaid = _amount_value(totals["prepaid"])
        amount_due = gross - prepaid if gross is not None and prepaid else gross
        if amount_due is not None:
            confidence["amount_due"] = confidence.get("total_gross", 0.0)
    else:
        confidence["amount_due"] = totals["due"].confidence if totals["due"] else 0.0

    if currency:
        confidence["currency"] = 0.95
    vat_breakdown, breakdown_confidence = find_vat_breakdown(lines, net, tax, currency) or ([], None)
    if breakdown_confidence is not None:
        confidence["vat_breakdown"] = breakdown_confidence
    if number:
        confidence["number"] = number.confidence

    parties = read_parties(lines, text)
    customer, supplier = parties.customer, parties.supplier
    if parties.name_confidence is not None:
        confidence["customer_name"] = parties.name_confidence
    own = [name.lower() for name in company_names or []]
    if customer.name and any(name and name in customer.name.lower() for name in own):
        warnings.append("the customer block names our own company")
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
    return ExtractedDocument(
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
        warnings=warnings,
    )
