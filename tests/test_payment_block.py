"""Every reminder says how to pay: the company's IBAN and BIC, the RF reference of each invoice, the
payment page when there is one; in the reader's language; nothing when neither is configured."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

from agent.mail.maildir import MaildirOutbox
from agent.reminders.payment_details import payment_details
from agent.reminders.steps import reminder_variables
from agent.settings import PROJECT_ROOT, CompanySettings, Settings
from agent.templating import render_email, supported_languages
from tests.conftest import COMPANY

TEMPLATES = PROJECT_ROOT / "templates"
LANGUAGES = sorted(supported_languages(TEMPLATES))
STEPS = ("courtesy", "due_today", "first_reminder", "second_reminder", "final_notice")
BANKED = COMPANY.model_copy(update={"iban": "FR7630006000011234567890189", "bic": "AGRIFRPP"})
LINK = "https://pay.example.com/{invoice_number}?amount={amount}"


def rf(invoice_id: int) -> str:
    """The printed ISO 11649 reference of an invoice id, computed with python-stdnum on its own."""
    body = f"{invoice_id:010d}"
    return iso11649.format("RF" + mod_97_10.calc_check_digits(body + "RF") + body)


def items(company: CompanySettings, link: str | None, count: int) -> list[dict[str, object]]:
    made = []
    for n in range(1, count + 1):
        invoice = SimpleNamespace(
            id=n, number=f"F-{n}", issue_date=date(2026, 10, 1), due_date=date(2026, 11, 1), currency="EUR",
            total_gross=Decimal("100.00"), amount_due=Decimal("100.00"),
        )  # fmt: skip
        pay = payment_details(
            company=company, link_template=link, invoice_id=n, invoice_number=invoice.number,
            amount=Decimal("100.00"), currency="EUR", with_qr=False,
        )  # fmt: skip
        made.append({"invoice": invoice, "balance": Decimal("100.00"), "days_overdue": 4, "pay": pay})
    return made


def render(language: str, step: str, company: CompanySettings, link: str | None, count: int) -> str:
    variables = reminder_variables(
        items(company, link, count), locale=language, company=company,
        account=SimpleNamespace(name="Acme", country="FR"), contact_name=None,
        legal=SimpleNamespace(applies=False),
    )  # fmt: skip
    return render_email(TEMPLATES, step, language, variables).text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("step", STEPS)
def test_each_reminder_gives_the_bank_details_and_each_invoice_s_reference(language: str, step: str) -> None:
    one = render(language, step, BANKED, LINK, 1)
    assert "FR76 3000 6000 0112 3456 7890 189" in one and "AGRIFRPP" in one
    assert rf(1) in one
    assert "https://pay.example.com/F-1?amount=100.00" in one
    several = render(language, step, BANKED, None, 3)
    assert all(rf(n) in several for n in (1, 2, 3))


@pytest.mark.parametrize("language", LANGUAGES)
def test_nothing_is_said_about_paying_when_nothing_is_configured(language: str) -> None:
    assert rf(1) not in render(language, "first_reminder", COMPANY, None, 1)


def test_through_the_dispatcher(tmp_path: object) -> None:
    from pathlib import Path

    from agent.clock import FixedClock
    from agent.flow.service import Agent
    from agent.runtime import Runtime
    from tests.helpers import planned_invoice

    assert isinstance(tmp_path, Path)
    settings = Settings(data_dir=tmp_path / "data", company=BANKED)
    clock = FixedClock(datetime(2026, 11, 2, 8, 0, tzinfo=UTC))
    runtime = Runtime.open(settings, clock)
    invoice_id = planned_invoice(runtime, number="F-77", due=date(2026, 11, 5))
    clock.set(datetime(2026, 11, 2, 9, 30, tzinfo=UTC))
    with Agent(runtime) as agent:
        agent.tick()
    [sent] = list(MaildirOutbox(settings.outbox_path).messages())
    text = sent.get_content()
    assert "IBAN : FR76 3000 6000 0112 3456 7890 189" in text
    reference = payment_details(
        company=BANKED, link_template=None, invoice_id=invoice_id, invoice_number="F-77",
        amount=Decimal("1200.00"), currency="EUR", with_qr=False,
    ).reference  # fmt: skip
    assert f"Référence à indiquer : {reference}" in text
