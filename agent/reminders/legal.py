"""Late-payment law: what a final notice states (`legal_profile`), and the statute each country applies
to a late business debtor (`statute_for`), which reminders/late_claim.py turns into amounts.

EU Directive 2011/7/EU: a fixed 40 EUR recovery compensation per invoice, and interest at the reference
rate (the ECB's main refinancing rate in the euro area) plus at least 8 points. France sets 10 points
(Code de commerce L441-10, D441-5), Germany 9 points over its base rate (BGB 247, 286, 288). The United
Kingdom (Late Payment of Commercial Debts (Interest) Act 1998): Bank of England base rate + 8, and a
fixed sum of GBP 40 / 70 / 100 by the size of the debt. Reference rates change twice a year: they are
dated tables (reminders/rates/), never a number in the code. `legal_profile` still takes the single
`reminders.reference_rate` of the settings for the wording of today's final notices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

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


# The euro area: the directive's reference rate there is the ECB's. Croatia and Bulgaria joined later:
# before that day their reference rate was their central bank's, which the tables do not hold.
EURO_AREA = frozenset(EU_COUNTRIES - {"CZ", "DK", "HU", "PL", "RO", "SE"})
EURO_SINCE = {"HR": date(2023, 1, 1), "BG": date(2026, 1, 1)}
UK_FIXED_SUMS = ((Decimal("1000"), Decimal("40.00")), (Decimal("10000"), Decimal("70.00")))  # under each
UK_FIXED_SUM_ABOVE = Decimal("100.00")


@dataclass(frozen=True)
class Statute:
    """What one country's law gives a creditor against a late business debtor."""

    country: str
    law: str  # the texts, as a court would cite them
    series: str | None  # reference-rate table in reminders/rates/; None: not held (a national rate)
    points: Decimal  # added to the reference rate
    # half_year: the rate in force on 1 January / 1 July applies to the days of that half-year;
    # fixed_at_start: one rate for the whole debt, in force on 31 December / 30 June before interest starts.
    reference: Literal["half_year", "fixed_at_start"]
    fixed_sum_currency: str
    default_after_days: int | None = None  # Germany: in default 30 days after the due date at the latest

    def fixed_sum(self, debt: Decimal, currency: str) -> Decimal | None:
        """The flat compensation per invoice; the UK's depends on the debt in pounds (None otherwise)."""
        if self.country != "GB":
            return FIXED_COMPENSATION_EUR
        if currency != "GBP":
            return None
        return next((fee for bound, fee in UK_FIXED_SUMS if debt < bound), UK_FIXED_SUM_ABOVE)


STATUTES = {
    "FR": Statute(
        "FR", "Code de commerce L441-10 and D441-5", "ecb_mro", Decimal("10"), "half_year", "EUR"
    ),
    "DE": Statute(
        "DE", "BGB 286, 288 (2) and (5), 247", "de_base_rate", Decimal("9"), "half_year", "EUR",
        default_after_days=30,
    ),
    "GB": Statute(
        "GB", "Late Payment of Commercial Debts (Interest) Act 1998, s. 4, 5A, 6", "boe_bank_rate",
        Decimal("8"), "fixed_at_start", "GBP",
    ),
}  # fmt: skip


def statute_for(country: str | None) -> Statute | None:
    """The statute for a business debtor of this country, or None where none is provided for here."""
    code = (country or "").upper()
    if code in STATUTES:
        return STATUTES[code]
    if code not in EU_COUNTRIES:
        return None
    series = "ecb_mro" if code in EURO_AREA else None
    law = "Directive 2011/7/EU, art. 2 (6)-(7), 3, 6, as transposed"
    return Statute(code, law, series, DIRECTIVE_POINTS, "half_year", "EUR")
