"""A reminder for an invoice lowered by a credit note or a part payment shows the invoice's amount, each
credit note (number, date) and payment (date) set against it, and the balance: the customer reconciles
the figure with their own books without writing back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from babel.dates import format_date
from babel.numbers import format_currency
from sqlmodel import select

from agent.db import session_scope
from agent.mail.maildir import MaildirOutbox
from agent.models import Account, Invoice
from agent.payments.manual import record_manual_payment
from agent.reminders.dispatch import dispatch_due
from agent.runtime import Runtime
from agent.settings import Settings
from tests.helpers import credit, planned_invoice

WORDS = {
    "fr": ("Montant de la facture", "Avoir AV-7 du", "Paiement reçu le", "Reste à payer"),
    "de": ("Rechnungsbetrag", "Gutschrift AV-7 vom", "Zahlung erhalten am", "Offener Betrag"),
    "en": ("Invoice amount", "Credit note AV-7 of", "Payment received on", "Balance due"),
}


def money(amount: str, locale: str) -> str:
    return format_currency(Decimal(amount), "EUR", locale=locale)


@pytest.mark.parametrize(("language", "country"), [("fr", "FR"), ("de", "DE"), ("en", "GB")])
def test_the_credit_note_and_the_part_payment_are_shown_with_the_balance(
    runtime: Runtime, settings: Settings, outbox: MaildirOutbox, language: str, country: str
) -> None:
    planned_invoice(runtime, number="F-9", amount="1200.00", language=language, country=country)
    at = runtime.clock.now()
    with session_scope(runtime.engine) as session:
        account = session.exec(select(Account)).one()
        credit(session, account, "AV-7", "200.00", at=at, referenced="F-9")
        record_manual_payment(
            session,
            account=account,
            amount=Decimal("300.00"),
            currency="EUR",
            received_on=date(2026, 11, 20),
            method="transfer",
            invoice_numbers=["F-9"],
            at=at,
            tolerance=Decimal("1.00"),
        )
    dispatch_due(runtime.engine, settings, runtime.sender, now=datetime(2026, 12, 9, 9, 5, tzinfo=UTC))
    (reminder,) = [m for m in outbox.messages() if "F-9" in str(m["Subject"])]
    text = reminder.get_content()
    locale = f"{language}_{country}"
    amount, credit_line, payment_line, rest = WORDS[language]
    assert f"{amount}" in text and money("1200.00", locale) in text
    assert credit_line in text and money("-200.00", locale) in text
    assert f"{payment_line} {format_date(date(2026, 11, 20), format='long', locale=locale)}" in text
    assert money("-300.00", locale) in text
    assert rest in text and money("700.00", locale) in text
    assert text.index(amount) < text.index(credit_line) < text.index(payment_line) < text.index(rest)


def test_an_invoice_with_nothing_set_against_it_shows_no_such_lines(
    runtime: Runtime, settings: Settings, outbox: MaildirOutbox
) -> None:
    planned_invoice(runtime, number="F-10", amount="1200.00")
    dispatch_due(runtime.engine, settings, runtime.sender, now=datetime(2026, 12, 9, 9, 5, tzinfo=UTC))
    text = next(m for m in outbox.messages() if "F-10" in str(m["Subject"])).get_content()
    assert "Reste à payer" not in text and "Montant de la facture" not in text
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Invoice)).one().number == "F-10"


@pytest.mark.parametrize("language", ["de", "en", "es", "fr", "it", "nl", "pt"])
def test_in_an_email_listing_several_invoices_the_lines_stand_under_their_invoice(language: str) -> None:
    from agent.reminders.plan_check import _sample_context
    from agent.settings import PROJECT_ROOT
    from agent.templating import render_email

    context = {**_sample_context(2), "locale": language}
    text = render_email(PROJECT_ROOT / "templates", "first_reminder", language, context).text
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if "F-0001" in line)
    second = next(i for i, line in enumerate(lines) if "F-0002" in line)
    settled = lines[first + 1 : second]
    assert len(settled) == 4 and all(line.startswith("    ") for line in settled)  # amount, 2 lines, balance
    assert "AV-0001" in settled[1] and money("-200.00", language) in settled[1]
    assert money("900.00", language) in settled[3]
