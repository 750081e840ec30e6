"""Every word of finance's e-mails in finance's language: task and review e-mails rendered in the seven
languages with every phrase they can say, and a real review task e-mailed in French."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from agent.db import session_scope
from agent.documents.corrections import field_labels
from agent.documents.schema import ExtractedDocument, Party
from agent.documents.validate import validate
from agent.documents.verdict import doubts
from agent.finance.tasks import request_review, task_reasons, task_title
from agent.models import Account, Contact, Invoice, Task
from agent.runtime import Runtime
from agent.settings import PROJECT_ROOT, Settings
from agent.templating import BUILT_IN_TEMPLATES, PHRASES, Said, _phrases, phrase_keys, render_email

LANGUAGES = ["fr", "en", "de", "es", "it", "nl", "pt"]
TASK_TEMPLATES = sorted(
    p.stem.removesuffix(".txt") for p in (PROJECT_ROOT / "templates/email/en").glob("task_*")
)
SAMPLE = {  # a value for each argument a phrase takes
    "field": "due_date", "confidence": 0.3, "page": 1, "line": 4, "excerpt": "Zahlbar bis 15.01.2027",
    "due": "2026-10-31", "issue": "2026-11-02", "currency": "XYZ", "net": "100.00", "tax": "20.00",
    "due_amount": "250.00", "gross": "240.00", "vat_id": "FR00123456789", "party": "supplier",
    "rate": "20", "taxable": "100.00",
    "expected": "20.00", "total_tax": "21.00", "amount": "110.00", "text": "31/02/2027",
    "account": "Acme", "email": "ap@acme.example", "document": "F-2026-0468", "salutation": "ms",
    "name": "Anna Schmidt", "surname": "Schmidt", "step": "final_notice", "sent_on": "2026-12-01",
    "invoice": "F-2026-0468", "days": 14,
    "route": "forged_reply", "sender": "ap@acme.example", "token": "RL-0000ABCD",
    "addressee": "compta@atelier.example", "authserv": "mx.atelier.example",
    "detail": "StartBoundaryNotFoundDefect",
    "limit": 10_000_000, "files": [["F-2026-0468.pdf", 12_500_000]], "names": "F-2026-0468.docx",
    "message_id": "<a1b2@relance.local>", "count": 20, "words": "Zahlung folgt", "inbound": 42,
    "content_type": "application/vnd.ms-excel", "file": "F-2026-0468.pdf", "size": 12_500_000,
}  # fmt: skip
# Words an English text is made of and no other of the seven languages uses (not "is", Dutch; not
# "no", Spanish and Italian; not "date", "page", "note", "total", French).
ENGLISH_WORDS = """
the and with from found uncertain needs check reply please missing amount customer invoice payment
address confirm should which been this that your our aside gross computed printed assumed issuer
before after given owed nothing sure reading recorded thank hello still something until values
what where next layout reminders schedule showed contact's language inferred none
"""
ENGLISH = frozenset(ENGLISH_WORDS.split())
KEY = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")  # an untranslated key: due_date, no_due_date…


def every_phrase() -> list[Said]:
    module = _phrases(BUILT_IN_TEMPLATES, "en", "en", ())
    said = []
    for key in sorted(phrase_keys(BUILT_IN_TEMPLATES, "en")):
        said.append(Said(key, **{name: SAMPLE[name] for name in getattr(module, key).arguments}))
    return said


def a_doubtful_reading() -> ExtractedDocument:
    """A reading every check doubts: the reasons the extractor and the verdict really give."""
    reading = ExtractedDocument(
        source="text", document_type="invoice", number=None, issue_date=date(2026, 11, 2),
        due_date=date(2026, 10, 31),
        currency="XYZ", total_net=Decimal("100.00"), total_tax=Decimal("20.00"),
        total_gross=Decimal("240.00"), amount_due=Decimal("250.00"),
        customer=Party(name="Supplier Test SAS", vat_id="FR00123456789"),
    )  # fmt: skip
    return validate(reading)


def context(language: str, title: str, reasons: list[str]) -> dict[str, object]:
    task = Task(kind="review", token="RL-0000ABCD", addressee="f@x.example", title=str(title))
    invoice = Invoice(
        account_id=1, number="F-2026-0042", issue_date=date(2026, 11, 2), due_date=date(2026, 12, 2),
        currency="EUR", total_gross=Decimal("10"), amount_due=Decimal("10"),
    )  # fmt: skip
    return {
        "company": Settings().company,
        "task": task,
        "title": title,
        "labels": field_labels(language),
        "account": Account(name="Acme", normalized_name="acme"),
        "invoices": [invoice],
        "contact": Contact(account_id=1, email="a@b.example", language="de", language_inferred=True),
        "missing": Said("missing_email"),
        "reasons": reasons,
        "problem": None,
        "fields": [("due_date", "Due", "2 December 2026")],
        "problems": reasons,
        "outcome": "confirmed",
        "taught": [],
        "unplaced": [],
    }


def english_in(text: str) -> set[str]:
    text = re.sub(r"\bmailbox\.\w+", "", text.replace("relance schedule", ""))  # a setting's name is a name
    words = set(re.findall(r"[A-Za-z']+", text))
    return {word for word in words if word.lower() in ENGLISH} | set(KEY.findall(text))


def test_every_language_has_every_phrase_with_the_same_arguments() -> None:
    english = _phrases(BUILT_IN_TEMPLATES, "en", "en", ())
    for language in LANGUAGES:
        module = _phrases(BUILT_IN_TEMPLATES, language, language, ())
        assert phrase_keys(BUILT_IN_TEMPLATES, language) == phrase_keys(BUILT_IN_TEMPLATES, "en"), language
        for key in phrase_keys(BUILT_IN_TEMPLATES, "en"):
            assert getattr(module, key).arguments == getattr(english, key).arguments, (language, key)
        assert (BUILT_IN_TEMPLATES / "email" / language / PHRASES).exists()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", TASK_TEMPLATES)
def test_task_and_review_mails_have_no_english_outside_english(language: str, template: str) -> None:
    reasons = [*every_phrase(), *doubts(a_doubtful_reading(), 0.8, ["Supplier Test SAS"])]
    assert all(isinstance(reason, Said) for reason in reasons)  # the extractor's reasons are keys, not text
    for title in (
        Said("document_title", document="F-2026-0468"),
        Said("new_address_title", email="ap@acme.example", account="Acme"),
    ):
        rendered = render_email(BUILT_IN_TEMPLATES, template, language, context(language, title, reasons))
        text = rendered.subject + "\n" + rendered.text
        assert "{{" not in text and "Undefined" not in text
        if language != "en":
            assert english_in(text) == set(), (template, language)
        elif template == "task_review":  # the check sees English where there is some
            assert {"uncertain", "found", "Hello"} <= english_in(text)
        if language == "fr":  # French typography: a space before a colon, a semicolon, ? and !
            assert re.findall(r"[^\W\d_][:;?!]", text.replace("https:", "")) == [], template


def test_a_review_task_keeps_the_keys_and_is_e_mailed_in_finance_s_language(
    runtime: Runtime, settings: Settings
) -> None:
    reasons = doubts(a_doubtful_reading(), settings.review_threshold, settings.company.all_names())
    with session_scope(runtime.engine) as session:
        task = request_review(
            session, runtime.sender, settings, addressee=settings.company.finance_address,
            at=runtime.clock.now(), title=Said("document_title", document="F-2026-0468"), reasons=reasons,
        )  # fmt: skip
        stored = session.get(Task, task.id)
        assert stored is not None
        assert stored.details["said"]["title"] == {
            "key": "document_title",
            "values": {"document": "F-2026-0468"},
        }
        assert {"key": "no_number", "values": {}} in stored.details["said"]["reasons"]
        assert [r.key for r in task_reasons(stored)] == [r.key for r in reasons]  # type: ignore[attr-defined]
        assert str(task_title(stored)) == "document F-2026-0468"
    (path,) = [p for p in Path(settings.outbox_path, "new").iterdir()]
    mail = message_from_bytes(path.read_bytes(), policy=policy.default)
    text = mail.get_body().get_content()  # type: ignore[union-attr]
    assert mail["Subject"].endswith("À vérifier : document F-2026-0468")
    assert "aucun numéro de document trouvé" in text and "l'échéance (31 octobre 2026) précède" in text
    assert english_in(str(mail["Subject"]) + text) == set()
