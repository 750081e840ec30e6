"""Finance's e-mails about messages set aside and files not read say no English: real messages go through
the real intake (a note with nothing attached, a Word file, a broken PDF, a winmail.dat, a file over the
size limit, our own e-mail come back, a reply to a task from someone else), and every task they open
is rendered in the seven languages, besides the French e-mails really sent."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from agent.db import session_scope
from agent.finance.tasks import task_reasons, task_title
from agent.flow.service import Agent
from agent.models import Document, Task
from agent.runtime import Runtime
from agent.settings import MailboxSettings, Settings
from agent.templating import BUILT_IN_TEMPLATES, Said, render_email
from tests.conftest import COMPANY, FINANCE, make_email
from tests.hostile_samples import html_only
from tests.test_task_words import LANGUAGES, context, english_in

LIMIT = 50_000  # bytes: a small attachment limit, so that a test file can be over it


@pytest.fixture
def limited(tmp_path: Path, runtime: Runtime) -> Iterator[Runtime]:
    settings = Settings(
        data_dir=tmp_path / "limited",
        company=COMPANY,
        mailbox=MailboxSettings(max_attachment_bytes=LIMIT, allowed_senders=["@supplier.example"]),
    )
    opened = Runtime.open(settings, runtime.clock)
    yield opened
    opened.engine.dispose()


def set_aside_everything(runtime: Runtime) -> None:
    """One message of each kind, each from its own colleague: one task per kind and sender."""
    company = runtime.settings.company
    with Agent(runtime) as agent:
        agent.ingest(make_email(sender="a@supplier.example", body="Voici la facture."))  # nothing attached
        agent.ingest(html_only().replace(FINANCE.encode(), b"b@supplier.example"))
        word = make_email(sender="c@supplier.example", files=[("notes.docx", b"PK\x03\x04 word")])
        agent.ingest(word.replace(b"application/pdf", b"application/vnd.openxmlformats-officedocument"))
        agent.ingest(make_email(files=[("broken.pdf", b"%PDF-1.4 nothing")]))
        agent.ingest(
            make_email(files=[("winmail.dat", b"\x78\x9f\x3e\x22" * 200)]).replace(
                b"application/pdf", b"application/ms-tnef"
            )
        )
        agent.ingest(
            make_email(sender="d@supplier.example", files=[("big.pdf", b"%PDF-1.4 " + b"0" * LIMIT)])
        )
        agent.ingest(make_email(sender=company.collections_address, files=[("x.pdf", b"%PDF-1.4")]))
        with session_scope(runtime.engine) as session:
            token = session.exec(Task.__table__.select()).first().token  # type: ignore[attr-defined]
        agent.ingest(make_email(sender="eve@attacker.example", subject=f"Re: [relance {token}] OK"))


def test_the_tasks_of_messages_set_aside_are_said_in_each_language(limited: Runtime) -> None:
    set_aside_everything(limited)
    with session_scope(limited.engine) as session:
        tasks = list(session.exec(Task.__table__.select()))  # type: ignore[attr-defined]
        stored = [session.get(Task, row.id) for row in tasks]
        titles = {task.details["said"]["title"]["key"] for task in stored if task}
        reasons = [task_reasons(task) for task in stored if task]
        said_titles = [task_title(task) for task in stored if task]
        winmail = session.exec(Document.__table__.select().where(Document.filename == "winmail.dat")).first()  # type: ignore[attr-defined]
    assert titles == {"set_aside_title", "unreadable_title", "winmail_title"}
    assert winmail is not None and winmail.error.startswith(
        "winmail.dat (Outlook rich text)"
    )  # the row: English
    keys = {reason.key for said in reasons for reason in said if isinstance(reason, Said)}
    assert {
        "no_attachment", "html_only", "no_document_attached", "document_unreadable", "winmail_unsupported",
        "over_size_limit", "own_mail_back", "reply_refused_sender_not_allowed", "message_kept",
    } <= keys  # fmt: skip
    assert all(isinstance(reason, Said) for said in reasons for reason in said)  # never English text
    for title, said in zip(said_titles, reasons, strict=True):
        for language in LANGUAGES:
            mail = render_email(BUILT_IN_TEMPLATES, "task_review", language, context(language, title, said))
            text = mail.subject + "\n" + mail.text
            if language != "en":
                assert english_in(text) == set(), (language, text)


def test_the_e_mails_sent_to_finance_about_them_are_in_french(limited: Runtime) -> None:
    set_aside_everything(limited)
    sent = sorted(Path(limited.settings.outbox_path, "new").iterdir())
    assert len(sent) >= 7
    for path in sent:
        mail = message_from_bytes(path.read_bytes(), policy=policy.default)
        text = str(mail["Subject"]) + "\n" + mail.get_body().get_content()  # type: ignore[union-attr]
        assert english_in(text) == set(), text
