"""The content of a generated document and its truth: parties, lines, dates, terms. Random, from a seed."""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from stdnum import get_cc_module

from benchmarks.layouts.vocab import CITIES, COMPANY_TAILS, COMPANY_WORDS, ITEMS, LEGAL_FORMS, STREETS

CENT = Decimal("0.01")
# How a VAT id of each country looks before its checksum: a prefix and random digits, retried until
# python-stdnum accepts it (the ids are made up, their checksums are real).
VAT_SHAPES = {
    "FR": ("FR", 11), "DE": ("DE", 9), "IT": ("IT", 11), "NL": ("NL", 9), "PT": ("PT", 9), "GB": ("GB", 9),
    "AT": ("ATU", 8), "BE": ("BE0", 9), "ES": ("ESB", 8), "CH": ("CHE", 9),
}  # fmt: skip


@dataclass
class Company:
    name: str
    street: str
    postcode: str
    city: str
    country: str
    vat_id: str  # as printed

    def town(self) -> str:
        return (
            f"{self.country}-{self.postcode} {self.city}"
            if self.country == "CH"
            else f"{self.postcode} {self.city}"
        )


@dataclass
class Content:
    language: str
    kind: str  # invoice | credit_note
    number: str
    issue_date: date
    due_date: date | None
    currency: str
    supplier: Company
    customer: Company
    lines: list[tuple[str, Decimal, Decimal]]
    tax_rate: Decimal
    reverse_charge: bool = False
    prepaid: Decimal = Decimal("0.00")
    referenced: tuple[str, date] | None = None
    terms: tuple[str, str, int] | None = None  # (wording, kind, days) when the due date is computed
    customer_no: str = ""
    extras: dict[str, str] = field(default_factory=dict)

    @property
    def net(self) -> Decimal:
        return sum((q * p for _, q, p in self.lines), Decimal("0")).quantize(CENT)

    @property
    def tax(self) -> Decimal:
        return Decimal("0.00") if self.reverse_charge else (self.net * self.tax_rate / 100).quantize(CENT)

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax

    @property
    def amount_due(self) -> Decimal:
        return self.gross - self.prepaid

    def truth(self) -> dict[str, Any]:
        """The values a reader must find, in the product's convention (positive amounts)."""
        return {
            "document_type": self.kind,
            "number": self.number,
            "issue_date": self.issue_date.isoformat(),
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "currency": self.currency,
            "total_net": str(self.net),
            "total_tax": str(self.tax),
            "total_gross": str(self.gross),
            "amount_due": str(self.amount_due),
            "customer_name": self.customer.name,
            "customer_vat_id": self.customer.vat_id or None,
            "customer_address": [self.customer.street, self.customer.postcode, self.customer.city],
            "referenced_invoice": self.referenced[0] if self.referenced else None,
        }


def vat_id(rng: random.Random, country: str) -> str:
    prefix, digits = VAT_SHAPES[country]
    module = get_cc_module("ch" if country == "CH" else country.lower(), "vat")
    while True:
        candidate = prefix + "".join(rng.choice("0123456789") for _ in range(digits))
        if country == "CH":
            candidate += " MWST"
        if country == "NL":
            candidate += "B01"
        if module.is_valid(candidate):
            break
    if country == "CH":  # printed as CHE-123.456.789 MWST
        return f"CHE-{candidate[3:6]}.{candidate[6:9]}.{candidate[9:12]} {rng.choice(['MWST', 'TVA', 'IVA'])}"
    if country == "FR" and rng.random() < 0.5:
        return f"{candidate[:4]} {candidate[4:7]} {candidate[7:10]} {candidate[10:]}"
    return candidate


def company(rng: random.Random, country: str) -> Company:
    words = rng.sample(COMPANY_WORDS, 1) + rng.sample(COMPANY_TAILS, 1)
    postcode, city = rng.choice(CITIES[country])
    return Company(
        name=f"{' '.join(words)} {rng.choice(LEGAL_FORMS[country])}",
        street=rng.choice(STREETS[country]).format(n=rng.randint(1, 180)),
        postcode=postcode,
        city=city,
        country=country,
        vat_id=vat_id(rng, country),
    )


NUMBER_SHAPES = ("FA-{y}-{n:04d}", "INV-{n:06d}", "{y}/{n:04d}", "RE{y}{n:05d}", "{n:06d}", "A-{n}/{y}")


def number(rng: random.Random, shape: str, year: int) -> str:
    return shape.format(y=year, n=rng.randint(1, 9999))


def end_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def due_from(issue: date, kind: str, days: int) -> date:
    """The due date the terms give: "30 jours fin de mois" is the end of the month 30 days after."""
    later = issue + timedelta(days=days)
    return end_of_month(later) if kind == "eom30" else later


def lines(rng: random.Random, count: int) -> list[tuple[str, Decimal, Decimal]]:
    return [
        (
            f"{rng.choice(ITEMS)} {rng.choice(['', 'Q1', 'pro', 'extra', 'basic', 'v2'])}".strip(),
            Decimal(rng.choice([1, 1, 1, 2, 3, 5, 10, 12])),
            (Decimal(rng.randint(500, 250000)) / 100).quantize(CENT),
        )
        for _ in range(count)
    ]
