"""Late-payment law that a final notice must state, by the supplier's country. Computed, not copied text.

EU Directive 2011/7/EU: a fixed 40 EUR recovery compensation per invoice, and interest at the reference
rate (the ECB's main refinancing rate) plus at least 8 points. France sets 10 points (Code de commerce
L441-10), Germany 9 points over its base rate (BGB 288). The reference rate changes twice a year, so it
is configuration (`reminders.reference_rate`), not code.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

EU_COUNTRIES = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    }
)
POINTS_OVER_REFERENCE = {"FR": Decimal("10"), "DE": Decimal("9")}
DIRECTIVE_POINTS = Decimal("8")
FIXED_COMPENSATION_EUR = Decimal("40.00")


@dataclass(frozen=True)
class LegalProfile:
    fixed_fee: Decimal | None
    fee_currency: str
    interest_rate: Decimal | None  # yearly, in percent

    @property
    def applies(self) -> bool:
        return self.fixed_fee is not None or self.interest_rate is not None


def legal_profile(company_country: str, reference_rate: Decimal | None) -> LegalProfile:
    country = company_country.upper()
    if country not in EU_COUNTRIES:
        return LegalProfile(fixed_fee=None, fee_currency="EUR", interest_rate=None)
    points = POINTS_OVER_REFERENCE.get(country, DIRECTIVE_POINTS)
    rate = reference_rate + points if reference_rate is not None else None
    return LegalProfile(fixed_fee=FIXED_COMPENSATION_EUR, fee_currency="EUR", interest_rate=rate)
