"""Receivables: invoices, credit notes, payments, and the allocations that tie them together.

An invoice's open balance is its amount due minus its allocations; it is derived, never stored, so
it cannot drift from the allocations that explain it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from agent.models.base import money_field, utc_field


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    CREDITED = "credited"  # settled (in whole or in the end) by credit notes
    CANCELLED = "cancelled"  # finance cancelled it (the customer was right): nothing owed, nothing sent


class Invoice(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("account_id", "number", name="uq_invoice_account_number"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    document_id: int | None = Field(default=None, foreign_key="document.id")
    number: str = Field(max_length=80, index=True)
    issue_date: date
    due_date: date
    currency: str = Field(max_length=3)
    total_net: Decimal | None = money_field(nullable=True)
    total_tax: Decimal | None = money_field(nullable=True)
    total_gross: Decimal = money_field()
    amount_due: Decimal = money_field()
    status: str = Field(default=InvoiceStatus.OPEN, max_length=20, index=True)
    plan: str | None = Field(default=None, max_length=60, description="Overrides account and company plan")
    paused: bool = False
    pause_reason: str | None = None
    paused_until: datetime | None = utc_field(nullable=True)  # a promise's date plus grace: then resumed
    promised_for: date | None = Field(default=None, description="The payment date the customer promised")
    created_at: datetime = utc_field()


class CreditNote(SQLModel, table=True):
    __tablename__ = "credit_note"
    __table_args__ = (UniqueConstraint("account_id", "number", name="uq_credit_note_account_number"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    document_id: int | None = Field(default=None, foreign_key="document.id")
    number: str = Field(max_length=80)
    issue_date: date
    currency: str = Field(max_length=3)
    total_gross: Decimal = money_field()
    referenced_invoice: str | None = Field(default=None, max_length=80)
    created_at: datetime = utc_field()


class Payment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(unique=True, max_length=200, description="Bank reference or row fingerprint")
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    received_on: date
    amount: Decimal = money_field()
    currency: str = Field(max_length=3)
    reference: str = Field(default="", description="Remittance text as the bank gave it")
    payer: str | None = None
    payer_account: str | None = Field(
        default=None, max_length=64, description="The payer's IBAN or account number, when the bank gives it"
    )
    source: str = Field(default="csv", max_length=30, description="csv, camt, api, manual, connector:<name>")
    method: str | None = Field(default=None, max_length=20, description="transfer, cheque, cash, card...")
    status: str = Field(
        default="unmatched", max_length=20, description="matched, overpaid, unmatched, needs_review"
    )
    created_at: datetime = utc_field()


class PaymentImport(SQLModel, table=True):
    """A payment file or batch already imported: the same file is recognised by its content hash."""

    __tablename__ = "payment_import"

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(unique=True, max_length=64)
    name: str = Field(description="File name or batch label as received")
    source: str = Field(max_length=30)
    summary: str = Field(default="", description="What the import did, in words")
    created_at: datetime = utc_field()


class Allocation(SQLModel, table=True):
    """Money from a credit note or a payment applied to one invoice, with the reason in words."""

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    credit_note_id: int | None = Field(default=None, foreign_key="credit_note.id", index=True)
    payment_id: int | None = Field(default=None, foreign_key="payment.id", index=True)
    amount: Decimal = money_field()
    explanation: str
    created_at: datetime = utc_field()
