"""The development set's generator (benchmarks/layouts): fixed seeds, truths that hold together and are
printed on the page. The text path's figures on it are the benchmark's (benchmarks/unseen.py); here a
few documents only, so the suite stays fast."""

from __future__ import annotations

import io
from decimal import Decimal

from pypdf import PdfReader

from agent.documents.extract import pdf_text
from benchmarks.layouts import generate
from benchmarks.layouts.content import due_from
from benchmarks.layouts.templates import TEMPLATES
from benchmarks.unseen import KEY, generated_cases, measure


def test_the_same_seed_gives_the_same_documents() -> None:
    first = [(g.name, g.truth) for g in generate(per_template=2, seed=7, templates=TEMPLATES[:4])]
    again = [(g.name, g.truth) for g in generate(per_template=2, seed=7, templates=TEMPLATES[:4])]
    other = [(g.name, g.truth) for g in generate(per_template=2, seed=8, templates=TEMPLATES[:4])]
    assert first == again and first != other


def test_every_language_and_layout_kind_is_covered() -> None:
    assert {t.language for t in TEMPLATES} == {"fr", "en", "de", "es", "it", "nl", "pt"}
    assert {t.party for t in TEMPLATES} == {"left", "right", "window", "right_window"}
    assert {t.totals for t in TEMPLATES} == {"left", "right", "grid"}
    assert {t.due for t in TEMPLATES} == {"label", "sentence", "terms"}


def test_truths_add_up_and_are_printed() -> None:
    for made in generate(per_template=1, seed=3):
        truth = made.truth
        net, tax, gross = (Decimal(truth[k]) for k in ("total_net", "total_tax", "total_gross"))
        assert net + tax == gross and Decimal(truth["amount_due"]) <= gross
        text = pdf_text(PdfReader(io.BytesIO(made.pdf)))
        assert truth["number"] in text and truth["customer_name"] in text, made.name
        assert all(part in text for part in truth["customer_address"]), made.name


def test_terms_give_the_due_date() -> None:
    from datetime import date

    assert due_from(date(2025, 1, 16), "eom30", 30) == date(2025, 2, 28)  # 30 jours fin de mois
    assert due_from(date(2025, 1, 16), "net", 45) == date(2025, 3, 2)


def test_the_text_path_reads_one_document_of_each_layout() -> None:
    """A guard, not the measure (benchmarks/unseen.py is): one document per template, every key field
    right, and none accepted with a wrong one."""
    tally = measure(generated_cases(per_template=1, seed=5))
    key = [ok for name in KEY for ok in tally.scores.get(name, [])]
    assert tally.documents == len(TEMPLATES) and not tally.errors
    assert sum(key) >= len(key) - 1, tally.misses  # one miss of slack
    assert tally.accepted_wrong == [] and tally.accepted >= len(TEMPLATES) // 2
