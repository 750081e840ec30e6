"""Payments from a CSV bank or accounting export.

French, German, English... exports differ in separators, headers, date order and number format; the
headers are recognised in several languages and everything can be set in `[payments.csv]`. An
export that repeats yesterday's rows is harmless: a row without a bank reference gets a fingerprint
of its content (and of its rank among identical rows, since two equal transfers on one day are two
payments).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from datetime import date
from decimal import Decimal

from agent.documents.parsing import parse_amount, parse_date
from agent.payments.lines import ImportReport, PaymentLine
from agent.settings import CsvFormat

COLUMN_NAMES = {
    "date": ("date", "booking date", "value date", "date opération", "date valeur", "buchungstag", "datum"),
    "amount": ("amount", "montant", "betrag", "credit", "crédit", "importe", "haben", "bedrag"),
    "currency": ("currency", "devise", "währung", "waehrung", "moneda", "valuta"),
    "reference": (
        "reference",
        "référence",
        "libellé",
        "libelle",
        "verwendungszweck",
        "remittance",
        "description",
        "label",
        "concepto",
        "omschrijving",
    ),
    "payer": ("payer", "counterparty", "tiers", "émetteur", "auftraggeber", "name", "debtor", "ordenante"),
    "payer_account": ("iban", "payer iban", "counterparty iban", "iban tiers", "kontonummer"),
    "bank_reference": ("bank reference", "transaction id", "id", "référence banque", "end to end id"),
}
DEBIT_WORDS = ("debit", "débit", "soll", "cargo", "withdrawal", "af")


def _columns(header: list[str], configured: dict[str, str]) -> dict[str, int]:
    lowered = [h.strip().lower() for h in header]
    found: dict[str, int] = {}
    for key, name in configured.items():
        if name.strip().lower() not in lowered:
            raise ValueError(f"configured column {name!r} for {key} is not in header {header}")
        found[key] = lowered.index(name.strip().lower())
    for key, names in COLUMN_NAMES.items():
        for index, name in enumerate(lowered):
            if name in names and key not in found:
                found[key] = index
    return found


def read_rows(data: bytes, fmt: CsvFormat) -> tuple[list[str], dict[str, int], list[list[str]]]:
    try:
        text = data.decode(fmt.encoding)  # utf-8-sig: a BOM is common in spreadsheet exports
    except UnicodeDecodeError as error:
        raise ValueError(f"not {fmt.encoding} text (set payments.csv.encoding)") from error
    if fmt.delimiter:
        dialect: type[csv.Dialect] | csv.Dialect = csv.excel
        rows = list(csv.reader(io.StringIO(text), dialect, delimiter=fmt.delimiter))
    else:
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
        except csv.Error as error:
            raise ValueError("not a CSV with ';', ',' or tab separated columns") from error
        rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        raise ValueError("empty file")
    columns = _columns(rows[0], fmt.columns)
    missing = [key for key in ("date", "amount") if key not in columns]
    if missing:
        raise ValueError(f"no column for {', '.join(missing)} in header {rows[0]}")
    return rows[0], columns, [row for row in rows[1:] if any(cell.strip() for cell in row)]


def read_amount(text: str, decimal_separator: str | None) -> Decimal | None:
    if decimal_separator is None:
        return parse_amount(text)
    thousands = "." if decimal_separator == "," else ","
    cleaned = re.sub(r"[\s\u00a0\u202f'’]", "", text).replace(thousands, "").replace(decimal_separator, ".")
    return parse_amount(cleaned)


def read_date(text: str, order: str) -> date | None:
    value = text.strip().split(" ")[0].split("T")[0]  # "20/11/2026 00:00" from spreadsheet exports
    if order == "YMD":
        found = re.fullmatch(r"(\d{4})[./-](\d{1,2})[./-](\d{1,2})", value)
        try:
            return date(*(int(part) for part in found.groups())) if found else None
        except ValueError:
            return None
    return parse_date(value, month_first=order == "MDY")


def read_csv(data: bytes, fmt: CsvFormat, report: ImportReport) -> list[PaymentLine]:
    header, columns, rows = read_rows(data, fmt)
    has_debit_column = any(word in DEBIT_WORDS for h in header for word in re.split(r"\W+", h.lower()))
    seen: Counter[str] = Counter()
    lines = []
    for number, row in enumerate(rows, start=2):

        def cell(key: str, row: list[str] = row) -> str:
            return row[columns[key]].strip() if key in columns and columns[key] < len(row) else ""

        if not cell("amount") and has_debit_column:
            report.skipped += 1  # a debit line of a file with separate debit and credit columns
            continue
        amount = read_amount(cell("amount"), fmt.decimal_separator)
        received = read_date(cell("date"), fmt.date_order)
        if amount is None or received is None:
            report.errors.append(
                f"line {number}: unreadable amount {cell('amount')!r} or date {cell('date')!r}"
            )
            continue
        if amount <= 0:
            report.skipped += 1  # outgoing money is not a customer payment
            continue
        content = "|".join(cell.strip() for cell in row)
        seen[content] += 1
        fingerprint = hashlib.sha256(f"{content}#{seen[content]}".encode()).hexdigest()[:32]
        lines.append(
            PaymentLine(
                external_id=cell("bank_reference") or f"row:{fingerprint}",
                received_on=received,
                amount=amount,
                currency=(cell("currency") or fmt.default_currency).upper(),
                reference=cell("reference"),
                payer=cell("payer") or None,
                payer_account=cell("payer_account").replace(" ", "").upper() or None,
            )
        )
    return lines
