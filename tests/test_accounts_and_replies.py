"""Account matching never merges two companies; finance's free-text replies become contacts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from agent.documents.schema import Party
from agent.finance.contact_answers import parse_contact_answer
from agent.ledger.accounts import match_or_create_account, normalize_name, resolve_language
from agent.mail.quoting import strip_quoted
from agent.models import Account, Contact
from agent.runtime import Runtime

AT = datetime(2026, 11, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "normalized"),
    [
        ("Müller Maschinenbau GmbH", "muller maschinenbau"),
        ("ACME S.A.R.L.", "acme"),
        ("Acme SARL", "acme"),
        ("Northwind Trading Ltd.", "northwind trading"),
        ("Prodotti S.r.l.", "prodotti"),
        ("Tulip B.V.", "tulip"),
        ("Azulejos S.L.", "azulejos"),
        ("Gamma", "gamma"),
    ],
)
def test_normalize_name(name: str, normalized: str) -> None:
    assert normalize_name(name) == normalized


def test_matching_order_and_never_merging_vat_ids(runtime: Runtime) -> None:
    with Session(runtime.engine) as session:
        first = match_or_create_account(
            session, customer=Party(name="Acme SARL", vat_id="FR96412345670"), currency="EUR", at=AT
        )
        assert first.created
        by_vat = match_or_create_account(
            session, customer=Party(name="ACME (new name)", vat_id="FR 96 412345670"), currency="EUR", at=AT
        )
        assert by_vat.account.id == first.account.id and by_vat.matched_by == "vat_id"
        by_name = match_or_create_account(
            session, customer=Party(name="ACME S.A.R.L."), currency="EUR", at=AT
        )
        assert by_name.account.id == first.account.id and by_name.matched_by == "name"
        other = match_or_create_account(
            session, customer=Party(name="Acme SAS", vat_id="FR44732829320"), currency="EUR", at=AT
        )
        assert (
            other.created and other.account.id != first.account.id
        )  # same name, other VAT id: two companies
        by_domain = match_or_create_account(
            session, customer=Party(name="Zeta Holding", email="ap@zeta.example"), currency="EUR", at=AT
        )
        again = match_or_create_account(
            session, customer=Party(name="Zeta Group", email="billing@zeta.example"), currency="EUR", at=AT
        )
        assert again.account.id == by_domain.account.id and again.matched_by == "email_domain"
        gmail = match_or_create_account(
            session, customer=Party(name="Solo A", email="a@gmail.com"), currency="EUR", at=AT
        )
        other_gmail = match_or_create_account(
            session, customer=Party(name="Solo B", email="b@gmail.com"), currency="EUR", at=AT
        )
        assert gmail.account.id != other_gmail.account.id  # a webmail domain says nothing about the company


def test_language_resolution_order() -> None:
    account = Account(name="X", normalized_name="x", country="DE", created_at=AT)
    contact = Contact(account_id=1, email="a@b.example", language="en", created_at=AT)
    supported = {"fr", "en", "de"}
    assert resolve_language(contact=contact, account=account, company_default="fr", supported=supported) == (
        "en",
        "contact",
    )
    assert resolve_language(contact=None, account=account, company_default="fr", supported=supported) == (
        "de",
        "country",
    )
    account.language = "fr"
    assert resolve_language(contact=None, account=account, company_default="en", supported=supported) == (
        "fr",
        "account",
    )
    account.language, account.country = None, "JP"
    assert resolve_language(contact=None, account=account, company_default="en", supported=supported) == (
        "en",
        "company default",
    )
    unsupported = Contact(account_id=1, email="a@b.example", language="ja", created_at=AT)
    assert resolve_language(
        contact=unsupported, account=account, company_default="en", supported=supported
    ) == (None, "contact")  # never a silent fallback to another language


@pytest.mark.parametrize(
    ("text", "email", "name", "language"),
    [
        ("Marie Dupont, marie.dupont@acme.fr, français", "marie.dupont@acme.fr", "Marie Dupont", "fr"),
        ("contact is John Smith <john@acme.co.uk>, English", "john@acme.co.uk", "John Smith", "en"),
        ("john@acme.co.uk", "john@acme.co.uk", None, None),
        ("Ansprechpartner: Hans Müller, hans@mueller.de, Deutsch", "hans@mueller.de", "Hans Müller", "de"),
        ("C'est Pablo Ruiz pablo@ruiz.es (es)", "pablo@ruiz.es", "Pablo Ruiz", "es"),
        ("Giulia Rossi - giulia@rossi.it - italiano", "giulia@rossi.it", "Giulia Rossi", "it"),
        ("Jan de Vries, jan@vries.nl, Nederlands", "jan@vries.nl", "Jan de Vries", "nl"),
        ("Jean-Pierre Léger — jp@leger.fr — FR", "jp@leger.fr", "Jean-Pierre Léger", "fr"),
        ("Ana Costa <ana@costa.pt> português", "ana@costa.pt", "Ana Costa", "pt"),
    ],
)
def test_contact_answers(text: str, email: str, name: str | None, language: str | None) -> None:
    answer = parse_contact_answer(text)
    assert (answer.email, answer.name, answer.language) == (email, name, language)


def test_quoted_request_and_signature_are_not_the_answer() -> None:
    reply = (
        "Paul Martin, paul@client.fr\n\n-- \nJeanne, comptabilité\njeanne@supplier.fr\n\n"
        "Le 2 nov. 2026 à 09:00, relance a écrit :\n> Marie Dupont, marie.dupont@exemple.fr, français\n"
    )
    assert strip_quoted(reply) == "Paul Martin, paul@client.fr"
    answer = parse_contact_answer(reply)
    assert answer.email == "paul@client.fr" and answer.language is None


def test_reply_with_no_address() -> None:
    assert parse_contact_answer("Je regarde et je reviens vers vous").email is None
