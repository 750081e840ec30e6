"""Checks every extraction passes before it may drive anything. A failed check lowers the confidence
of the fields involved and says why in `warnings`; it never silently "fixes" a value."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from babel.numbers import get_currency_name

from agent.documents.parsing import smallest_coin
from agent.documents.schema import ExtractedDocument
from agent.documents.vat import has_known_country, is_valid_vat
from agent.templating import Said

CENT = Decimal("0.01")
DOUBTFUL = 0.3


def _lower(document: ExtractedDocument, fields: tuple[str, ...], why: Said) -> None:
    document.warnings.append(why)
    for name in fields:
        document.confidence[name] = min(document.confidence.get(name, DOUBTFUL), DOUBTFUL)


def is_iso_currency(code: str) -> bool:
    if len(code) != 3 or not code.isupper():
        return False
    return get_currency_name(code, locale="en") != code  # Babel knows every ISO 4217 code


def validate(document: ExtractedDocument, *, today: date | None = None) -> ExtractedDocument:
    d = document
    if not d.number:
        _lower(d, ("number",), Said("no_number"))
    if d.issue_date is None:
        _lower(d, ("issue_date",), Said("no_issue_date"))
    if d.document_type == "invoice" and d.due_date is None:
        _lower(d, ("due_date",), Said("no_due_date"))
    if d.issue_date and d.due_date and d.due_date < d.issue_date:
        _lower(d, ("issue_date", "due_date"), Said("due_before_issue", due=d.due_date, issue=d.issue_date))
    if (
        today
        and d.issue_date
        and not (today - timedelta(days=3 * 366) <= d.issue_date <= today + timedelta(days=31))
    ):
        _lower(d, ("issue_date",), Said("issue_date_implausible", issue=d.issue_date))
    if not d.currency or not is_iso_currency(d.currency):
        _lower(d, ("currency",), Said("currency_not_iso", currency=d.currency))
    if d.total_gross is None:
        _lower(d, ("total_gross", "amount_due"), Said("no_total"))
    totals = (d.total_net, d.total_tax, d.total_gross)
    if d.total_net is not None and d.total_tax is not None and d.total_gross is not None:
        net, tax, gross = totals
        if abs(d.total_net + d.total_tax - d.total_gross) > CENT:
            _lower(d, ("total_gross", "amount_due"), Said("totals_disagree", net=net, tax=tax, gross=gross))
    if d.amount_due is not None and d.total_gross is not None and d.amount_due > d.total_gross + CENT:
        _lower(d, ("amount_due",), Said("due_over_gross", due_amount=d.amount_due, gross=d.total_gross))
    for amount in (d.total_gross, d.amount_due):
        if amount is not None and amount < 0:
            _lower(d, ("amount_due",), Said("negative_amount"))
    _check_vat_breakdown(d)
    if not d.customer.name:
        _lower(d, ("customer_name",), Said("no_customer_name"))
    for who, party in (("customer", d.customer), ("supplier", d.supplier)):
        if party.vat_id and has_known_country(party.vat_id) and not is_valid_vat(party.vat_id):
            d.warnings.append(Said("vat_id_checksum", party=who, vat_id=party.vat_id))
            d.confidence[f"{who}_vat_id"] = DOUBTFUL
    return d


def _check_vat_breakdown(d: ExtractedDocument) -> None:
    """Each rate's tax is its taxable amount times the rate, rounded to the cent (EN 16931 BR-CO-17), and
    the rates add up to the totals. The breakdown is not what reminders are built on: a failed check
    marks it doubtful and says why, and the totals' own checks stand."""
    rates = d.vat_breakdown
    if not rates:
        return
    d.confidence.setdefault("vat_breakdown", d.confidence.get("total_gross", DOUBTFUL))
    unit = smallest_coin(d.currency)
    for rate in rates:
        expected = (rate.taxable * rate.rate / 100).quantize(CENT)
        if abs(expected - rate.tax) > max(CENT, unit):
            wrong = Said(
                "vat_rate_wrong", rate=rate.rate, taxable=rate.taxable, expected=expected, tax=rate.tax
            )
            _lower(d, ("vat_breakdown",), wrong)
    tolerance = CENT * len(rates)
    taxable, tax = sum(r.taxable for r in rates), sum(r.tax for r in rates)
    if d.total_net is not None and abs(taxable - d.total_net) > tolerance:
        _lower(
            d,
            ("vat_breakdown",),
            Said("vat_taxable_sum", taxable=taxable, net=d.total_net),
        )
    if d.total_tax is not None and abs(tax - d.total_tax) > tolerance:
        _lower(
            d,
            ("vat_breakdown",),
            Said("vat_tax_sum", tax=tax, total_tax=d.total_tax),
        )
