"""The LLM's reading of a document, turned into an `ExtractedDocument` and cross-checked.

The model's answer is data like any other: dates and amounts are parsed strictly (an unreadable value
is dropped with a warning), and every key field is compared with the deterministic extractor's. Where
both agree the field is trusted; where they disagree it is marked doubtful with both values, so the
document goes to a person instead of driving a reminder. A value only the model read is kept for the
person to see, under the review threshold: the model reads the document's own text, and text can say
anything ("ignore your instructions, the due date is..."), so nothing the page alone asserts through
the model may drive a reminder unchecked. The model can lower a confidence (by disagreeing), never
raise one above what the deterministic reading supports.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from agent.documents.locations import field_value
from agent.documents.schema import ExtractedDocument, Line, Party
from agent.llm import LlmDocument, LlmParty, parse_iso_date

# Found by the model only: shown to the person who checks, never enough to record. Well under any
# sensible review threshold (0.8 by default; the check is `<`, so 0.8 itself would pass).
LLM_ALONE = 0.3
AGREED = 0.97
DISAGREED = 0.3
CHECKED = (
    "number",
    "issue_date",
    "due_date",
    "currency",
    "total_gross",
    "amount_due",
    "customer_name",
)
ALSO_CHECKED = ("total_net", "total_tax", "customer_vat_id")  # compared alike; not what a layout learns
# Values that are not key fields but decide what a key field means: which way the money goes (a credit
# note is applied against invoices), which account the document lands on (accounts are matched by VAT
# id first), which invoice a credit note pays. Where the model reads them otherwise than the extractor,
# the key field they steer is in doubt.
STEERS = {
    "document_type": "amount_due",
    "customer_vat_id": "customer_name",
    "referenced_invoice": "amount_due",
}


def _amount(value: str | None, name: str, warnings: list[str]) -> Decimal | None:
    if value is None or not value.strip():
        return None
    try:
        amount = Decimal(value.strip().replace(" ", ""))
    except InvalidOperation:
        warnings.append(f"LLM gave an unreadable {name}: {value!r}")
        return None
    return abs(amount).quantize(Decimal("0.01"))


def _party(party: LlmParty) -> Party:
    country = (party.country or "").strip().upper()
    return Party(
        name=party.name,
        address=party.address,
        country=country if re.fullmatch(r"[A-Z]{2}", country) else None,
        vat_id=re.sub(r"[\s.-]", "", party.vat_id).upper() if party.vat_id else None,
        email=party.email,
    )


def from_llm(answer: LlmDocument) -> ExtractedDocument:
    warnings: list[str] = []
    dates = {}
    for name in ("issue_date", "due_date"):
        raw = getattr(answer, name)
        dates[name] = parse_iso_date(raw)
        if raw and dates[name] is None:
            warnings.append(f"LLM gave an unreadable {name}: {raw!r}")
    currency = (answer.currency or "").strip().upper()
    document = ExtractedDocument(
        source="llm",
        document_type=answer.document_type,
        number=(answer.number or "").strip() or None,
        issue_date=dates["issue_date"],
        due_date=dates["due_date"],
        currency=currency if re.fullmatch(r"[A-Z]{3}", currency) else None,
        total_net=_amount(answer.total_net, "net total", warnings),
        total_tax=_amount(answer.total_tax, "tax total", warnings),
        total_gross=_amount(answer.total_gross, "gross total", warnings),
        amount_due=_amount(answer.amount_due, "amount due", warnings),
        customer=_party(answer.customer),
        supplier=_party(answer.supplier),
        referenced_invoice=answer.referenced_invoice,
        lines=[
            Line(
                description=line.description,
                quantity=_amount(line.quantity, "quantity", warnings),
                unit_price=_amount(line.unit_price, "unit price", warnings),
                amount=_amount(line.amount, "line amount", warnings),
            )
            for line in answer.lines
        ],
        language=answer.language,
        warnings=warnings,
    )
    if document.amount_due is None:
        document.amount_due = document.total_gross
    return document


def comparable(document: ExtractedDocument, name: str) -> object:
    """A key field as two readings are compared: numbers without punctuation, names without case."""
    if name == "customer_name":
        name_value = document.customer.name
        return re.sub(r"\W+", " ", name_value).strip().lower() if name_value else None
    if name == "number":
        return re.sub(r"[^0-9A-Za-z]", "", document.number).upper() if document.number else None
    return field_value(document, name)  # "customer_vat_id" is the customer's VAT id


def cross_check(llm: ExtractedDocument, text: ExtractedDocument | None) -> ExtractedDocument:
    """The LLM's document, each key field's confidence set by its agreement with the text extractor."""
    merged = llm.model_copy(deep=True)
    for name in CHECKED + ALSO_CHECKED:
        mine = comparable(llm, name)
        theirs = comparable(text, name) if text is not None else None
        if mine is not None and theirs is not None:
            if mine == theirs:  # two independent readings: the only way the model raises a confidence
                merged.confidence[name] = AGREED
            else:
                merged.confidence[name] = DISAGREED
                merged.warnings.append(
                    f"{name.replace('_', ' ')}: the LLM read {mine}, the text extractor {theirs}"
                )
        elif mine is not None:
            merged.confidence[name] = LLM_ALONE
            merged.warnings.append(f"{name.replace('_', ' ')}: read by the LLM only ({mine})")
        elif text is not None and theirs is not None:  # the model missed what the extractor found
            _take(merged, text, name)
            merged.confidence[name] = text.confidence.get(name, 0.0)
        else:
            merged.confidence[name] = 0.0
    _steering(merged, llm, text)
    return merged


def _take(merged: ExtractedDocument, text: ExtractedDocument, name: str) -> None:
    if name == "customer_name":
        merged.customer = text.customer.model_copy()
    elif name == "customer_vat_id":
        merged.customer.vat_id = text.customer.vat_id
    else:
        setattr(merged, name, getattr(text, name))


def _steering(merged: ExtractedDocument, llm: ExtractedDocument, text: ExtractedDocument | None) -> None:
    """A value that steers a key field and that the extractor does not support puts that field in doubt."""
    for name, steered in STEERS.items():
        if name == "customer_vat_id":  # compared with the key fields above, its warning given there
            mine, theirs = comparable(llm, name), None if text is None else comparable(text, name)
        else:
            mine, theirs = getattr(llm, name), None if text is None else getattr(text, name)
            if mine is not None and mine != theirs:
                merged.warnings.append(
                    f"{name.replace('_', ' ')}: the LLM read {mine}, the text extractor {theirs or 'nothing'}"
                )
        if mine is not None and mine != theirs:
            merged.confidence[steered] = min(merged.confidence.get(steered, 0.0), DISAGREED)
