"""What a person sees of the book: `relance book` (tables and JSON) and the SVG charts."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from xml.etree import ElementTree

from babel.numbers import format_currency
from typer.testing import CliRunner

from agent.cli import app
from agent.db import session_scope
from agent.runtime import Runtime
from agent.views.book import book
from agent.views.book_aging import AgingRow, OpenItem, aging_of
from agent.views.book_weeks import cash_expected_of
from agent.views.charts import aging_chart, cash_chart
from tests.test_book import NOW, aging_book

SVG = "{http://www.w3.org/2000/svg}"
ENV = {"RELANCE_CONFIG": "/nonexistent/relance.toml"}  # the defaults: Europe/Paris, French, France


def test_book_command_prints_money_in_the_company_locale_and_dates_with_their_zone(runtime: Runtime) -> None:
    aging_book(runtime)
    args = ["book", "--data-dir", str(runtime.settings.data_dir), "--now", "2026-12-05T10:00Z"]
    shown = CliRunner().invoke(app, args, env=ENV)
    assert shown.exit_code == 0, shown.output
    out = shown.output
    assert "The book on 2026-12-05 11:00 Europe/Paris (CET)" in out
    assert "Receivables in EUR by days past due on 2026-12-05 (Europe/Paris)" in out
    for amount, currency in (("1180.00", "EUR"), ("1480.00", "EUR"), ("2700.00", "USD"), ("50.00", "EUR")):
        assert format_currency(Decimal(amount), currency, locale="fr_FR") in out  # 1 180,00 €, 2 700,00 $US
    assert "DSO in EUR: countback" in out and "30-day periods ending 2026-12-05 (Europe/Paris)" in out
    assert "Cash expected in USD per week (weeks from Monday, Europe/Paris" in out
    assert "2026-W49 from 2026-11-30" in out


def test_book_command_as_json_for_one_currency(runtime: Runtime) -> None:
    ids = aging_book(runtime)
    args = ["book", "--json", "--currency", "usd", "--data-dir", str(runtime.settings.data_dir)]
    shown = CliRunner().invoke(app, [*args, "--now", "2026-12-05T10:00Z"], env=ENV)
    assert shown.exit_code == 0, shown.output
    page = json.loads(shown.output)
    assert (page["currency"], page["today"], page["timezone"]) == ("USD", "2026-12-05", "Europe/Paris")
    assert [table["currency"] for table in page["aging"]] == ["USD"]
    assert page["aging"][0]["totals"]["disputed"] == {
        "amount": "700.00",
        "invoice_ids": [ids["B3"]],
        "count": 1,
    }
    assert [d["currency"] for d in page["dso"]] == ["USD"] and page["payments_received"] == {}


def test_aging_chart_is_an_accessible_svg_with_words_and_links(runtime: Runtime) -> None:
    ids = aging_book(runtime)
    with session_scope(runtime.engine) as session:
        eur, _usd = book(session=session, now=NOW, settings=runtime.settings).aging
    svg = aging_chart(eur, locale="fr_FR", href=lambda found: "/invoices?id=" + ",".join(map(str, found)))
    root = ElementTree.fromstring(svg)
    assert root.get("role") == "img"
    labelled = root.get("aria-labelledby", "").split()
    assert [root.find(f"{SVG}{tag}").get("id") for tag in ("title", "desc")] == labelled  # type: ignore[union-attr]
    desc = root.findtext(f"{SVG}desc") or ""
    total = format_currency(Decimal("1480"), "EUR", locale="fr_FR")
    assert f"Total owed {total} by 2 customers on 2026-12-05 (Europe/Paris)" in desc
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"Alpha SARL", "Beta GmbH", "total", "1-30 days late", "paused"} <= set(texts)
    links = {a.get("href") for a in root.iter(f"{SVG}a")}
    assert f"/invoices?id={ids['A1']}" in links and f"/invoices?id={ids['B1']}" in links
    assert "<script" not in svg and "http" not in svg.replace("http://www.w3.org/2000/svg", "")


def test_charts_escape_names_and_show_late_and_promised_money() -> None:
    today = date(2026, 12, 5)
    items = [
        OpenItem(1, 7, "Dupont & Fils <SA>", "EUR", date(2026, 11, 1), Decimal("100.00"), "none", None),
        OpenItem(
            2, 7, "Dupont & Fils <SA>", "EUR", date(2026, 11, 20), Decimal("40.00"), "none", date(2026, 12, 9)
        ),
        OpenItem(3, 7, "Dupont & Fils <SA>", "EUR", date(2026, 12, 16), Decimal("60.00"), "none", None),
    ]
    (aging,) = aging_of(items, {}, {}, today=today, timezone="Europe/Paris")
    assert isinstance(aging.rows[0], AgingRow)
    root = ElementTree.fromstring(aging_chart(aging, locale="en_GB"))  # parses: the name is escaped
    assert "Dupont & Fils <SA>" in [t.text for t in root.iter(f"{SVG}text")]
    (forecast,) = cash_expected_of(items, today=today, timezone="Europe/Paris")
    root = ElementTree.fromstring(cash_chart(forecast, locale="en_GB"))
    desc = root.findtext(f"{SVG}desc") or ""
    assert desc.startswith("Late with no date to expect it on: €100.00.")
    assert "week of 2026-12-07: €40.00; week of 2026-12-14: €60.00" in desc
    tips = [t.text for t in root.iter(f"{SVG}title")]
    assert "9 Dec: promised, €40.00 (1 invoices)" not in tips  # columns are named by their Monday
    assert (
        "7 Dec: promised, €40.00 (1 invoices)" in tips and "late: late, no date, €100.00 (1 invoices)" in tips
    )
