"""What every payment source produces: one received payment, before it is matched to anything.

CSV rows, CAMT entries, API requests and connectors all become `PaymentLine`s; from there one
importer records, deduplicates and matches them, so every source gets the same guarantees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class PaymentLine:
    external_id: str  # the bank's reference, or a stable fingerprint: the key that makes imports idempotent
    received_on: date
    amount: Decimal  # positive: money received
    currency: str
    reference: str = ""  # remittance text as the payer wrote it
    payer: str | None = None
    payer_account: str | None = None  # IBAN when the bank gives it
    invoice_numbers: tuple[str, ...] = ()  # structured remittance (CAMT RfrdDocInf, API "invoices")
    method: str | None = None


@dataclass
class PaymentOutcome:
    external_id: str
    status: str  # matched | overpaid | unmatched | duplicate
    invoices: list[str] = field(default_factory=list)
    reason: str = ""


@dataclass
class ImportReport:
    imported: int = 0
    duplicates: int = 0
    matched: int = 0
    unmatched: int = 0
    skipped: int = 0  # outgoing money, pending or reversed bank entries: not customer payments
    errors: list[str] = field(default_factory=list)
    paid_invoices: list[str] = field(default_factory=list)
    payments: list[PaymentOutcome] = field(default_factory=list)
    duplicate_file: bool = False

    def summary(self) -> str:
        if self.duplicate_file:
            return "file already imported: nothing done"
        return (
            f"{self.imported} imported ({self.matched} matched, {self.unmatched} unmatched), "
            f"{self.duplicates} already known, {self.skipped} skipped; "
            f"paid: {', '.join(self.paid_invoices) or 'none'}"
        )
