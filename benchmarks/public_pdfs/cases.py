"""The public PDFs fetched by `fetch.py` as benchmark cases, split in two halves by layout family.

The truth of a PDF with embedded Factur-X / ZUGFeRD XML is what relance's XML path reads from it (the
text path is then measured with that XML ignored); the one PDF without XML has the truth its source's
own test asserts (`*.truth.json`). A field is scored only where the page prints its value in some usual
form (as the shared corpus's `visible_in_text`): a value the page does not show cannot be read from it.

The halves are whole layout families, so that nothing tuned on one half has seen the other's layouts:
- `dev`: erechnung (DIN 5008, de/en) and the ZUGFeRD 1.0 samples (AWV 2014);
- `held`: eu-einvoice (six languages), facturex (two themes) and the Odoo-printed invoice.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel.dates import format_date
from pypdf import PdfReader

from agent.documents.extract import ExtractOptions, extract_document, pdf_text
from agent.documents.vat import compact

HALVES = {"dev": ("erechnung", "ZUGFeRD_1p0"), "held": ("eu_einvoice", "facturex", "akretion")}
FIELDS = ("document_type", "number", "issue_date", "due_date", "currency", "total_gross", "amount_due",
          "customer_name", "total_net", "total_tax", "customer_vat_id", "referenced_invoice")  # fmt: skip
LOCALES = ("de", "fr", "en", "es", "it", "nl", "pt")
SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$", "CHF": "CHF"}


def family(name: str) -> str:
    return next((f for fams in HALVES.values() for f in fams if name.startswith(f)), "other")


def public_cases(
    folder: Path, half: str
) -> Iterator[tuple[str, bytes, dict[str, Any], tuple[str, ...], Any]]:
    """(name, pdf, expected fields, the issuer's names, the customer's address parts) per PDF of `half`."""
    for path in sorted(folder.glob("*.pdf")):
        if not path.name.startswith(HALVES[half]):
            continue
        pdf = path.read_bytes()
        text = pdf_text(PdfReader(io.BytesIO(pdf)))
        truth_file = path.with_suffix(".truth.json")
        if truth_file.exists():
            truth = json.loads(truth_file.read_text())
            own: tuple[str, ...] = ()
            address = None
        else:
            document = extract_document(path.name, pdf, ExtractOptions())
            if document.source not in ("facturx", "ubl"):
                continue
            truth = {name: _value(document, name) for name in FIELDS}
            own = tuple(n for n in [document.supplier.name] if n)
            address = _address(document)
        expected = {
            name: value
            for name, value in truth.items()
            if value not in (None, "") and (name == "document_type" or printed(name, value, text))
        }
        if address and not all(_flat(part) in _flat(text) for part in address):
            address = None
        yield path.stem, pdf, expected, own, address


def _value(document: Any, name: str) -> Any:
    if name == "customer_name":
        return document.customer.name
    if name == "customer_vat_id":
        return document.customer.vat_id
    value = getattr(document, name)
    return value.isoformat() if isinstance(value, date) else value


def _address(document: Any) -> list[str] | None:
    """The street line, postcode and city as the XML gives them (the last lines of the address)."""
    lines = [line for line in (document.customer.address or "").splitlines() if line.strip()]
    return lines[:2] if len(lines) >= 2 else None


def _flat(text: str) -> str:
    return " ".join(text.lower().split())


def printed(name: str, value: Any, text: str) -> bool:
    """Whether `value` is shown on the page in one of the forms invoices print it."""
    if name in ("issue_date", "due_date"):
        day = date.fromisoformat(str(value))
        forms = {
            day.strftime(f) for f in ("%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%m/%d/%Y", "%d.%m.%y")
        }
        forms |= {format_date(day, style, locale=loc) for loc in LOCALES for style in ("long", "medium")}
        flat = _flat(text)
        return any(_flat(form) in flat for form in forms)
    if name in ("total_gross", "amount_due", "total_net", "total_tax"):
        return any(form in text for form in _amount_forms(Decimal(str(value))))
    if name == "currency":
        return str(value) in text or SYMBOLS.get(str(value), "\0") in text
    if name in ("customer_vat_id", "number", "referenced_invoice"):
        return compact(str(value)) in compact(text) if name == "customer_vat_id" else str(value) in text
    return _flat(str(value)) in _flat(text)


def _amount_forms(amount: Decimal) -> set[str]:
    plain = f"{abs(amount):.2f}"
    units, cents = plain.split(".")
    grouped = f"{int(units):,}"
    forms = {f"{units},{cents}", f"{units}.{cents}", f"{grouped}.{cents}"}
    forms |= {f"{grouped.replace(',', sep)},{cents}" for sep in (".", " ", "\u202f", "\xa0", "'")}
    return forms
