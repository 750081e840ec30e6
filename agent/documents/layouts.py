"""Layout memory: a company's invoices come from one or two billing tools, so once a document of a layout
has been validated, the next one of that layout is read with more confidence and without an LLM call.

- A layout is recognised by a fingerprint: the labels that carried the number, the issue date, the total
  and the customer's block, and the issuer's VAT id. Two documents of one tool share them; their
  values differ.
- What is remembered is where each field sat (`ExtractedDocument.provenance`: its label and place), and
  only from a document the text path read the same as a second, trusted reading: its own e-invoice XML,
  or an LLM that agreed on every key field.
- A person's correction teaches too (`learn_from_person`): a field they confirmed is remembered where it
  was read; a field they corrected is remembered where its true value is printed (`placement.teach`), or
  forgotten when no label leads to it.
- On a later document of that layout, a field the text path read elsewhere is read again at the
  remembered place (`placement.read_at`); a field found where it was validated gets `REMEMBERED`
  confidence; a field found elsewhere keeps its own, so a changed layout still goes to a person. When
  every key field is confirmed, the LLM is not asked.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session, select

from agent.documents.llm_reading import AGREED, CHECKED, comparable
from agent.documents.locations import locate
from agent.documents.placement import TEACHABLE, PageText, read_at, teach, value_of
from agent.documents.schema import ExtractedDocument
from agent.documents.text import due_from_terms
from agent.models import Layout

IDENTIFYING = ("number", "issue_date", "total_gross", "customer_name")
KEY_FIELDS = ("number", "issue_date", "due_date", "total_gross", "amount_due", "customer_name")
REMEMBERED = 0.96  # over the review threshold; validation still lowers it when a check fails


def fingerprint(document: ExtractedDocument) -> str | None:
    """The layout's fingerprint; None when two identifying fields were not found. One may be missing:
    a layout whose number has no label the extractor knows is what a person's correction teaches."""
    parts = [document.provenance.get(name) for name in IDENTIFYING]
    if sum(1 for part in parts if part) < len(IDENTIFYING) - 1:
        return None
    material = "\n".join([*(part or "" for part in parts), document.supplier.vat_id or ""])
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def apply_memory(
    document: ExtractedDocument, remembered: dict[str, str], page: PageText | None = None
) -> None:
    """Read again, at its remembered place, each field the text path read elsewhere; then raise the
    confidence of the fields found where the validated document had them."""
    if page is not None:
        for name, how in remembered.items():
            if name in TEACHABLE and document.provenance.get(name) != how:
                _read_again(document, name, how, page)
    confirmed = [name for name, how in document.provenance.items() if remembered.get(name) == how]
    for name in confirmed:
        document.confidence[name] = max(document.confidence.get(name, 0.0), REMEMBERED)
    document.layout_confirmed = confirmed


def fully_confirmed(document: ExtractedDocument) -> bool:
    """Every key field found where the layout had it: the LLM has nothing to add."""
    needed = [n for n in KEY_FIELDS if not (n == "due_date" and document.document_type == "credit_note")]
    return bool(document.layout_confirmed) and all(name in document.layout_confirmed for name in needed)


def agrees(reading: ExtractedDocument, trusted: ExtractedDocument) -> bool:
    """The text path read every key field the trusted reading has, and read it the same."""
    if reading.document_type != trusted.document_type:
        return False
    for name in CHECKED:
        expected = comparable(trusted, name)
        if expected is not None and comparable(reading, name) != expected:
            return False
    return all(comparable(reading, name) is not None for name in IDENTIFYING)


def _read_again(document: ExtractedDocument, name: str, how: str, page: PageText) -> None:
    found = read_at(page, name, how)
    value = value_of(name, found.value, page) if found else None
    if found is None or value is None:
        return  # not printed there: the field keeps its own reading and confidence
    before = getattr(document, name)
    setattr(document, name, value)
    document.provenance[name] = how
    document.locations.pop(name, None)
    if where := locate(page.lines, page.starts, found.line, found.value):
        document.locations[name] = where
    # Values the text path derived from the one replaced follow it.
    if name == "total_gross" and document.provenance.get("amount_due") == "gross - prepaid":
        prepaid = (before or Decimal(0)) - (document.amount_due or Decimal(0))
        document.amount_due = document.total_gross - prepaid if document.total_gross else None
    if name == "issue_date" and document.provenance.get("due_date") == "payment terms":
        document.due_date = due_from_terms(page.text, document.issue_date)


def recall(session: Session, *, layout: str) -> dict[str, str] | None:
    row = session.exec(select(Layout).where(Layout.fingerprint == layout)).first()
    return dict(row.fields) if row else None


def remember(
    session: Session,
    *,
    layout: str,
    fields: dict[str, str],
    validated_by: str,
    document_id: int | None,
    at: datetime,
    forget: tuple[str, ...] = (),
) -> Layout:
    """Keep (or refresh) where a validated document's fields sat; `forget`: fields a person corrected
    whose true place is unknown, so the layout no longer vouches for them."""
    row = session.exec(select(Layout).where(Layout.fingerprint == layout)).first()
    if row is None:
        row = Layout(
            fingerprint=layout, validated_by=validated_by, first_validated_at=at, last_validated_at=at
        )
    kept = {name: how for name, how in row.fields.items() if name not in forget}
    row.fields = {**kept, **fields}
    row.validations += 1
    row.validated_by, row.last_document_id, row.last_validated_at = validated_by, document_id, at
    session.add(row)
    return row


def learn(
    session: Session,
    *,
    extraction: ExtractedDocument,
    page_without_xml: ExtractedDocument | None,
    document_id: int | None,
    at: datetime,
) -> Layout | None:
    """Remember the layout of a document whose text two methods read alike: a Factur-X PDF's printed
    page (`page_without_xml`, the same file read again with its XML ignored) against its own XML, or
    the text path against an LLM that agreed on every key field."""
    if extraction.source == "facturx" and page_without_xml is not None:
        if page_without_xml.source == "text" and agrees(page_without_xml, extraction):
            reading, validated_by = page_without_xml, "xml"
        else:
            return None
    elif extraction.source == "llm" and all(
        extraction.confidence.get(name) == AGREED for name in CHECKED if name in extraction.provenance
    ):
        reading, validated_by = extraction, "llm"
    else:
        return None
    layout = reading.layout or fingerprint(reading)
    if layout is None:
        return None
    return remember(
        session,
        layout=layout,
        fields=reading.provenance,
        validated_by=validated_by,
        document_id=document_id,
        at=at,
    )


@dataclass(frozen=True)
class Lesson:
    """What a person's check teaches a layout: the places to remember, the fields it no longer vouches
    for, and the corrected fields no label on the page leads to."""

    layout: str | None  # the fingerprint; None when too few fields were found to recognise the layout
    places: dict[str, str]
    forget: tuple[str, ...]
    unplaced: tuple[str, ...]


def lesson_of(reading: ExtractedDocument, checked: ExtractedDocument, page: PageText) -> Lesson:
    """What a checked document teaches. `reading` is the text path's reading of its page, `checked`
    the values a person confirmed or corrected."""
    places: dict[str, str] = {}
    unplaced: list[str] = []
    for name, how in reading.provenance.items():
        if comparable(reading, name) == comparable(checked, name):
            places[name] = how  # read right, and where it was read
    for name in TEACHABLE:
        value = getattr(checked, name)
        if value is None or comparable(reading, name) == comparable(checked, name):
            continue
        if taught := teach(page, name, value):
            places[name] = taught
        else:
            unplaced.append(name)
    forget = tuple(name for name in reading.provenance if name not in places)
    return Lesson(reading.layout or fingerprint(reading), places, forget, tuple(unplaced))


def learn_from_person(
    session: Session,
    *,
    reading: ExtractedDocument,
    checked: ExtractedDocument,
    page: PageText,
    document_id: int | None,
    at: datetime,
) -> Lesson:
    """Remember what a document a person checked teaches its layout (`lesson_of`)."""
    lesson = lesson_of(reading, checked, page)
    if lesson.layout is not None:
        remember(
            session,
            layout=lesson.layout,
            fields=lesson.places,
            validated_by="person",
            document_id=document_id,
            at=at,
            forget=lesson.forget,
        )
    return lesson
