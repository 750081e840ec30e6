"""The agent graph end to end, through the embedded mailbox: forward -> task -> reply -> plan."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select

from agent.db import session_scope
from agent.demo.pdfs import DemoDocument, Party, render_pdf
from agent.flow.graph import mermaid
from agent.flow.service import Agent
from agent.mail.maildir import MaildirOutbox
from agent.models import Contact, Document, InboundMessage, Invoice, Reminder, Task
from agent.runtime import Runtime
from agent.settings import Settings
from tests.conftest import COMPANY, FINANCE, make_email

SUPPLIER = Party("Supplier Test SAS", ("1 rue de Rivoli", "75001 Paris, France"), "FR44732829320")
CUSTOMER = Party("Boulangerie Dupont SARL", ("8 place Bellecour", "69002 Lyon", "France"), "FR96412345670")
PROJECT = Path(__file__).resolve().parents[1]


def invoice_pdf(
    number: str,
    amount: str,
    *,
    kind: str = "invoice",
    referenced: str | None = None,
    customer: Party = CUSTOMER,
) -> bytes:
    return render_pdf(
        DemoDocument(
            language="fr",
            kind=kind,
            number=number,
            issue_date=date(2026, 11, 2),
            currency="EUR",
            supplier=SUPPLIER,
            customer=customer,
            tax_rate=Decimal("20"),
            due_date=date(2026, 12, 2) if kind == "invoice" else None,
            lines=[("Prestation", Decimal("1"), Decimal(amount))],
            referenced_invoice=referenced,
        )
    )


def deliver(runtime: Runtime, raw: bytes) -> None:
    runtime.inbox().deliver(raw)


def task_requests(outbox: MaildirOutbox) -> list[str]:
    return [str(m["Subject"]) for m in outbox.messages() if "Contact à renseigner" in str(m["Subject"])]


def reply_to_task(outbox: MaildirOutbox, body: str, sender: str = FINANCE) -> bytes:
    request = next(m for m in outbox.messages() if "Contact à renseigner" in str(m["Subject"]))
    return make_email(
        sender=sender, subject=f"Re: {request['Subject']}", body=body, in_reply_to=str(request["Message-ID"])
    )


def test_forward_task_reply_contact_plan(agent: Agent, runtime: Runtime, outbox: MaildirOutbox) -> None:
    deliver(runtime, make_email(files=[("F-2026-0412.pdf", invoice_pdf("F-2026-0412", "1200.00"))]))
    agent.tick()
    agent.tick()  # a second tick must not ask again
    assert task_requests(outbox) == [
        "[relance " + task_token(runtime) + "] Contact à renseigner pour Boulangerie Dupont SARL"
    ]
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Reminder)).all() == []  # nothing for the customer while we wait
        assert session.exec(select(InboundMessage)).one().status == "waiting"
    deliver(runtime, reply_to_task(outbox, "Marie Dupont, marie@dupont.example, français\n\n> question"))
    report = agent.tick()
    assert len(report.resumed) == 1
    with session_scope(runtime.engine) as session:
        contact = session.exec(select(Contact)).one()
        assert (contact.name, contact.email, contact.language) == (
            "Marie Dupont",
            "marie@dupont.example",
            "fr",
        )
        assert session.exec(select(Task)).one().status == "done"
        reminders = session.exec(select(Reminder)).all()
        assert [r.step_name for r in reminders] == [
            "courtesy",
            "due_today",
            "first_reminder",
            "second_reminder",
            "final_notice",
        ]
        assert {r.language for r in reminders} == {"fr"} and {r.state for r in reminders} == {"planned"}
    assert any("Contact enregistré" in str(m["Subject"]) for m in outbox.messages())
    inbox = runtime.inbox()
    assert list(inbox.fetch_new()) == [] and len(inbox.folders["processed"]) == 2


def task_token(runtime: Runtime) -> str:
    with session_scope(runtime.engine) as session:
        return session.exec(select(Task)).one().token


def test_forged_or_incomplete_replies_create_nothing(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox
) -> None:
    deliver(runtime, make_email(files=[("F-1001.pdf", invoice_pdf("F-2026-1001", "100.00"))]))
    agent.tick()
    deliver(
        runtime, reply_to_task(outbox, "Eve, eve@attacker.example, English", sender="eve@attacker.example")
    )
    deliver(runtime, reply_to_task(outbox, "Je cherche et je reviens vers vous"))
    agent.tick()
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Contact)).all() == []
        request = session.exec(select(Task).where(Task.kind == "contact_request")).one()
        assert request.status == "open"
        # The forged reply is quarantined with its reason, and finance is told (one review task).
        alert = session.exec(select(Task).where(Task.kind == "review")).one()
        assert alert.title == "a reply to a task was refused from eve@attacker.example"
        assert session.exec(select(Reminder)).all() == []
    followups = [m for m in outbox.messages() if "Information manquante" in str(m["Subject"])]
    assert len(followups) == 1 and followups[0]["To"] == FINANCE


def test_same_invoice_forwarded_twice_is_recorded_once(agent: Agent, runtime: Runtime) -> None:
    pdf = invoice_pdf("F-2026-0500", "300.00")
    deliver(runtime, make_email(files=[("F-0500.pdf", pdf)]))
    deliver(runtime, make_email(subject="Fwd: again", files=[("copie F-0500.pdf", pdf)]))
    agent.tick()
    with session_scope(runtime.engine) as session:
        assert len(session.exec(select(Invoice)).all()) == 1
        assert sorted(d.status for d in session.exec(select(Document))) == ["duplicate", "recorded"]
        assert len(session.exec(select(Task)).all()) == 1


def test_credit_note_that_cancels_the_invoice_sends_nothing(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox
) -> None:
    deliver(runtime, make_email(files=[("F-0600.pdf", invoice_pdf("F-2026-0600", "500.00"))]))
    agent.tick()
    deliver(runtime, reply_to_task(outbox, "compta@dupont.example"))  # address only: language from country
    agent.tick()
    deliver(
        runtime,
        make_email(
            files=[
                (
                    "AV-0600.pdf",
                    invoice_pdf("AV-2026-0600", "500.00", kind="credit_note", referenced="F-2026-0600"),
                )
            ]
        ),
    )
    agent.tick()
    start = runtime.clock.now()
    for day in range(60):
        agent.tick(start + timedelta(days=day))
    with session_scope(runtime.engine) as session:
        contact = session.exec(select(Contact)).one()
        assert contact.language == "fr" and contact.language_inferred
        assert session.exec(select(Invoice)).one().status == "credited"
        assert {r.state for r in session.exec(select(Reminder))} == {"cancelled"}
    assert [m for m in outbox.messages() if m["To"] == "compta@dupont.example"] == []


def test_batch_with_a_corrupt_file_and_a_doubtful_one(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox
) -> None:
    good = invoice_pdf("F-2026-0700", "100.00")
    no_due_date = render_pdf(
        DemoDocument(
            language="fr",
            kind="invoice",
            number="F-2026-0701",
            issue_date=date(2026, 11, 2),
            currency="EUR",
            supplier=SUPPLIER,
            customer=CUSTOMER,
            tax_rate=Decimal("20"),
            due_date=None,
            terms_days=None,
            lines=[("Prestation", Decimal("1"), Decimal("50.00"))],
        )
    )
    deliver(
        runtime,
        make_email(
            files=[("good.pdf", good), ("broken.pdf", b"%PDF-1.4 truncated"), ("doubtful.pdf", no_due_date)]
        ),
    )
    agent.tick()
    with session_scope(runtime.engine) as session:
        documents = {d.filename: d for d in session.exec(select(Document))}
        assert documents["good.pdf"].status == "recorded"
        assert documents["broken.pdf"].status == "failed" and "cannot be read" in (
            documents["broken.pdf"].error or ""
        )
        assert documents["doubtful.pdf"].status == "review"
        reviews = {t.title: t for t in session.exec(select(Task)) if t.kind == "review"}
        assert set(reviews) == {"unreadable document broken.pdf", "document F-2026-0701 needs a check"}
        assert (
            "due_date is uncertain (0.30)" in reviews["document F-2026-0701 needs a check"].details["reasons"]
        )
        assert [i.number for i in session.exec(select(Invoice))] == [
            "F-2026-0700"
        ]  # the doubtful one drives nothing
    review_mails = [m for m in outbox.messages() if "À vérifier" in str(m["Subject"])]
    assert len(review_mails) == 2 and {m["To"] for m in review_mails} == {FINANCE}
    raw_files = list(runtime.settings.raw_store_path.rglob("*.pdf"))
    assert len(raw_files) == 3  # every attachment kept, readable or not


def test_sender_not_allowed_is_quarantined(agent: Agent, runtime: Runtime) -> None:
    deliver(
        runtime, make_email(sender="someone@elsewhere.example", files=[("x.pdf", invoice_pdf("F-9", "1"))])
    )
    agent.tick()
    with session_scope(runtime.engine) as session:
        assert session.exec(select(InboundMessage)).one().status == "quarantined"
        assert session.exec(select(Document)).all() == []
    assert len(runtime.inbox().folders["quarantine"]) == 1


@pytest.mark.parametrize(
    ("body", "title"),
    [
        ("Nous contestons cette facture : la livraison est incomplète.", "dispute from paul@dupont.example"),
        ("Bonjour, cette facture a déjà été réglée le 20 novembre.", "paul@dupont.example says invoice"),
        ("Pouvez-vous me renvoyer le bon de commande ?", "reply from customer paul@dupont.example"),
    ],
    ids=["dispute", "already_paid", "other"],
)
def test_customer_reply_pauses_the_invoice_and_asks_finance(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox, body: str, title: str
) -> None:
    deliver(runtime, make_email(files=[("F-0800.pdf", invoice_pdf("F-2026-0800", "100.00"))]))
    agent.tick()
    deliver(runtime, reply_to_task(outbox, "Paul, paul@dupont.example, fr"))
    agent.tick(datetime(2026, 11, 27, 8, 30, tzinfo=UTC))
    reminder = next(m for m in outbox.messages() if m["To"] == "paul@dupont.example")
    deliver(
        runtime,
        make_email(
            sender="paul@dupont.example",
            subject=f"Re: {reminder['Subject']}",
            body=body + "\n\nLe 27 nov. 2026, Relance a écrit :\n> Rappel",
            in_reply_to=str(reminder["Message-ID"]),
        ),
    )
    agent.tick(datetime(2026, 11, 30, 8, 30, tzinfo=UTC))
    agent.tick(datetime(2026, 12, 2, 8, 30, tzinfo=UTC))
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Invoice)).one().paused
        (task,) = [t for t in session.exec(select(Task)) if t.title.startswith(title)]
        assert task.details["reasons"][0] == f"their words: “{body}”"  # the decision shows its cause
        assert session.exec(select(Reminder).where(Reminder.step_name == "due_today")).one().state == "paused"
    assert len([m for m in outbox.messages() if m["To"] == "paul@dupont.example"]) == 1


def test_resume_in_a_new_process(tmp_path: Path, settings: Settings, runtime: Runtime) -> None:
    with Agent(runtime) as first:
        deliver(runtime, make_email(files=[("F-0900.pdf", invoice_pdf("F-2026-0900", "100.00"))]))
        first.tick()
    outbox = MaildirOutbox(settings.outbox_path)
    deliver(runtime, reply_to_task(outbox, "Marie, marie@dupont.example, français"))
    config = tmp_path / "relance.toml"
    config.write_text(
        f'[company]\nname = "Supplier Test SAS"\nfinance_address = "{FINANCE}"\n'
        'collections_address = "ar@supplier.example"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "RELANCE_CONFIG": str(config)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "agent",
            "tick",
            "--data-dir",
            str(settings.data_dir),
            "--now",
            "2026-11-02T10:00Z",
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    with session_scope(runtime.engine) as session:
        assert session.exec(select(InboundMessage).where(InboundMessage.status == "waiting")).all() == []
        assert len(session.exec(select(Reminder)).all()) == 5


def test_graph_diagram_in_the_docs_is_current(runtime: Runtime) -> None:
    documented = (PROJECT / "docs" / "graph.md").read_text(encoding="utf-8")
    assert mermaid().strip() in documented


def test_reply_to_a_review_task_is_kept_on_the_task(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox
) -> None:
    deliver(runtime, make_email(files=[("broken.pdf", b"%PDF-1.4 truncated")]))
    agent.tick()
    review = next(m for m in outbox.messages() if "À vérifier" in str(m["Subject"]))
    answer = make_email(
        subject=f"Re: {review['Subject']}",
        body="Fichier renvoyé par ailleurs, à ignorer.",
        in_reply_to=str(review["Message-ID"]),
    )
    deliver(runtime, answer)
    agent.tick()
    with session_scope(runtime.engine) as session:
        task = session.exec(select(Task)).one()
        assert task.kind == "review" and task.status == "open"
        assert task.details["replies"] == ["Fichier renvoyé par ailleurs, à ignorer.\n"]
        assert session.exec(select(Contact)).all() == []
        assert {m.status for m in session.exec(select(InboundMessage))} == {"processed"}


def test_waiting_threads_are_not_resumed_for_nothing(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox
) -> None:
    deliver(runtime, make_email(files=[("F-1100.pdf", invoice_pdf("F-2026-1100", "100.00"))]))
    agent.tick()
    with session_scope(runtime.engine) as session:
        thread = session.exec(select(InboundMessage)).one().thread_id
    config = {"configurable": {"thread_id": thread}}
    before = len(list(agent.checkpointer.list(config)))
    for _ in range(5):
        assert agent.tick().resumed == []
    assert len(list(agent.checkpointer.list(config))) == before  # no checkpoint written while nothing changed
    deliver(runtime, reply_to_task(outbox, "marie@dupont.example"))
    assert len(agent.tick().resumed) == 1


def test_two_answers_at_the_same_instant_both_resume(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox
) -> None:
    other = Party("Northwind Trading Ltd", ("1 Baker Street", "London", "United Kingdom"), "GB314159228")
    deliver(runtime, make_email(files=[("A.pdf", invoice_pdf("F-2026-4001", "100.00"))]))
    deliver(runtime, make_email(files=[("B.pdf", invoice_pdf("F-2026-4002", "100.00", customer=other))]))
    agent.tick()
    requests = [m for m in outbox.messages() if "Contact à renseigner" in str(m["Subject"])]
    assert len(requests) == 2
    for request, answer in zip(requests, ["a@one.example", "b@two.example"], strict=True):
        deliver(
            runtime,
            make_email(
                subject=f"Re: {request['Subject']}", body=answer, in_reply_to=str(request["Message-ID"])
            ),
        )
        agent.tick()  # the clock does not move between the two answers
    with session_scope(runtime.engine) as session:
        assert session.exec(select(InboundMessage).where(InboundMessage.status == "waiting")).all() == []
        assert len(session.exec(select(Reminder)).all()) == 10


@pytest.mark.postgres
def test_on_postgres_the_wait_is_kept_in_postgres_and_resumed_by_another_process(
    pg_runtime: Runtime,
) -> None:
    runtime, settings = pg_runtime, pg_runtime.settings
    url = settings.effective_database_url
    with Agent(runtime) as first:
        assert type(first.checkpointer).__name__ == "PostgresSaver"
        deliver(runtime, make_email(files=[("F-0950.pdf", invoice_pdf("F-2026-0950", "100.00"))]))
        first.tick()
    assert not settings.checkpoint_path.exists()  # nothing kept beside the data directory
    deliver(runtime, reply_to_task(MaildirOutbox(settings.outbox_path), "Marie, marie@dupont.example, fr"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELANCE_")}
    env |= {
        "RELANCE_CONFIG": "/nonexistent/relance.toml",
        "RELANCE_DATABASE_URL": url,
        "RELANCE_COMPANY__FINANCE_ADDRESS": FINANCE,
        "RELANCE_COMPANY__COLLECTIONS_ADDRESS": COMPANY.collections_address,
    }
    done = subprocess.run(
        [sys.executable, "-m", "agent", "tick", "--data-dir", str(settings.data_dir), "--now",
         "2026-11-02T10:00Z", "--json"],
        env=env, capture_output=True, text=True, cwd=PROJECT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with session_scope(runtime.engine) as session:
        assert session.exec(select(InboundMessage).where(InboundMessage.status == "waiting")).all() == []
        assert len(session.exec(select(Reminder)).all()) == 5
