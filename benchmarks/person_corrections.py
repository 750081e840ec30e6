"""What a person's corrections teach: the corpus as a stream of plain PDFs (embedded XML ignored), where
each document the text path is unsure of goes to a person, who corrects it with the true values (its
own XML stands in for them), and the correction teaches the layout (`layouts.lesson_of`, as
`relance documents confirm` and a review reply do). Counted: the documents a person must check, with
and without what earlier corrections taught, and the documents with a wrong key field that no person
would see (the cost the memory must not raise).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.documents import layouts
from agent.documents.corrections import apply_corrections
from agent.documents.extract import ExtractionError, ExtractOptions, extract_document, text_reading
from agent.documents.llm_reading import comparable
from agent.documents.placement import TEACHABLE
from agent.documents.schema import ExtractedDocument
from agent.documents.verdict import doubts
from agent.settings import Settings

CORRECTED = (*TEACHABLE, "customer_name", "currency", "document_type")


def corrections_of(reading: ExtractedDocument, truth: ExtractedDocument) -> dict[str, Any]:
    """What a person would type: the true value of each field the reading has wrong."""
    fixes: dict[str, Any] = {}
    for name in CORRECTED:
        if name == "document_type":
            if reading.document_type != truth.document_type:
                fixes[name] = truth.document_type
            continue
        if comparable(truth, name) is not None and comparable(reading, name) != comparable(truth, name):
            fixes[name] = truth.customer.name if name == "customer_name" else getattr(truth, name)
    return fixes


def person_corrections(corpus: Path) -> dict[str, Any]:
    threshold = Settings().review_threshold
    memory: dict[str, dict[str, str]] = {}
    counts = dict.fromkeys(
        ("documents", "asked_without", "asked_with", "unseen_wrong_without", "unseen_wrong_with"), 0
    )
    taught = unplaced = 0
    for path in sorted((corpus / "einvoices").glob("*.pdf")):
        data = path.read_bytes()
        try:
            truth = extract_document(path.name, data)
            plain = extract_document(path.name, data, ExtractOptions(ignore_embedded=True))
            remembered = extract_document(
                path.name, data, ExtractOptions(ignore_embedded=True, layouts=memory.get)
            )
        except ExtractionError:
            continue
        page = text_reading(data, ExtractOptions())
        if truth.source != "facturx" or page is None:
            continue
        counts["documents"] += 1
        for reading, suffix in ((plain, "without"), (remembered, "with")):
            asked = bool(doubts(reading, threshold, []))
            counts[f"asked_{suffix}"] += asked
            counts[f"unseen_wrong_{suffix}"] += not asked and not layouts.agrees(reading, truth)
        if not doubts(remembered, threshold, []):
            continue
        fixes = corrections_of(remembered, truth)
        checked, problems = apply_corrections(remembered, fixes)
        if problems:
            continue  # the truth itself fails a check (or lacks a key value): no person could confirm it
        lesson = layouts.lesson_of(page[0], checked, page[1])
        taught += sum(1 for name in fixes if name in lesson.places)
        unplaced += len(lesson.unplaced)
        if lesson.layout is not None:
            kept = {k: v for k, v in memory.get(lesson.layout, {}).items() if k not in lesson.forget}
            memory[lesson.layout] = {**kept, **lesson.places}
    return {**counts, "layouts_taught": len(memory), "fields_taught": taught, "fields_unplaced": unplaced}
