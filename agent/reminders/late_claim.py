"""The statutory late-payment claim of one invoice, as of a date: interest and the flat compensation, as a
court would compute them (docs/late-payment-claims.md gives the formula and a worked example per country).

    interest = sum over periods of  principal x (reference rate + points) / 100 x days / 365

Simple interest, counted in days (actual/365, leap years too), from the first day of delay to the
letter's date inclusive. Each period is rounded to the cent (half up) and the claim is their sum, so the
lines a letter shows add up to its total. A period ends where the principal
changes (a payment or a credit note lowers it from its date) and, where the rate is set per half-year
(France, Germany, the directive), on 30 June and 31 December. A claim whose reference rate the dated
table does not hold is not computed: `unknown` says which rate finance must add (`relance rates set`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from sqlmodel import Session, select

from agent.models import Account, Allocation, CreditNote, Invoice, Payment
from agent.reminders.legal import EURO_SINCE, Statute, statute_for
from agent.reminders.rates import RateSeries

CENT = Decimal("0.01")
DAYS_IN_YEAR = 365


@dataclass(frozen=True)
class InterestPeriod:
    start: date
    end: date  # inclusive
    principal: Decimal
    reference_rate: Decimal
    rate: Decimal  # reference + points, percent a year

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def exact_interest(self) -> Decimal:
        return self.principal * self.rate / 100 * self.days / DAYS_IN_YEAR

    @property
    def interest(self) -> Decimal:
        return self.exact_interest.quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class LateClaim:
    country: str
    law: str
    currency: str
    debt: Decimal  # unpaid when the delay began
    interest_from: date  # the first day of delay
    as_of: date
    points: Decimal
    periods: tuple[InterestPeriod, ...]
    interest: Decimal | None  # in the invoice's currency; None when a rate is unknown
    fixed_sum: Decimal | None
    fixed_sum_currency: str
    unknown: str | None = None  # why the interest (or the UK fixed sum) could not be computed

    @property
    def total(self) -> Decimal | None:
        """Interest plus fixed sum when both are known and in the same currency."""
        if self.interest is None or self.fixed_sum is None or self.fixed_sum_currency != self.currency:
            return None
        return self.interest + self.fixed_sum


def _half_year_start(day: date) -> date:
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def _next_half_year(day: date) -> date:
    return date(day.year, 7, 1) if day.month <= 6 else date(day.year + 1, 1, 1)


def _uk_reference_day(interest_from: date) -> date:
    """The Act (s. 6): the rate at close of business on 31 December for interest starting January-June,
    on 30 June for interest starting July-December."""
    if interest_from.month <= 6:
        return date(interest_from.year - 1, 12, 31)
    return date(interest_from.year, 6, 30)


def first_day_of_delay(statute: Statute, due_date: date, first_reminder_on: date | None) -> date:
    """The day interest starts. The day after the due date, except in Germany, where a business debtor
    is in default after a reminder sent once the invoice was due, and at the latest 30 days after the
    due date (BGB 286 (1) and (3)); the day of the event itself does not count (BGB 187)."""
    if statute.default_after_days is None:
        return due_date + timedelta(days=1)
    latest = due_date + timedelta(days=statute.default_after_days + 1)
    if first_reminder_on is not None and first_reminder_on > due_date:
        return min(latest, first_reminder_on + timedelta(days=1))
    return latest


def late_claim(
    *,
    country: str | None,
    currency: str,
    amount_due: Decimal,
    due_date: date,
    as_of: date,
    rates: Mapping[str, RateSeries],
    reductions: Iterable[tuple[date, Decimal]] = (),
    first_reminder_on: date | None = None,
) -> LateClaim | None:
    """The claim on one invoice as of `as_of`, or None where the law provides none here (no statute for
    the country) or none yet (not late on that day, or paid before the delay began). `reductions` are
    the payments and credit notes applied to the invoice, each from its date."""
    statute = statute_for(country)
    if statute is None:
        return None
    start = first_day_of_delay(statute, due_date, first_reminder_on)
    changes = sorted((day, amount) for day, amount in reductions if day <= as_of)
    debt = amount_due - sum((amount for day, amount in changes if day <= start), Decimal(0))
    if as_of < start or debt <= 0:
        return None
    fixed_sum = statute.fixed_sum(debt, currency)
    unknown = (
        None if fixed_sum is not None else f"the UK fixed sum is set in pounds; this debt is in {currency}"
    )
    periods, rate_unknown = _periods(statute, start, as_of, debt, changes, rates)
    unknown = rate_unknown or unknown
    interest = None
    if rate_unknown is None:
        interest = sum((p.interest for p in periods), Decimal("0.00"))
    return LateClaim(
        country=statute.country,
        law=statute.law,
        currency=currency,
        debt=debt,
        interest_from=start,
        as_of=as_of,
        points=statute.points,
        periods=tuple(periods) if rate_unknown is None else (),
        interest=interest,
        fixed_sum=fixed_sum,
        fixed_sum_currency=statute.fixed_sum_currency,
        unknown=unknown,
    )


def _periods(
    statute: Statute,
    start: date,
    as_of: date,
    debt: Decimal,
    changes: list[tuple[date, Decimal]],
    rates: Mapping[str, RateSeries],
) -> tuple[list[InterestPeriod], str | None]:
    """The periods of constant principal and rate from `start` to `as_of`, or the reason a rate is
    unknown."""
    if statute.series is None:
        return (
            [],
            f"the reference rate in {statute.country} is its central bank's, which relance does not hold",
        )
    series = rates[statute.series]
    fixed_day = _uk_reference_day(start) if statute.reference == "fixed_at_start" else None
    cuts = {day for day, _ in changes if start < day <= as_of}
    if fixed_day is None:
        boundary = _next_half_year(start)
        while boundary <= as_of:
            cuts.add(boundary)
            boundary = _next_half_year(boundary)
    bounds = [start, *sorted(cuts), as_of + timedelta(days=1)]
    periods: list[InterestPeriod] = []
    for begin, after in pairwise(bounds):
        principal = debt - sum((amount for day, amount in changes if start < day <= begin), Decimal(0))
        if principal <= 0:
            break
        reference_day = fixed_day or _half_year_start(begin)
        since = EURO_SINCE.get(statute.country)
        if since is not None and reference_day < since:
            return [], f"before {since} the reference rate in {statute.country} was its central bank's"
        reference = series.in_force(reference_day)
        if reference is None:
            return [], (
                f"the {series.title} in force on {reference_day} is not in the rate table "
                f"(checked through {series.checked_through}): add it with `relance rates set {series.key}`"
            )
        periods.append(
            InterestPeriod(begin, after - timedelta(days=1), principal, reference, reference + statute.points)
        )
    return periods, None


def claim_for_invoice(
    session: Session,
    invoice: Invoice,
    *,
    as_of: date,
    rates: Mapping[str, RateSeries],
    first_reminder_on: date | None = None,
) -> LateClaim | None:
    """The claim on a recorded invoice, by its customer's country, with the payments (from the day they
    were received) and credit notes (from their date) applied to it."""
    account = session.get(Account, invoice.account_id)
    reductions: list[tuple[date, Decimal]] = []
    for allocation in session.exec(select(Allocation).where(Allocation.invoice_id == invoice.id)):
        if allocation.payment_id is not None:
            payment = session.get(Payment, allocation.payment_id)
            day = payment.received_on if payment else allocation.created_at.date()
        elif allocation.credit_note_id is not None:
            note = session.get(CreditNote, allocation.credit_note_id)
            day = note.issue_date if note else allocation.created_at.date()
        else:
            day = allocation.created_at.date()
        reductions.append((day, allocation.amount))
    return late_claim(
        country=account.country if account else None,
        currency=invoice.currency,
        amount_due=invoice.amount_due,
        due_date=invoice.due_date,
        as_of=as_of,
        rates=rates,
        reductions=reductions,
        first_reminder_on=first_reminder_on,
    )
