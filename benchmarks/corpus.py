"""The shared corpus's truth, read in the product's convention, for the benchmark and the regression test."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from agent.documents.vat import compact

# truth field -> (manifest visibility key, how to read it from an extraction)
TEXT_FIELDS: dict[str, tuple[str | None, Any]] = {
    "document_type": (None, lambda d: d.document_type),
    "number": ("invoice_number", lambda d: d.number),
    "issue_date": ("issue_date", lambda d: d.issue_date and d.issue_date.isoformat()),
    "due_date": ("due_date", lambda d: d.due_date and d.due_date.isoformat()),
    "currency": ("currency", lambda d: d.currency),
    "total_net": ("tax_basis_total", lambda d: d.total_net),
    "total_tax": ("tax_total", lambda d: d.total_tax),
    "total_gross": ("grand_total", lambda d: d.total_gross),
    "amount_due": ("due_payable", lambda d: d.amount_due),
    "customer_name": ("buyer_name", lambda d: d.customer.name),
    "customer_vat_id": ("buyer_vat_id", lambda d: d.customer.vat_id),
}


def truth_value(truth: dict[str, Any], field: str) -> Any:
    """The truth in the product's convention: positive amounts, the direction in the document type,
    and nothing due (0.00) when more was prepaid than the total."""
    totals = truth["totals"]
    negative = Decimal(totals["grand_total"] or "0") < 0
    value = {
        "document_type": "credit_note" if truth["document_kind"] == "credit_note" or negative else "invoice",
        "number": truth["invoice_number"],
        "issue_date": truth["issue_date"],
        "due_date": truth["due_date"],
        "currency": truth["currency"],
        "customer_name": truth["buyer"]["name"],
        "customer_vat_id": (truth["buyer"]["vat_id"] or "").replace(" ", "") or None,
        "total_net": totals["tax_basis_total"],
        "total_tax": totals["tax_total"],
        "total_gross": totals["grand_total"],
        "amount_due": totals["due_payable"],
    }[field]
    if field in ("total_net", "total_tax", "total_gross", "amount_due") and value is not None:
        amount = -Decimal(value) if negative else Decimal(value)
        return max(amount, Decimal("0.00")) if field == "amount_due" else amount
    return value


def same(field: str, expected: Any, got: Any) -> bool:
    if field == "customer_vat_id" and expected and got:
        return bool(compact(str(expected)) == compact(str(got)))
    if field == "customer_name" and expected and got:
        return " ".join(str(expected).lower().split()) == " ".join(str(got).lower().split())
    return bool(expected == got)


def address_parts(truth: dict[str, Any]) -> list[str] | None:
    """The buyer's street line, postcode and city, as the printed address must show them."""
    address = truth["buyer"].get("address") or {}
    parts = [address.get("line1"), address.get("postcode"), address.get("city")]
    return [str(part) for part in parts] if all(parts) else None


def address_found(parts: list[str], got: str | None) -> bool:
    """Every part in the extracted address, whatever the case and spacing."""
    flat = " ".join((got or "").lower().split())
    return all(" ".join(part.lower().split()) in flat for part in parts)
