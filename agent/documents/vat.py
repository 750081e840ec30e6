"""VAT ids of any country python-stdnum knows (EU members, and GB, CH, NO... which the EU module lacks)."""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from stdnum import get_cc_module

if TYPE_CHECKING:  # a Protocol stdnum defines only for type checkers
    from stdnum.util import NumberValidationModule

GREECE_PREFIX = {"EL": "GR"}  # Greek VAT ids start with EL, the country code is GR


@cache
def _module(country: str) -> NumberValidationModule | None:
    try:
        return get_cc_module(GREECE_PREFIX.get(country, country).lower(), "vat")
    except (ImportError, ValueError):
        return None


def compact(vat_id: str) -> str:
    return re.sub(r"[\s.\-]", "", vat_id).upper()


def country_of(vat_id: str) -> str | None:
    prefix = compact(vat_id)[:2]
    return GREECE_PREFIX.get(prefix, prefix) if prefix.isalpha() else None


def is_valid_vat(vat_id: str) -> bool:
    """True when the id has a known country prefix and passes that country's checksum."""
    number = compact(vat_id)
    module = _module(number[:2]) if number[:2].isalpha() else None
    if module is None:
        return False
    try:
        return bool(module.is_valid(number)) or bool(module.is_valid(number[2:]))
    except Exception:  # stdnum modules raise their own errors on odd input
        return False


def has_known_country(vat_id: str) -> bool:
    number = compact(vat_id)
    return number[:2].isalpha() and _module(number[:2]) is not None
