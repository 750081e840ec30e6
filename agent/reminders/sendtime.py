"""When a reminder may reach a customer: their time zone, their business days, a send window.

Pure functions around three facts: the recipient's time zone (contact, else account, else the main
zone of a single-zone country, else the company's, and the caller is told which), the national
holidays and weekends of the customer's country (the `holidays` package), and a window of local
hours. zoneinfo does the daylight-saving arithmetic; the send window starts well clear of the
02:00-03:00 transitions.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

# The one time zone of countries that have one (or whose business life runs on one).
COUNTRY_ZONE = {
    "AT": "Europe/Vienna",
    "BE": "Europe/Brussels",
    "BG": "Europe/Sofia",
    "CH": "Europe/Zurich",
    "CY": "Asia/Nicosia",
    "CZ": "Europe/Prague",
    "DE": "Europe/Berlin",
    "DK": "Europe/Copenhagen",
    "EE": "Europe/Tallinn",
    "ES": "Europe/Madrid",
    "FI": "Europe/Helsinki",
    "FR": "Europe/Paris",
    "GB": "Europe/London",
    "GR": "Europe/Athens",
    "HR": "Europe/Zagreb",
    "HU": "Europe/Budapest",
    "IE": "Europe/Dublin",
    "IS": "Atlantic/Reykjavik",
    "IT": "Europe/Rome",
    "LI": "Europe/Vaduz",
    "LT": "Europe/Vilnius",
    "LU": "Europe/Luxembourg",
    "LV": "Europe/Riga",
    "MC": "Europe/Monaco",
    "MT": "Europe/Malta",
    "NL": "Europe/Amsterdam",
    "NO": "Europe/Oslo",
    "PL": "Europe/Warsaw",
    "PT": "Europe/Lisbon",
    "RO": "Europe/Bucharest",
    "SE": "Europe/Stockholm",
    "SI": "Europe/Ljubljana",
    "SK": "Europe/Bratislava",
}
UTC = ZoneInfo("UTC")


def recipient_timezone(
    *, contact_zone: str | None, account_zone: str | None, country: str | None, company_zone: str
) -> tuple[str, str]:
    """(time zone, where it came from). Several-zone countries (US, CA...) without an explicit zone
    fall back to the company's, and say so, rather than guess."""
    for zone, how in ((contact_zone, "contact"), (account_zone, "account")):
        if zone:
            return zone, how
    if country and country.upper() in COUNTRY_ZONE:
        return COUNTRY_ZONE[country.upper()], f"country {country.upper()}"
    return company_zone, "company (no zone known for the customer)"


@cache
def _holidays(country: str, year: int) -> frozenset[date]:
    try:
        return frozenset(holidays.country_holidays(country, years=year))
    except NotImplementedError:  # a country the package does not know: weekends only
        return frozenset()


def is_business_day(day: date, country: str | None) -> bool:
    if day.weekday() >= 5:
        return False
    return not (country and day in _holidays(country.upper(), day.year))


def next_business_day(day: date, country: str | None) -> date:
    while not is_business_day(day, country):
        day += timedelta(days=1)
    return day


def add_business_days(day: date, count: int, country: str | None) -> date:
    """`count` business days after (or, negative, before) `day`."""
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    while remaining:
        day += timedelta(days=step)
        if is_business_day(day, country):
            remaining -= 1
    return day


def window_start(day: date, start: time, zone: str) -> datetime:
    return datetime.combine(day, start, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def in_window(instant: datetime, *, start: time, end: time, zone: str, country: str | None) -> bool:
    local = instant.astimezone(ZoneInfo(zone))
    return is_business_day(local.date(), country) and start <= local.time().replace(tzinfo=None) < end


def next_window(instant: datetime, *, start: time, end: time, zone: str, country: str | None) -> datetime:
    """`instant` itself when it is inside a send window, else the start of the next window."""
    if in_window(instant, start=start, end=end, zone=zone, country=country):
        return instant
    local = instant.astimezone(ZoneInfo(zone))
    day = local.date() if local.time().replace(tzinfo=None) < start else local.date() + timedelta(days=1)
    return window_start(next_business_day(day, country), start, zone)
