"""Render e-mails from Jinja2 templates in the recipient's language, with Babel-formatted money and dates.

A template is templates/email/<language>/<name>.txt.j2 with two blocks, `subject` and `body`, so a
translator sees the whole message in one file. Values from documents are data, never template code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    language: str


def locale_for(language: str, country: str | None) -> str:
    """'fr' + 'BE' -> 'fr_BE' when Babel knows it (dates and money as a Belgian reads them), else 'fr'."""
    if country:
        try:
            Locale.parse(f"{language}_{country.upper()}")
            return f"{language}_{country.upper()}"
        except (UnknownLocaleError, ValueError):
            pass
    return language


def supported_languages(templates_dir: Path) -> set[str]:
    root = templates_dir / "email"
    return {p.name for p in root.iterdir() if p.is_dir()} if root.exists() else set()


@lru_cache(maxsize=8)
def _environment(templates_dir: Path) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        undefined=StrictUndefined,  # a missing value is an error at render time, not an empty hole
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    return environment


def render_email(templates_dir: Path, name: str, language: str, context: dict[str, Any]) -> RenderedEmail:
    locale = context.get("locale") or language
    environment = _environment(templates_dir)
    template = environment.get_template(f"email/{language}/{name}.txt.j2")

    def money(amount: Decimal, currency: str) -> str:
        return format_currency(amount, currency, locale=locale)

    def long_date(value: date | datetime) -> str:
        return format_date(value, format="long", locale=locale)

    def number(value: Decimal) -> str:
        return format_decimal(value, locale=locale)

    full = {**context, "money": money, "long_date": long_date, "number": number}
    rendered = template.new_context(full)
    subject = "".join(template.blocks["subject"](rendered)).strip()
    body = "".join(template.blocks["body"](template.new_context(full))).strip() + "\n"
    return RenderedEmail(subject=" ".join(subject.split()), text=body, language=language)
