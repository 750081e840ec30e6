"""The deterministic text extractor: no template, no LLM.

It reads pypdf's layout text (columns kept as spaces) and finds each field next to its label: on the
same line to the right, or just below in the same column. Amounts are cross-checked (net + tax =
gross) before they are believed. Every field gets a confidence; a value found without its label, or
one that fails a check, is marked doubtful so it leads to a review task, never to a customer e-mail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from agent.documents import labels
from agent.documents.parsing import AMOUNT_RE, DATE_RE, find_currency, parse_amount, parse_date
from agent.documents.schema import ExtractedDocument, Party
from agent.documents.vat import country_of, is_valid_vat

NUMBER_VALUE = re.compile(r"[A-Z0-9][A-Z0-9\-/_.]*\d[A-Z0-9\-/_.]*|\d+", re.IGNORECASE)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
VAT_CANDIDATE = re.compile(r"\b(?:[A-Z]{2}|CHE)[ -]?(?:[0-9A-Z][ .-]?){8,13}\b")
GAP = re.compile(r"\s{3,}")
LABEL_CONFIDENCE, BELOW_CONFIDENCE, GUESS_CONFIDENCE = 0.95, 0.85, 0.5


@dataclass
class Found:
    value: str
    line: int
    confidence: float


def _label_re(vocabulary: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w])(?:{vocabulary})(?![\w])\s*[:.]?", re.IGNORECASE)


def _column_slice(line: str, start: int) -> str:
    """The text of `line` in the column that begins near `start`, up to the next wide gap."""
    if start >= len(line):
        return ""
    begin = max(0, start - 2)
    while begin > 0 and line[begin - 1] != " ":  # do not cut a word that starts a little to the left
        begin -= 1
    segment = line[begin:]
    gap = GAP.search(segment.strip() and segment.lstrip())
    stripped = segment.lstrip()
    return stripped[: gap.start()] if gap else stripped


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
    lines: list[str], vocabulary: str, value_re: re.Pattern[str], *, below: int = 2, last: bool = False
) -> Found | None:
    """The value right of a label on its line (same column), else in the lines just below it."""
    label_re = _label_re(vocabulary)
    hits: list[Found] = []
    for index, line in enumerate(lines):
        for label in label_re.finditer(line):
            rest = line[label.end() :]
            right = GAP.split(rest.strip(), maxsplit=2)
            # The value belongs to the label if it is in the next cell (a tabular layout allows one gap).
            for cell in right[:2]:
                value = _first_value(value_re, cell)
                if value:
                    hits.append(Found(value, index, LABEL_CONFIDENCE))
                    break
            else:
                # The next lines that have text in the label's column; lines blank there do not count
                # (the other column of a two-column layout may run on beside the label).
                window = range(index + 1, min(len(lines), index + 4 * below + 1))
                cells = [
                    (n, cell) for n in window if (cell := _column_slice(lines[n], label.start()).strip())
                ]
                for number, cell in cells[:below]:
                    value = _first_value(value_re, cell)
                    if value:
                        hits.append(Found(value, number, BELOW_CONFIDENCE))
                        break
            if hits and not last:
                return hits[0]
    return hits[-1] if hits else None


def detect_language(text: str) -> str | None:
    lowered = text.lower()
    scores = {lang: len(re.findall(pattern, lowered)) for lang, pattern in labels.LANGUAGE_WORDS.items()}
    best = max(scores.items(), key=lambda item: item[1])
    return best[0] if best[1] else None


def detect_type(lines: list[str]) -> tuple[str, float]:
    head = "\n".join(lines[:25]).lower()
    if re.search(rf"(?<![\w])(?:{labels.CREDIT_NOTE_TITLES})(?![\w])", head, re.IGNORECASE):
        return "credit_note", 0.9
    if re.search(rf"(?<![\w])(?:{labels.INVOICE_TITLES})(?![\w])", head, re.IGNORECASE):
        return "invoice", 0.95
    return "invoice", GUESS_CONFIDENCE


def _amount_value(found: Found | None) -> Decimal | None:
    return abs(amount) if found and (amount := parse_amount(found.value)) is not None else None


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


def find_vat_ids(text: str) -> list[tuple[str, int]]:
    """Valid VAT ids (checksum verified by python-stdnum) with the line they stand on."""
    found: list[tuple[str, int]] = []
    for index, line in enumerate(text.splitlines()):
        for match in VAT_CANDIDATE.finditer(line.upper()):
            compact = re.sub(r"[ .-]", "", match.group(0))
            if is_valid_vat(compact) and compact not in (v for v, _ in found):
                found.append((compact, index))
    return found


def number_on_title_line(lines: list[str]) -> Found | None:
    """'Handelsrechnung (380)  30.10.2019  Nr. TX-471102': a number marker on the line that names the
    document, near the top. Used when no number label matched."""
    title = re.compile(labels.TITLE_WORD, re.IGNORECASE)
    marker = re.compile(labels.NUMBER_MARKER, re.IGNORECASE)
    for index, line in enumerate(lines[:30]):
        if not title.search(line):
            continue
        for found in marker.finditer(line):
            value = NUMBER_VALUE.match(line[found.end() :])
            if value and not DATE_RE.fullmatch(value.group(0)):
                return Found(value.group(0), index, 0.8)
    return None


def customer_block(lines: list[str]) -> tuple[list[str], int] | None:
    """The lines of the addressee block under a 'Bill to' / 'Client' / 'Kunde' label, in its column."""
    label_re = _label_re(labels.CUSTOMER_BLOCK)
    for index, line in enumerate(lines):
        label = label_re.search(line)
        if not label:
            continue
        block: list[str] = []
        same_line = GAP.split(line[label.end() :].strip(), maxsplit=1)[0].strip(" :")
        if same_line and not NUMBER_VALUE.fullmatch(same_line):
            block.append(same_line)
        for following in lines[index + 1 : index + 8]:
            cell = _column_slice(following, label.start()).strip()
            if cell.endswith(":"):  # a field label ("Name:") whose value stands in the next column
                rest = following[following.find(cell) + len(cell) :].strip()
                cell = f"{cell} {GAP.split(rest, maxsplit=1)[0]}".strip() if rest else cell
            if not cell:
                if block:
                    break
                continue
            block.append(cell)
        block = _name_first(block)
        if block:
            return block, index
    return None


def _name_first(block: list[str]) -> list[str]:
    """Put the name first: a labelled name field anywhere in the block ("Name: X") wins; otherwise drop
    a contact-person line that opens the block, and join a lone salutation ("Herrn") to the name."""
    field = re.compile(labels.FIELD_PREFIX, re.IGNORECASE)
    for index, line in enumerate(block):
        if field.match(line) and field.sub("", line).strip():
            return [field.sub("", line).strip(), *block[:index], *block[index + 1 :]]
    person = re.compile(labels.PERSON_LINE, re.IGNORECASE)
    while block and person.match(block[0]):
        block = block[1:]
    if len(block) > 1 and re.match(labels.SALUTATION, block[0].strip(), re.IGNORECASE):
        block = [f"{block[0].strip()} {block[1].strip()}", *block[2:]]
    return [line for line in block if line]


def _party_from_block(block: list[str]) -> Party:
    emails = [m.group(0) for line in block for m in EMAIL.finditer(line)]
    address_lines = [
        line
        for line in block[1:]
        if not EMAIL.search(line) and not re.search(r"t[ée]l|phone|contact", line, re.I)
    ]
    country = None
    for code, pattern in labels.COUNTRY_NAMES.items():
        if any(re.search(pattern, line, re.IGNORECASE) for line in block):
            country = code
            break
    return Party(
        name=block[0],
        address=", ".join(address_lines[:4]) or None,
        country=country,
        email=emails[0] if emails else None,
    )


def extract_from_text(text: str, *, company_names: list[str] | None = None) -> ExtractedDocument:
    lines = [line.rstrip() for line in text.splitlines()]
    confidence: dict[str, float] = {}
    warnings: list[str] = []
    language = detect_language(text)
    document_type, confidence["document_type"] = detect_type(lines)

    number = find_after_label(lines, labels.NUMBER, NUMBER_VALUE) or number_on_title_line(lines)
    issue = find_after_label(lines, labels.ISSUE_DATE, DATE_RE)
    due = find_after_label(lines, labels.DUE_DATE, DATE_RE)
    month_first = language == "en" and "$" in text
    issue_date = parse_date(issue.value, month_first) if issue else None
    if issue_date is None:
        first_date = next((m.group(0) for line in lines for m in DATE_RE.finditer(line)), None)
        issue_date = parse_date(first_date, month_first) if first_date else None
        if issue_date:
            confidence["issue_date"] = GUESS_CONFIDENCE
            warnings.append("issue date taken from the first date printed (no label found)")
    else:
        confidence["issue_date"] = issue.confidence if issue else 0.0
    due_date = parse_date(due.value, month_first) if due else None
    if due_date and due:
        confidence["due_date"] = due.confidence
    else:
        due_date = _due_from_terms(text, issue_date)
        if due_date:
            confidence["due_date"] = 0.85
            warnings.append("due date computed from the payment terms")

    gross_found = find_after_label(lines, labels.TOTAL_GROSS, AMOUNT_RE, below=1, last=True)
    # Totals stand at the end: the last labelled value wins over a table header's ("Montant HT").
    net_found = find_after_label(lines, labels.TOTAL_NET, AMOUNT_RE, below=1, last=True)
    tax_found = find_after_label(lines, labels.TOTAL_TAX, AMOUNT_RE, below=1, last=True)
    due_found = find_after_label(lines, labels.AMOUNT_DUE, AMOUNT_RE, below=1, last=True)
    gross, net, tax = _amount_value(gross_found), _amount_value(net_found), _amount_value(tax_found)
    amount_due = _amount_value(due_found)
    # A mismatch of net + tax and gross is left as printed: validation lowers the confidence and the
    # document goes to a person. "Correcting" the gross from a misread tax would invent an amount.
    if gross is None and net is not None and tax is not None:
        gross = net + tax
        warnings.append("gross computed as net + tax")
    if gross is not None:
        confidence["total_gross"] = gross_found.confidence if gross_found else 0.7
    if amount_due is None:
        prepaid = _amount_value(find_after_label(lines, labels.PREPAID, AMOUNT_RE, below=0))
        amount_due = gross - prepaid if gross is not None and prepaid else gross
        if amount_due is not None:
            confidence["amount_due"] = confidence.get("total_gross", 0.0)
    else:
        confidence["amount_due"] = due_found.confidence if due_found else 0.0

    currency = find_currency(text)
    if currency:
        confidence["currency"] = 0.95
    if number:
        confidence["number"] = number.confidence

    block = customer_block(lines)
    customer = _party_from_block(block[0]) if block else Party()
    if block:
        confidence["customer_name"] = 0.9
    own = [name.lower() for name in company_names or []]
    if customer.name and any(name and name in customer.name.lower() for name in own):
        warnings.append("the customer block names our own company")
        confidence["customer_name"] = 0.2
    vat_ids = find_vat_ids(text)
    supplier = Party()
    if vat_ids:
        block_lines = range(block[1], block[1] + 10) if block else range(0)
        in_block = [vat for vat, line in vat_ids if line in block_lines]
        customer.vat_id = in_block[0] if in_block else None
        others = [vat for vat, _ in vat_ids if vat != customer.vat_id]
        supplier.vat_id = others[0] if others else None
    if customer.vat_id and not customer.country:
        customer.country = country_of(customer.vat_id)

    referenced = find_after_label(lines, labels.REFERENCED_INVOICE, NUMBER_VALUE)
    return ExtractedDocument(
        source="text",
        document_type=document_type,  # type: ignore[arg-type]
        number=number.value if number else None,
        issue_date=issue_date,
        due_date=due_date,
        currency=currency,
        total_net=net,
        total_tax=tax,
        total_gross=gross,
        amount_due=amount_due,
        customer=customer,
        supplier=supplier,
        referenced_invoice=referenced.value if referenced else None,
        language=language,
        confidence=confidence,
        warnings=warnings,
    )
