"""The one shape every extraction method fills (e-invoice XML, PDF text, LLM).

Amounts are positive Decimals: a credit note says so in `document_type`, never with a sign.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

DocumentType = Literal["invoice", "credit_note"]
Source = Literal["facturx", "ubl", "text", "ocr", "llm"]


class Party(BaseModel):
    name: str | None = None
    address: str | None = None
    country: str | None = None
    vat_id: str | None = None
    email: str | None = None


class Line(BaseModel):
    description: str
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    amount: Decimal | None = None


class VatRate(BaseModel):
    """One line of the VAT breakdown: the tax at one rate, on its taxable amount."""

    rate: Decimal  # percent: 20.00
    taxable: Decimal
    tax: Decimal
    category: str | None = None  # UNTDID 5305 (S standard, Z zero, E exempt, AE reverse charge...), from XML


class Location(BaseModel):
    """Where a value was read: page and line (from 1), the line as printed (column gaps shortened) and
    the value's span [start, end) in it."""

    page: int
    line: int
    start: int
    end: int
    text: str


class ExtractedDocument(BaseModel):
    source: Source
    document_type: DocumentType = "invoice"
    number: str | None = None
    issue_date: date | None = None
    due_date: date | None = None
    currency: str | None = None
    total_net: Decimal | None = None
    total_tax: Decimal | None = None
    total_gross: Decimal | None = None
    amount_due: Decimal | None = None
    vat_breakdown: list[VatRate] = Field(default_factory=list)
    customer: Party = Field(default_factory=Party)
    supplier: Party = Field(default_factory=Party)
    referenced_invoice: str | None = None
    lines: list[Line] = Field(default_factory=list)
    language: str | None = None
    confidence: dict[str, float] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    llm_usage: dict[str, int] = Field(default_factory=dict, description="Tokens, when an LLM read it")
    provenance: dict[str, str] = Field(
        default_factory=dict, description="Where the text path found each field: its label and place"
    )
    locations: dict[str, Location] = Field(
        default_factory=dict, description="Where on the page the text path read each field"
    )
    layout: str | None = Field(default=None, description="The layout's fingerprint (layouts.py)")
    layout_confirmed: list[str] = Field(
        default_factory=list, description="Fields found where a validated document of this layout had them"
    )

    @property
    def overall_confidence(self) -> float:
        """The weakest of the fields that drive reminders: a chain is as strong as its weakest link."""
        keys = ["number", "issue_date", "due_date", "amount_due", "currency", "customer_name"]
        if self.document_type == "credit_note":
            keys.remove("due_date")  # a credit note is not chased: it has no due date to find
        return min((self.confidence.get(k, 0.0) for k in keys), default=0.0)

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
