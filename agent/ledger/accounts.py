"""Customer accounts and contacts: matching, creation, and which language we write to them in.

Matching order: VAT id, then normalized legal name, then e-mail domain. Two different VAT ids are
never merged, whatever the names say: a wrong merge would send one company's reminders to another.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from agent import audit
from agent.documents.schema import Party
from agent.models import Account, Contact

LEGAL_FORMS = (
    "sas",
    "sasu",
    "sarl",
    "eurl",
    "sa",
    "sca",
    "snc",
    "gmbh",
    "ag",
    "kg",
    "ohg",
    "ug",
    "ltd",
    "limited",
    "plc",
    "llc",
    "inc",
    "corp",
    "co",
    "sl",
    "srl",
    "spa",
    "bv",
    "nv",
    "bvba",
    "sprl",
    "lda",
    "oy",
    "ab",
)
PERSONAL_MAIL_DOMAINS = {
    "gmail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "orange.fr",
    "free.fr",
    "gmx.de",
}

# A country's usual business language: the fallback when neither contact nor account says.
COUNTRY_LANGUAGE = {
    "FR": "fr",
    "BE": "fr",
    "LU": "fr",
    "MC": "fr",
    "CH": "de",
    "DE": "de",
    "AT": "de",
    "LI": "de",
    "GB": "en",
    "IE": "en",
    "US": "en",
    "CA": "en",
    "AU": "en",
    "ES": "es",
    "MX": "es",
    "IT": "it",
    "NL": "nl",
    "PT": "pt",
    "BR": "pt",
}


def normalize_name(name: str) -> str:
    """'Müller Maschinenbau GmbH' -> 'muller maschinenbau'; 'ACME S.A.R.L.' -> 'acme'."""
    folded = unicodedata.normalize("NFKD", name.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = re.sub(r"(?<=\b\w)\.(?=\w\b)|(?<=\b\w\w)\.(?=\w\b)", "", folded)  # s.a.r.l. -> sarl
    words = re.sub(r"[^\w]+", " ", folded.replace(".", "")).split()
    kept = [word for word in words if word not in LEGAL_FORMS]
    return " ".join(kept or words)


def email_domain(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].lower()
    return None if domain in PERSONAL_MAIL_DOMAINS else domain


@dataclass(frozen=True)
class AccountMatch:
    account: Account
    created: bool
    matched_by: str  # vat_id, name, email_domain, created


def match_or_create_account(
    session: Session, *, customer: Party, currency: str | None, at: datetime
) -> AccountMatch:
    vat_id = customer.vat_id.upper().replace(" ", "") if customer.vat_id else None
    if vat_id:
        found = session.exec(select(Account).where(Account.vat_id == vat_id)).first()
        if found:
            return AccountMatch(found, False, "vat_id")
    if customer.name:
        normalized = normalize_name(customer.name)
        for candidate in session.exec(select(Account).where(Account.normalized_name == normalized)):
            if vat_id and candidate.vat_id and candidate.vat_id != vat_id:
                continue  # same name, different company: never merged
            if vat_id and not candidate.vat_id:
                candidate.vat_id = vat_id
                audit.record(
                    session,
                    at=at,
                    entity="account",
                    entity_id=candidate.id,
                    action="vat_id_learned",
                    message=f"VAT id {vat_id} learned from a document",
                    vat_id=vat_id,
                )
            return AccountMatch(candidate, False, "name")
    domain = email_domain(customer.email)
    if domain:
        for candidate in session.exec(select(Account).where(Account.email_domain == domain)):
            if not (vat_id and candidate.vat_id and candidate.vat_id != vat_id):
                return AccountMatch(candidate, False, "email_domain")
    account = Account(
        name=customer.name or "(unnamed customer)",
        normalized_name=normalize_name(customer.name or ""),
        vat_id=vat_id,
        address=customer.address,
        country=(customer.country or (vat_id[:2] if vat_id else None) or None),
        currency=currency,
        email_domain=domain,
        created_at=at,
    )
    session.add(account)
    session.flush()
    audit.record(
        session,
        at=at,
        entity="account",
        entity_id=account.id,
        action="created",
        message=f"Account {account.name} created from a document",
        vat_id=vat_id,
    )
    return AccountMatch(account, True, "created")


def valid_contact(session: Session, account_id: int) -> Contact | None:
    statement = (
        select(Contact)
        .where(Contact.account_id == account_id, Contact.valid == True)  # noqa: E712
        .order_by(Contact.id.desc())  # type: ignore[union-attr]
    )
    return session.exec(statement).first()


def add_contact(
    session: Session,
    *,
    account: Account,
    email: str,
    language: str,
    at: datetime,
    name: str | None = None,
    language_inferred: bool = False,
    source: str = "task_reply",
) -> Contact:
    contact = Contact(
        account_id=account.id or 0,
        name=name,
        email=email.lower(),
        language=language,
        language_inferred=language_inferred,
        source=source,
        created_at=at,
    )
    session.add(contact)
    session.flush()
    said = "inferred from the country" if language_inferred else "as given"
    audit.record(
        session,
        at=at,
        entity="account",
        entity_id=account.id,
        action="contact_added",
        message=f"Contact {name or ''} <{email}> added, language {language} ({said})",
        contact_id=contact.id,
        source=source,
    )
    return contact


def resolve_language(
    *, contact: Contact | None, account: Account, company_default: str, supported: set[str]
) -> tuple[str | None, str]:
    """Contact language > account language > customer country's language > company default.

    Returns (language, how). None when the chosen language has no templates: the caller must not
    fall back silently to another language, because a reminder in the wrong language is a defect.
    """
    candidates = [
        (contact.language if contact else None, "contact"),
        (account.language, "account"),
        (COUNTRY_LANGUAGE.get(account.country or ""), "country"),
        (company_default, "company default"),
    ]
    for language, how in candidates:
        if language:
            return (language if language in supported else None), how
    return None, "none"
