"""A development set of invoices and credit notes in layouts the extractor was not written on: varied
templates in seven languages drawn with fpdf2, each document with its truth. Fixed seeds: the same call
gives the same PDFs, byte for byte apart from fpdf2's creation date.

    from benchmarks.layouts import generate
    for document in generate(per_template=10, seed=1): document.pdf, document.truth
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from benchmarks.layouts.render import render
from benchmarks.layouts.templates import TEMPLATES, Template, content_for


@dataclass
class Generated:
    name: str
    template: Template
    pdf: bytes
    truth: dict[str, Any]
    own_names: tuple[str, ...]  # the issuing company's names, as its settings would hold them


def generate(
    per_template: int = 10, seed: int = 1, templates: list[Template] | None = None
) -> Iterator[Generated]:
    for template in templates or TEMPLATES:
        rng = random.Random(f"{seed}:{template.name}")
        for index in range(per_template):
            doc = content_for(template, rng)
            pdf = render(doc, template, rng)  # drawn first: it may leave the customer's VAT id unprinted
            yield Generated(f"{template.name}-{index:03d}", template, pdf, doc.truth(), (doc.supplier.name,))
