"""Layout memory: a company's invoices come from one or two billing tools, so once a document of a layout
has been validated, the next one of that layout is read with more confidence and without an LLM call.

- A layout is recognised by a fingerprint: the labels that carried the number, the issue date, the total
  and the customer's block, and the issuer's VAT id. Two documents of one tool share them; their
  values differ.
- What is remembered is where each field sat (`ExtractedDocument.provenance`: its label and place), and
  only from a document the text path read the same as a second, trusted reading: its own e-invoice XML,
  or an LLM that agreed on every key field.
- On a later document of that layout, a field found where it was validated gets `REMEMBERED` confidence;
  a field found elsewhere keeps its own, so a changed layout still goes to a person. When every key field
  is confirmed, the LLM is not asked.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlmodel import Session, select

from agent.documents.llm_reading import AGREED, CHECKED, comparable
from agent.documents.schema import ExtractedDocument
from agent.models import Layout

IDENTIFYING = ("number", "issue_date", "total_gross", "customer_name")
KEY_FIELDS = ("number", "issue_date", "due_date", "total_gross", "amount_due", "customer_name")
REMEMBERED = 0.96  # over the review threshold; validation still lowers it when a check fails


def fingerprint(document: ExtractedDocument) -> str | None:
    """The layout's fingerprint; None when one of the identifying fields was not found by a label."""
    parts = [document.provenance.get(name) for name in IDENTIFYING]
    if not all(parts):
        return None
    material = "\n".join([*(part or "" for part in parts), document.supplier.vat_id or ""])
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def apply_memory(document: ExtractedDocument, remembered: dict[str, str]) -> None:
    """Raise the confidence of the fields found where the validated document had them."""
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


def recall(session: Session, *, layout: str) -> dict[str, str] | None:
    row = session.exec(select(Layout).where(Layout.fingerprint == layout)).first()
    return dict(row.fields) if row else None


def remember(
    session: Session, *, reading: ExtractedDocument, validated_by: str, document_id: int | None, at: datetime
) -> Layout | None:
    """Keep (or refresh) the layout of a text reading that a trusted reading validated."""
    layout = reading.layout or fingerprint(reading)
    if layout is None:
        return None
    row = session.exec(select(Layout).where(Layout.fingerprint == layout)).first()
    if row is None:
        row = Layout(
            fingerprint=layout, validated_by=validated_by, first_validated_at=at, last_validated_at=at
        )
    row.fields = {**row.fields, **reading.provenance}
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
            return remember(
                session, reading=page_without_xml, validated_by="xml", document_id=document_id, at=at
            )
    elif extraction.source == "llm" and all(
        extraction.confidence.get(name) == AGREED for name in CHECKED if name in extraction.provenance
    ):
        return remember(session, reading=extraction, validated_by="llm", document_id=document_id, at=at)
    return None
