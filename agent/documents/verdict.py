"""Whether a reading may drive reminders on its own: intake's verdict, and `relance extract --json`'s.

One function for both, so what the command shows is what intake would decide.
"""

from __future__ import annotations

from agent.documents.schema import ExtractedDocument
from agent.templating import Said

KEY_FIELDS = ("number", "issue_date", "due_date", "amount_due", "currency", "customer_name")


def doubts(extraction: ExtractedDocument, threshold: float, own_names: list[str]) -> list[str]:
    """Why an extraction must not drive reminders on its own; empty when it may. Each reason is a `Said`
    (said in its reader's language by the review e-mail), or an extractor's warning as it was written."""
    reasons: list[str] = [
        Said(
            "field_uncertain",
            field=name,
            confidence=extraction.confidence.get(name, 0.0),
            **_where(extraction, name),
        )
        for name in KEY_FIELDS
        if extraction.confidence.get(name, 0.0) < threshold
        and not (name == "due_date" and extraction.document_type == "credit_note")
    ]
    customer = (extraction.customer.name or "").lower()
    if customer and any(name.lower() in customer for name in own_names if name):
        reasons.append(Said("customer_is_us"))
    if reasons:  # the extractor's own warnings help the person who checks
        reasons += extraction.warnings
    return reasons


def _where(extraction: ExtractedDocument, name: str) -> dict[str, object]:
    """Where the page shows the doubtful value, so the person who checks looks at the right place."""
    location = extraction.locations.get(name)
    if location is None:
        return {}
    excerpt = location.text[max(0, location.start - 40) : location.end + 40].strip()
    return {"page": location.page, "line": location.line, "excerpt": excerpt}
