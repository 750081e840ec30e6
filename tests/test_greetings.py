"""A reminder opens with the formal salutation of a business letter: neutral unless finance gave the
contact's salutation, and never with a name that is not a person's."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from agent.cli import app
from agent.db import session_scope
from agent.mail.maildir import MaildirOutbox
from agent.models import Account, Contact, Invoice
from agent.reminders.dispatch import dispatch_due
from agent.reminders.greeting import greeting, looks_like_a_person, salutation_of
from agent.reminders.legal import legal_profile
from agent.reminders.steps import reminder_variables
from agent.runtime import Runtime
from agent.settings import PROJECT_ROOT, Settings
from agent.templating import phrase, render_email
from tests.helpers import planned_invoice

TEMPLATES = PROJECT_ROOT / "templates"
CASES = [  # language, name, salutation, the letter's first line
    ("de", "Hans Müller", None, "Sehr geehrte Damen und Herren,"),
    ("de", "Hans Müller", "Herr", "Guten Tag Herr Müller,"),
    ("de", "Anna Schmidt", "frau", "Guten Tag Frau Schmidt,"),
    ("de", "Buchhaltung Müller GmbH", "Herr", "Sehr geehrte Damen und Herren,"),
    ("fr", "Marie Dupont", None, "Madame, Monsieur,"),
    ("fr", "Marie Dupont", "Mme", "Madame,"),
    ("fr", "Jean Martin", "M.", "Monsieur,"),
    ("en", "John Smith", None, "Dear John Smith,"),
    ("en", "John Smith", "mr", "Dear Mr Smith,"),
    ("en", "Accounts Payable", "ms", "Dear Sir or Madam,"),
    ("en", None, None, "Dear Sir or Madam,"),
    ("it", "Giulia Rossi", "Sig.ra", "Gentile Sig.ra Rossi,"),
    ("it", "Giulia Rossi", None, "Gentile Giulia Rossi,"),
    ("it", "amministrazione", None, "Gentili Signori,"),
    ("es", "Juan García", "Sr.", "Estimado Sr. García:"),
    ("es", "Lucía García", "sra", "Estimada Sra. García:"),
    ("es", "contabilidad@empresa.es", None, "Estimados señores:"),
    ("nl", "Jan de Vries", "dhr", "Geachte heer de Vries,"),
    ("nl", "Eva Jansen", "mevrouw", "Geachte mevrouw Jansen,"),
    ("nl", None, None, "Geachte heer, mevrouw,"),
    ("pt", "João Silva", "Sr", "Exmo. Senhor Silva,"),
    ("pt", "Ana Costa", "Sra.", "Exma. Senhora Costa,"),
    ("pt", "FINANCEIRO LDA", "Sra.", "Exmos. Senhores,"),
]


@pytest.mark.parametrize(("language", "name", "said", "first_line"), CASES)
def test_the_greeting_of_each_language(
    language: str, name: str | None, said: str | None, first_line: str
) -> None:
    words = greeting(name, said)
    assert phrase(TEMPLATES, language, words.key, words.values) == first_line
    invoice = Invoice(
        account_id=1, number="F-1", issue_date=date(2026, 11, 2), due_date=date(2026, 12, 2),
        currency="EUR", total_gross=Decimal("10"), amount_due=Decimal("10"),
    )  # fmt: skip
    rendered = render_email(
        TEMPLATES,
        "first_reminder",
        language,
        reminder_variables(
            [{"invoice": invoice, "balance": Decimal("10"), "days_overdue": 3}],
            locale=language,
            company=Settings().company,
            account=Account(name="X", normalized_name="x"),
            contact_name=name,
            salutation=salutation_of(said),
            legal=legal_profile("FR", Decimal("2.15")),
        ),
    )
    assert rendered.text.splitlines()[0] == first_line


def test_what_is_not_a_person_s_name() -> None:
    assert looks_like_a_person("Hans Müller") and looks_like_a_person("Jan de Vries")
    assert looks_like_a_person("Anne-Marie O'Neil")
    for name in ("Buchhaltung", "Accounts Payable", "Service Comptabilité", "ap@acme.example", "Müller GmbH",
                 "ACCOUNTS 2", "hans müller", "Team Finance Nord"):  # fmt: skip
        assert not looks_like_a_person(name), name


def test_finance_sets_a_salutation_and_the_reminder_greets_by_it(
    runtime: Runtime, settings: Settings
) -> None:
    planned_invoice(runtime, country="DE", language="de", due=date(2026, 12, 2))
    with session_scope(runtime.engine) as session:
        contact = session.exec(select(Contact)).one()
        contact.name = "Hans Müller"
        email = contact.email
    runner = CliRunner()
    data_dir = ["--data-dir", str(settings.data_dir)]
    wrong = runner.invoke(app, ["salutation", email, "Kaiser", *data_dir])
    assert wrong.exit_code == 2 and "not a salutation" in wrong.output
    done = runner.invoke(app, ["salutation", email, "Herr", *data_dir])
    assert done.exit_code == 0, done.output
    outbox = MaildirOutbox(settings.outbox_path)
    (result,) = dispatch_due(runtime.engine, settings, outbox, now=datetime(2026, 11, 27, 8, 5, tzinfo=UTC))
    assert result.state == "sent"
    (message,) = outbox.messages()
    assert message.get_body().get_content().splitlines()[0] == "Guten Tag Herr Müller,"
