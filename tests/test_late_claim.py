"""Statutory late-payment claims: the worked examples of docs/late-payment-claims.md to the cent (figures
worked out by hand there), each country's rule for the first day of delay and the reference rate, the
fixed sums, a rate the table does not hold, finance's update, and an invoice paid in part on the books."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from agent.cli import app
from agent.db import session_scope
from agent.flow.service import Agent
from agent.models import AuditEvent, Invoice
from agent.reminders.late_claim import LateClaim, claim_for_invoice, late_claim
from agent.reminders.rates import load_rates
from agent.runtime import Runtime
from tests.helpers import planned_invoice

DOC = Path(__file__).resolve().parent.parent / "docs" / "late-payment-claims.md"
SHIPPED = load_rates(None)


def claim(
    country: str, amount: str, due: date, as_of: date, currency: str = "EUR", **more: object
) -> LateClaim:
    result = late_claim(
        country=country,
        currency=currency,
        amount_due=Decimal(amount),
        due_date=due,
        as_of=as_of,
        rates=more.pop("rates", SHIPPED),  # type: ignore[arg-type]
        **more,  # type: ignore[arg-type]
    )
    assert result is not None
    return result


def lines(result: LateClaim) -> list[tuple[str, str, int, str, str, str]]:
    return [
        (str(p.start), str(p.end), p.days, str(p.principal), str(p.rate), str(p.interest))
        for p in result.periods
    ]


def test_france_worked_example() -> None:
    result = claim("FR", "10000.00", date(2025, 5, 31), date(2025, 8, 29))
    assert result.interest_from == date(2025, 6, 1)
    # 1 January 2025: ECB 3.15 + 10; 1 July 2025: 2.15 + 10. 10000 x 13.15 % x 30/365 = 108.08...
    assert lines(result) == [
        ("2025-06-01", "2025-06-30", 30, "10000.00", "13.15", "108.08"),
        ("2025-07-01", "2025-08-29", 60, "10000.00", "12.15", "199.73"),
    ]
    assert (result.interest, result.fixed_sum, result.fixed_sum_currency) == (
        Decimal("307.81"),
        Decimal("40.00"),
        "EUR",
    )
    assert result.total == Decimal("347.81")


def test_germany_worked_example_with_a_part_payment() -> None:
    result = claim(
        "DE",
        "5000.00",
        date(2025, 3, 15),
        date(2025, 9, 30),
        reductions=[(date(2025, 8, 1), Decimal("2000.00"))],
    )
    assert result.interest_from == date(2025, 4, 15)  # no reminder: in default 30 days after the due date
    assert lines(result) == [
        ("2025-04-15", "2025-06-30", 77, "5000.00", "11.27", "118.88"),
        ("2025-07-01", "2025-07-31", 31, "5000.00", "10.27", "43.61"),
        ("2025-08-01", "2025-09-30", 61, "3000.00", "10.27", "51.49"),
    ]
    assert (result.interest, result.fixed_sum, result.total) == (
        Decimal("213.98"),
        Decimal("40.00"),
        Decimal("253.98"),
    )


def test_united_kingdom_worked_example() -> None:
    result = claim("GB", "12000.00", date(2025, 2, 28), date(2025, 12, 31), currency="GBP")
    # Interest starts in January-June: Bank Rate at close of business on 31 December 2024 (4.75) + 8,
    # for the whole debt, although Bank Rate fell four times during it.
    assert lines(result) == [("2025-03-01", "2025-12-31", 306, "12000.00", "12.75", "1282.68")]
    assert (result.interest, result.fixed_sum, result.fixed_sum_currency, result.total) == (
        Decimal("1282.68"),
        Decimal("100.00"),
        "GBP",
        Decimal("1382.68"),
    )


def test_directive_default_worked_example_italy() -> None:
    result = claim("IT", "2500.00", date(2025, 12, 15), date(2026, 1, 20))
    assert lines(result) == [
        ("2025-12-16", "2025-12-31", 16, "2500.00", "10.15", "11.12"),
        ("2026-01-01", "2026-01-20", 20, "2500.00", "10.15", "13.90"),
    ]
    assert (result.interest, result.fixed_sum) == (Decimal("25.02"), Decimal("40.00"))


def test_the_document_states_the_figures_the_tests_check() -> None:
    text = DOC.read_text(encoding="utf-8")
    for figure in ("307.81 EUR", "347.81 EUR", "213.98 EUR", "253.98 EUR", "1 282.68 GBP", "1 382.68 GBP"):
        assert figure in text, figure
    assert "25.02 EUR" in text and "65.02 EUR" in text


@pytest.mark.parametrize(
    ("debt", "fee"), [("999.99", "40.00"), ("1000.00", "70.00"), ("9999.99", "70.00"), ("10000.00", "100.00")]
)
def test_uk_fixed_sum_by_the_size_of_the_debt(debt: str, fee: str) -> None:
    result = claim("GB", debt, date(2025, 6, 30), date(2025, 7, 30), currency="GBP")
    assert result.fixed_sum == Decimal(fee)


def test_uk_rate_is_the_one_before_interest_starts() -> None:
    # Due 30 June 2025: interest starts 1 July, so the 30 June rate (4.25) holds, + 8.
    result = claim("GB", "850.00", date(2025, 6, 30), date(2025, 7, 30), currency="GBP")
    assert lines(result) == [("2025-07-01", "2025-07-30", 30, "850.00", "12.25", "8.56")]
    in_euros = claim("GB", "850.00", date(2025, 6, 30), date(2025, 7, 30))
    assert in_euros.fixed_sum is None and in_euros.interest == Decimal("8.56")
    assert in_euros.unknown == "the UK fixed sum is set in pounds; this debt is in EUR"


def test_germany_a_reminder_after_the_due_date_starts_the_default() -> None:
    due = date(2025, 3, 15)
    reminded = claim("DE", "1000.00", due, date(2025, 4, 30), first_reminder_on=date(2025, 3, 20))
    assert reminded.interest_from == date(2025, 3, 21)
    early = claim("DE", "1000.00", due, date(2025, 4, 30), first_reminder_on=date(2025, 3, 10))
    assert early.interest_from == date(2025, 4, 15)  # a reminder before the due date is no default notice
    assert late_claim(country="DE", currency="EUR", amount_due=Decimal("1000"), due_date=due,
                      as_of=date(2025, 4, 14), rates=SHIPPED) is None  # fmt: skip


def test_no_claim_where_the_law_gives_none_here_or_not_yet() -> None:
    def none(**kw: object) -> bool:
        base: dict[str, object] = {"country": "FR", "currency": "EUR", "amount_due": Decimal("100")}
        base |= {"due_date": date(2025, 5, 31), "as_of": date(2025, 6, 10), "rates": SHIPPED}
        return late_claim(**{**base, **kw}) is None  # type: ignore[arg-type]

    assert none(country="US") and none(country="CH") and none(country=None)
    assert none(as_of=date(2025, 5, 31))  # due that day: not late yet
    assert none(reductions=[(date(2025, 5, 30), Decimal("100"))])  # paid on time
    assert not none()


def test_a_rate_the_table_does_not_hold_is_not_guessed(runtime: Runtime) -> None:
    result = claim("FR", "2500.00", date(2026, 6, 15), date(2026, 12, 5))
    assert result.interest is None and result.periods == () and result.fixed_sum == Decimal("40.00")
    assert result.unknown == (
        "the ECB main refinancing operations rate (fixed rate tenders) in force on 2026-07-01 is not in the "
        "rate table (checked through 2026-01-31): add it with `relance rates set ecb_mro`"
    )
    data_dir = runtime.settings.data_dir
    runner = CliRunner()
    done = runner.invoke(app, ["rates", "set", "ecb_mro", "2.15", "--from", "2025-06-11", "--data-dir",
                               str(data_dir), "--now", "2026-12-05T09:00:00+00:00"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "checked through 2026-12-05" in done.output
    updated = claim("FR", "2500.00", date(2026, 6, 15), date(2026, 12, 5), rates=load_rates(data_dir))
    # 16-30 June: 15 days; 1 July-5 December: 158 days; both at 2.15 + 10.
    assert lines(updated) == [
        ("2026-06-16", "2026-06-30", 15, "2500.00", "12.15", "12.48"),
        ("2026-07-01", "2026-12-05", 158, "2500.00", "12.15", "131.49"),
    ]
    with session_scope(runtime.engine) as session:
        assert [e.action for e in session.exec(select(AuditEvent))] == ["rate_set"]
    shown = runner.invoke(app, ["rates", "show", "ecb_mro", "--data-dir", str(data_dir)])
    assert "2025-06-11    2.15 %  set on 2026-12-05" in shown.output
    refused = runner.invoke(
        app, ["rates", "set", "ecb_mro", "two", "--from", "2026-01-01", "--data-dir", str(data_dir)]
    )
    assert refused.exit_code == 2 and "'two' is not a rate in percent" in refused.output


def test_outside_the_euro_area_the_national_rate_is_not_held() -> None:
    polish = claim("PL", "1000.00", date(2025, 5, 31), date(2025, 6, 30))
    assert polish.interest is None and polish.fixed_sum == Decimal("40.00")
    assert polish.unknown == "the reference rate in PL is its central bank's, which relance does not hold"
    croatian = claim("HR", "1000.00", date(2022, 11, 30), date(2023, 1, 31))
    assert croatian.interest is None and "before 2023-01-01" in (croatian.unknown or "")


def test_an_invoice_paid_in_part_on_the_books(agent: Agent, runtime: Runtime, tmp_path: Path) -> None:
    invoice_id = planned_invoice(
        runtime,
        name="Beispielbau",
        number="RE-2025-0042",
        amount="5000.00",
        due=date(2025, 3, 15),
        country="DE",
    )
    payment = tmp_path / "konto.csv"
    payment.write_text(
        "Datum;Betrag;Verwendungszweck;Auftraggeber\n01.08.2025;2000,00;RE-2025-0042;Beispielbau\n"
    )
    assert agent.import_payments(payment).matched == 1
    with session_scope(runtime.engine) as session:
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None
        result = claim_for_invoice(session, invoice, as_of=date(2025, 9, 30), rates=SHIPPED)
    assert result is not None and result.interest == Decimal("213.98")  # the German worked example
