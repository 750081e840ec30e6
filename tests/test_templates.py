"""Every e-mail renders in every supported language, with the locale's own money and dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from agent.mail.maildir import MaildirOutbox
from agent.models import Account, Contact, Invoice, Task
from agent.reminders.legal import legal_profile
from agent.reminders.plans import TASK_TEMPLATES
from agent.reminders.steps import reminder_variables
from agent.settings import PROJECT_ROOT, Settings
from agent.templating import render_email, supported_languages
from tests.helpers import planned_invoice

TEMPLATES = PROJECT_ROOT / "templates"
LANGUAGES = sorted(supported_languages(TEMPLATES))
REMINDERS = ("courtesy", "due_today", "first_reminder", "second_reminder", "final_notice")
AT = datetime(2026, 12, 20, tzinfo=UTC)


def test_the_seven_languages_are_there() -> None:
    assert LANGUAGES == ["de", "en", "es", "fr", "it", "nl", "pt"]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", REMINDERS)
def test_reminders_render_with_the_locale(language: str, template: str) -> None:
    invoice = Invoice(
        account_id=1,
        number="F-2026-0042",
        issue_date=date(2026, 11, 2),
        due_date=date(2026, 12, 2),
        currency="EUR",
        total_gross=Decimal("1234.56"),
        amount_due=Decimal("1234.56"),
        created_at=AT,
    )
    legal = legal_profile("FR", Decimal("2.15"))
    rendered = render_email(
        TEMPLATES,
        template,
        language,
        reminder_variables(
            [{"invoice": invoice, "balance": Decimal("1234.56"), "days_overdue": 18}],
            locale=language,
            company=Settings().company,
            account=Account(name="X", normalized_name="x"),
            contact_name="Alex Martin",
            salutation="ms",
            legal=legal,
        ),
    )
    assert "F-2026-0042" in rendered.subject and "{{" not in rendered.text + rendered.subject
    assert format_currency(Decimal("1234.56"), "EUR", locale=language) in rendered.text
    assert format_date(date(2026, 12, 2), format="long", locale=language) in rendered.text
    assert "Martin" in rendered.text.splitlines()[0] or language == "fr"  # French: "Madame,"
    if template == "final_notice":
        assert format_decimal(Decimal("12.15"), locale=language) in rendered.text  # ECB 2.15 + 10 points (FR)
        assert format_currency(Decimal("40"), "EUR", locale=language) in rendered.text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", REMINDERS)
def test_one_email_listing_several_invoices(language: str, template: str) -> None:
    """The plural form: every invoice listed with its own balance, the total, and no singular
    sentence naming only the first one."""
    items = [
        {
            "invoice": Invoice(
                account_id=1, number=number, issue_date=date(2026, 11, 2), due_date=date(2026, 12, 2),
                currency="EUR", total_gross=Decimal(amount), amount_due=Decimal(amount), created_at=AT,
            ),
            "balance": Decimal(amount),
            "days_overdue": 18,
        }
        for number, amount in [("F-2026-0042", "1234.56"), ("F-2026-0043", "100.00")]
    ]  # fmt: skip
    rendered = render_email(
        TEMPLATES,
        template,
        language,
        reminder_variables(
            items,
            locale=language,
            company=Settings().company,
            account=Account(name="X", normalized_name="x"),
            contact_name="Alex Martin",
            legal=legal_profile("FR", Decimal("2.15")),
        ),
    )
    assert "2" in rendered.subject and "F-2026-0042" not in rendered.subject
    for number, amount in [("F-2026-0042", "1234.56"), ("F-2026-0043", "100.00"), (None, "1334.56")]:
        assert format_currency(Decimal(amount), "EUR", locale=language) in rendered.text
        assert number is None or rendered.text.count(number) == 1
    assert rendered.text.count("\n- ") == 2 and "{{" not in rendered.text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", TASK_TEMPLATES)
def test_task_mails_render_in_every_company_language(language: str, template: str) -> None:
    task = Task(kind="contact_request", token="RL-0000ABCD", addressee="f@x.example", title="Contact needed")
    invoice = Invoice(
        account_id=1,
        number="F-2026-0042",
        issue_date=date(2026, 11, 2),
        due_date=date(2026, 12, 2),
        currency="EUR",
        total_gross=Decimal("10"),
        amount_due=Decimal("10"),
        created_at=AT,
    )
    rendered = render_email(
        TEMPLATES,
        template,
        language,
        {
            "company": Settings().company,
            "task": task,
            "title": task.title,
            "account": Account(name="Acme", normalized_name="acme"),
            "invoices": [invoice],
            "contact": Contact(account_id=1, email="a@b.example", language="es"),
            "missing": "e-mail",
            "reasons": ["number is uncertain"],
            "problem": "ap@acme.example bounced: 5.1.1 User unknown",
            "fields": [("due_date", "Due", "2 December 2026"), ("amount_due", "Amount", "10.00")],
            "problems": ["“31/02” is not a date"],
            "outcome": "confirmed",
            "taught": ["Due"],
            "unplaced": ["Amount"],
        },
    )
    assert rendered.subject.startswith("[relance RL-0000ABCD]") and "{{" not in rendered.text
    if template in ("task_review", "task_review_unclear", "task_review_done"):  # the values, as read
        colon = " :" if language == "fr" else ":"  # French typography: a space before the colon
        assert f"    Due{colon} 2 December 2026\n    Amount{colon} 10.00\n" in rendered.text
    if template == "task_contact_request":  # a bounce says what no longer works, in the company's language
        assert "(ap@acme.example bounced: 5.1.1 User unknown)" in rendered.text


def test_a_spanish_customer_is_written_to_in_spanish(runtime, settings) -> None:  # type: ignore[no-untyped-def]
    from agent.reminders.dispatch import dispatch_due

    planned_invoice(runtime, country="ES", language="es", due=date(2026, 12, 2))
    outbox = MaildirOutbox(settings.outbox_path)
    (result,) = dispatch_due(runtime.engine, settings, outbox, now=datetime(2026, 11, 27, 8, 5, tzinfo=UTC))
    assert result.state == "sent"
    (message,) = outbox.messages()
    assert message["Subject"] == "Recordatorio: factura F-1 con vencimiento el 2 de diciembre de 2026"
    assert message["Content-Language"] == "es"
    amount = format_currency(Decimal("1200.00"), "EUR", locale="es_ES")  # language + country: es_ES
    assert amount == "1.200,00\u00a0€" and amount in message.get_body().get_content()
