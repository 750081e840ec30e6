"""The workspace's languages: message catalogs (gettext, with Babel) and formats in the user's locale.

The catalogs are the `.po` files in `agent/web/locale/<language>/LC_MESSAGES/messages.po`, compiled in
memory when first used: no build step, no binary `.mo` file in the repository. English is the source
language (its strings are the msgids). Money, dates and times are formatted by Babel in the user's
locale and time zone; customer-facing text (the e-mails) keeps the customer's language, whatever the
user reads the workspace in.

To add a string: write `{{ _("…") }}` in a template (or `gettext` in Python), then add its French in
`messages.po` (`tests/test_web_i18n.py` fails on any string without a translation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.core import Locale, negotiate_locale
from babel.dates import format_date, format_datetime, format_time, get_timezone_location
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from babel.support import NullTranslations, Translations

LANGUAGES = {"en": "English", "fr": "Français"}
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> NullTranslations:
    path = catalog_path(language)
    if language == DEFAULT_LANGUAGE or not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled)


def negotiate(accept_language: str | None) -> str:
    """The language of a visitor not signed in yet: the browser's first choice we speak."""
    wanted = []
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().replace("-", "_")
        if tag:
            wanted.append(tag)
    found = negotiate_locale(wanted, list(LANGUAGES), sep="_") if wanted else None
    if found is None:  # 'fr_CH' and the like: Babel matches exact tags only
        found = next((tag.split("_")[0] for tag in wanted if tag.split("_")[0] in LANGUAGES), None)
    return found or DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Formats:
    """Money, dates and instants as the user reads them: their language, their time zone."""

    language: str
    zone: str

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.language)

    def money(self, amount: Decimal | str | None, currency: str) -> str:
        if amount is None:
            return ""
        return format_currency(Decimal(str(amount)), currency, locale=self.language)

    def day(self, value: date | datetime | str | None, form: str = "medium") -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        return format_date(value, format=form, locale=self.language)

    def instant(self, value: datetime | None, zone: str | None = None) -> str:
        """An instant in a time zone (the user's unless another is given), to the minute: '7 janv. 2027,
        09:00' (seconds are noise to a reader)."""
        if value is None:
            return ""
        tz = ZoneInfo(zone or self.zone)
        day = format_date(value.astimezone(tz), format="medium", locale=self.language)
        return f"{day}, {format_time(value, format='short', tzinfo=tz, locale=self.language)}"

    def heading(self, value: date) -> str:
        """A day as a heading: 'Friday, January 15, 2027', 'Vendredi 15 janvier 2027'."""
        text = format_date(value, format="full", locale=self.language)
        return text[:1].upper() + text[1:]

    def time(self, value: datetime, zone: str | None = None) -> str:
        return format_datetime(
            value, format="HH:mm", tzinfo=ZoneInfo(zone or self.zone), locale=self.language
        )

    def local_day(self, value: datetime) -> date:
        return value.astimezone(ZoneInfo(self.zone)).date()

    def zone_name(self, zone: str | None = None) -> str:
        """'Europe/London' as a reader knows it: its city, in the user's language ('Londres')."""
        return get_timezone_location(ZoneInfo(zone or self.zone), locale=self.language, return_city=True)
