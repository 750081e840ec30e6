"""Layout families: how a billing tool arranges its page. Each template fixes a language, where the
customer block stands, how the number and dates are laid out, where the totals are, how the due date is
given, and which wording of each label it uses; the documents of one template differ in content only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from benchmarks.layouts import content
from benchmarks.layouts.vocab import COUNTRY, TAX_RATES, VOCAB


@dataclass(frozen=True)
class Template:
    name: str
    language: str
    party: str  # left | right | window (DIN 5008: sender line above, no label) | right_window
    meta: str  # beside ("Label: value") | column (label, gap, value) | grid (labels row, values row)
    totals: str  # right | left | grid (labels in one row, values in the next)
    due: str  # label | sentence | terms
    dates: str = "numeric"  # numeric | long
    money: str = "code"  # code ("1 234,56 EUR") | symbol ("€ 1.234,56") | plain (currency printed once)
    country: str = ""  # the parties' country when not the language's (Swiss templates)
    currency: str = "EUR"
    number_shape: str = "FA-{y}-{n:04d}"
    seed: int = 0  # picks the template's wording of each label

    def words(self) -> dict[str, Any]:
        """This template's wording: one variant of each label, the same on all its documents."""
        rng = random.Random(f"{self.name}:{self.seed}")
        return {
            key: rng.choice(value) if isinstance(value, list) else value
            for key, value in VOCAB[self.language].items()
        }


T = Template
TEMPLATES = [
    T("fr-cabinet", "fr", "right", "beside", "right", "label", number_shape="FA-{y}-{n:04d}", seed=1),
    T("fr-artisan", "fr", "left", "grid", "grid", "terms", dates="numeric", number_shape="{n:06d}", seed=2),
    T("fr-saas", "fr", "window", "column", "left", "sentence", dates="long", money="symbol", seed=3),
    T(
        "en-agency",
        "en",
        "left",
        "beside",
        "right",
        "label",
        money="symbol",
        number_shape="INV-{n:06d}",
        seed=4,
    ),
    T("en-wholesale", "en", "right_window", "grid", "grid", "terms", dates="long", currency="GBP", seed=5),
    T("de-handwerk", "de", "window", "column", "right", "sentence", number_shape="RE{y}{n:05d}", seed=6),
    T(
        "de-grosshandel",
        "de",
        "right",
        "grid",
        "left",
        "terms",
        money="plain",
        number_shape="{y}/{n:04d}",
        seed=7,
    ),
    T("de-ch-treuhand", "de", "window", "beside", "grid", "label", country="CH", currency="CHF", seed=8),
    T("fr-ch-atelier", "fr", "right", "column", "right", "terms", country="CH", currency="CHF", seed=9),
    T("es-asesoria", "es", "right", "beside", "right", "label", number_shape="A-{n}/{y}", seed=10),
    T("es-distribucion", "es", "left", "grid", "grid", "sentence", dates="long", seed=11),
    T("it-studio", "it", "right", "column", "right", "label", number_shape="{n:06d}", seed=12),
    T("it-forniture", "it", "window", "grid", "left", "terms", seed=13),
    T("nl-bureau", "nl", "left", "beside", "right", "label", money="symbol", seed=14),
    T(
        "nl-groothandel",
        "nl",
        "right_window",
        "column",
        "grid",
        "sentence",
        number_shape="{y}/{n:04d}",
        seed=15,
    ),
    T("pt-servicos", "pt", "right", "beside", "left", "label", number_shape="FA-{y}-{n:04d}", seed=16),
    T("pt-comercio", "pt", "left", "grid", "right", "sentence", dates="long", seed=17),
]


def content_for(template: Template, rng: random.Random) -> content.Content:
    """One document of the template: random parties, lines, dates, a credit note now and then."""
    words = template.words()
    country = template.country or COUNTRY[template.language]
    customer_country = country if rng.random() < 0.8 else rng.choice(["FR", "DE", "BE", "AT", "NL"])
    issue = date(2025, 1, 1) + timedelta(days=rng.randint(0, 364))
    kind = "credit_note" if rng.random() < 0.18 else "invoice"
    reverse = customer_country != country and customer_country != "CH" and rng.random() < 0.7
    count = rng.choice([1, 2, 3, 4, 6]) if rng.random() < 0.85 else rng.randint(28, 40)  # some run on
    doc = content.Content(
        language=template.language,
        kind=kind,
        number=content.number(rng, template.number_shape, issue.year),
        issue_date=issue,
        due_date=None,
        currency=template.currency,
        supplier=content.company(rng, country),
        customer=content.company(rng, customer_country),
        lines=content.lines(rng, count),
        tax_rate=Decimal(TAX_RATES[country]),
        reverse_charge=reverse,
        customer_no=str(rng.randint(10000, 99999)),
    )
    if kind == "credit_note":
        doc.referenced = (content.number(rng, template.number_shape, issue.year), issue - timedelta(days=40))
        return doc
    if template.due == "terms":
        wording, terms_kind = words["terms"]
        days = 30 if terms_kind == "eom30" else rng.choice([14, 30, 45, 60])
        doc.terms = (wording.format(days=days), terms_kind, days)
        doc.due_date = content.due_from(issue, terms_kind, days)
    else:
        doc.due_date = issue + timedelta(days=rng.choice([10, 14, 30, 45]))
    if rng.random() < 0.1:
        doc.prepaid = (doc.gross * Decimal("0.3")).quantize(content.CENT)
    return doc
