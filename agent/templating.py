"""Render e-mails from Jinja2 templates in the recipient's language, with Babel-formatted money and dates.

A template is templates/email/<language>/<name>.txt.j2 with two blocks, `subject` and `body`, so a
translator sees the whole message in one file. Values from documents are data, never template code.

The sentences a message is built from elsewhere (why a document needs a check, what a reply lacks) are
`Said` values: a key and its values, rendered at the edge by the macro of that key in
templates/email/<language>/_phrases.txt.j2, so a task stores the key and each e-mail says it in its
reader's language. Why macros and not gettext: a phrase often has optional parts (where on the page a
value was read) and values to format (money, dates, a field's name) in the reader's locale, which a
macro does in the language's own word order; and a translator finds every word of the e-mails in one
folder per language.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

BUILT_IN_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PHRASES = "_phrases.txt.j2"
log = logging.getLogger(__name__)


class Said(str):
    """Words for a person: a catalog key and its values. As a `str` it is the English wording (what logs,
    the audit trail and the CLI show); an e-mail says the key in its reader's language (`say`). Values
    are kept JSON-ready (amounts and dates as ISO text) so a task can store the key and its values."""

    key: str
    values: dict[str, Any]

    def __new__(cls, key: str, /, **values: Any) -> Said:
        plain = {name: _plain(value) for name, value in values.items()}
        said = super().__new__(cls, phrase(BUILT_IN_TEMPLATES, "en", key, plain))
        said.key, said.values = key, plain
        return said

    def __reduce__(self) -> tuple[Any, ...]:  # a deep copy (model_copy) keeps the key
        return (_said, (self.key, self.values))

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "values": self.values}


def _said(key: str, values: dict[str, Any]) -> Said:
    return Said(key, **values)


def said_from_json(data: Any) -> Said | str:
    """A stored `Said` ({"key", "values"}) again, or the stored text itself (words from elsewhere)."""
    if isinstance(data, dict) and "key" in data:
        return Said(data["key"], **data.get("values", {}))
    return str(data)


def said_to_json(words: str) -> dict[str, Any] | str:
    return words.as_json() if isinstance(words, Said) else str(words)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def phrase(
    templates_dir: Path,
    language: str,
    key: str,
    values: dict[str, Any],
    *,
    locale: str | None = None,
    labels: dict[str, str] | None = None,
) -> str:
    """The sentence `key` in `language`: its macro in _phrases.txt.j2. A key the language lacks is said
    in English (the e-mail still goes out; tests/test_task_words.py fails on any such gap)."""
    module = _phrases(templates_dir, language, locale or language, tuple(sorted((labels or {}).items())))
    macro = getattr(module, key, None)
    if macro is None and language != "en":
        log.warning("no phrase %r in %s: said in English", key, language)
        return phrase(templates_dir, "en", key, values, labels=labels)
    if macro is None:
        raise KeyError(f"no phrase {key!r} in {templates_dir / 'email' / 'en' / PHRASES}")
    return str(macro(**values)).strip()  # one line each: a value's own spaces are kept as they are


def phrase_keys(templates_dir: Path, language: str) -> set[str]:
    module = _phrases(templates_dir, language, language, ())
    return {name for name in dir(module) if not name.startswith("_")}


@lru_cache(maxsize=64)
def _phrases(templates_dir: Path, language: str, locale: str, labels: tuple[tuple[str, str], ...]) -> Any:
    named = dict(labels)
    helpers = {
        **_formatters(locale),
        "label": lambda name: named.get(name, name),  # an e-mail gives the names; a log keeps the key
    }
    return _environment(templates_dir).get_template(f"email/{language}/{PHRASES}").make_module(helpers)


def _formatters(locale: str) -> dict[str, Any]:
    """money, long_date, number and percent in `locale`; each takes its value as stored text too."""

    def money(amount: Decimal | str, currency: str) -> str:
        return format_currency(Decimal(str(amount)), currency, locale=locale)

    def long_date(value: date | datetime | str) -> str:
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        return format_date(value, format="long", locale=locale)

    def number(value: Decimal | str) -> str:
        return format_decimal(Decimal(str(value)), locale=locale)

    def percent(value: float | str) -> str:
        return format_percent(float(value), locale=locale)

    def language_name(code: str) -> str:
        """'de' as the reader says it: "allemand" in French."""
        try:
            return Locale.parse(code).get_display_name(locale) or code
        except (UnknownLocaleError, ValueError):
            return code

    return {
        "money": money,
        "long_date": long_date,
        "number": number,
        "percent": percent,
        "language_name": language_name,
    }


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
    """Render one e-mail. Its template may `say(words)`: a `Said` (or its stored form) in `language`,
    any other text as it is (a customer's words, a file name)."""
    locale = context.get("locale") or language
    environment = _environment(templates_dir)
    template = environment.get_template(f"email/{language}/{name}.txt.j2")

    def say(words: Any) -> str:
        if isinstance(words, dict):
            words = said_from_json(words)
        if isinstance(words, Said):
            labels = context.get("labels")
            return phrase(templates_dir, language, words.key, words.values, locale=locale, labels=labels)
        return str(words)

    full = {**context, **_formatters(locale), "say": say}
    rendered = template.new_context(full)
    subject = "".join(template.blocks["subject"](rendered)).strip()
    body = "".join(template.blocks["body"](template.new_context(full))).strip() + "\n"
    return RenderedEmail(subject=" ".join(subject.split()), text=body, language=language)
