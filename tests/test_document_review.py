"""A doubtful document goes to finance, who confirms, corrects or sets it aside by replying to the review
e-mail (or with `relance documents`); the message's thread then records it, and the correction teaches
the layout, so the next document of that billing tool is read right without asking anyone."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

from sqlmodel import select
from typer.testing import CliRunner

from agent.cli import app
from agent.db import session_scope
from agent.demo.pdfs import DemoDocument, render_pdf
from agent.documents import layouts
from agent.flow.service import Agent
from agent.mail.maildir import MaildirOutbox
from agent.models import Document, InboundMessage, Invoice, Layout, Task
from agent.runtime import Runtime
from tests.conftest import make_email
from tests.test_graph import CUSTOMER, SUPPLIER, deliver

# A billing tool that words the due date its own way: no vocabulary of the extractor knows it.
OWN_WORDING = {"due": "Règlement attendu le"}


def odd_invoice(number: str, due: date, amount: str = "1000.00") -> bytes:
    return render_pdf(
        DemoDocument(
            language="fr",
            kind="invoice",
            number=number,
            issue_date=date(2026, 11, 2),
            currency="EUR",
            supplier=SUPPLIER,
            customer=CUSTOMER,
            tax_rate=Decimal("20"),
            due_date=due,
            lines=[("Prestation", Decimal("1"), Decimal(amount))],
            labels=OWN_WORDING,
        )
    )


def review_mails(outbox: MaildirOutbox, word: str) -> list[EmailMessage]:
    return [m for m in outbox.messages() if word in str(m["Subject"])]


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return part.get_content()


def reply(review: EmailMessage, text: str) -> bytes:
    return make_email(
        subject=f"Re: {review['Subject']}",
        body=f"{text}\n\nLe 2 nov. 2026, relance a écrit :\n> {body(review)[:200]}",
        in_reply_to=str(review["Message-ID"]),
    )


def documents(runtime: Runtime) -> list[Document]:
    with session_scope(runtime.engine) as session:
        return list(session.exec(select(Document).order_by(Document.id)))


def test_a_correction_by_reply_records_the_invoice_and_teaches_the_layout(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox
) -> None:
    deliver(runtime, make_email(files=[("F-0501.pdf", odd_invoice("F-2026-0501", date(2026, 12, 15)))]))
    agent.tick()
    (document,) = documents(runtime)
    assert document.status == "review"
    (review,) = review_mails(outbox, "À vérifier")
    text = body(review)
    assert "Ce que nous avons lu :" in text and "    Échéance : —" in text  # not found: shown empty
    assert "    Total TTC : 1\u202f200,00" in text and "« ignorer »" in text
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Invoice)).all() == []  # nothing drives reminders yet
        assert session.exec(select(InboundMessage)).one().status == "waiting"

    deliver(runtime, reply(review, "Bonjour,\n\nÉchéance : 15/12/2026\n\nMerci"))
    agent.tick()

    # The forwarded message's thread went on: recorded, then waiting again, for a contact this time.
    with session_scope(runtime.engine) as session:
        invoice = session.exec(select(Invoice)).one()
        assert (invoice.number, invoice.due_date) == ("F-2026-0501", date(2026, 12, 15))
        assert invoice.amount_due == Decimal("1200.00")
        review_task = session.exec(select(Task).where(Task.kind == "review")).one()
        assert review_task.status == "done" and "corrected: due_date" in (review_task.resolution or "")
        layout = session.exec(select(Layout)).one()
        assert layout.validated_by == "person"
        assert layout.fields["due_date"] == "règlement attendu le|right"  # where the person's date is
    assert documents(runtime)[0].status == "recorded"
    (done,) = review_mails(outbox, "Enregistré")
    assert "    Échéance : 15 décembre 2026" in body(done)  # the date as understood, before any reminder
    assert "seront lus là où vous l'avez indiqué : Échéance" in body(done)
    assert review_mails(outbox, "Contact à renseigner")  # the thread went on to the next question
    deliver(runtime, reply(review, "Échéance : 01/02/2027"))  # too late: the document is decided
    agent.tick()
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Invoice)).one().due_date == date(2026, 12, 15)

    # The next invoice of that tool: read where the person showed, recorded without asking anyone.
    deliver(runtime, make_email(files=[("F-0502.pdf", odd_invoice("F-2026-0502", date(2027, 1, 10)))]))
    agent.tick()
    second = documents(runtime)[1]
    assert second.status == "recorded"
    assert second.extraction["due_date"] == "2027-01-10"
    assert second.extraction["confidence"]["due_date"] == layouts.REMEMBERED
    assert second.extraction["locations"]["due_date"]["text"].endswith("Règlement attendu le: 10/01/2027")
    assert len(review_mails(outbox, "À vérifier")) == 1


def test_a_correction_that_fails_a_check_is_asked_again_then_the_document_set_aside(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox
) -> None:
    deliver(runtime, make_email(files=[("F-0601.pdf", odd_invoice("F-2026-0601", date(2026, 12, 15)))]))
    agent.tick()
    (review,) = review_mails(outbox, "À vérifier")

    deliver(runtime, reply(review, "Échéance : 31/10/2026"))  # before the issue date: a typo
    agent.tick()
    (again,) = review_mails(outbox, "À revoir")
    assert "l'échéance (31 octobre 2026) précède la date d'émission (2 novembre 2026)" in body(again)
    assert "Ce que nous avons lu :" in body(again)
    assert documents(runtime)[0].status == "review"

    deliver(runtime, reply(review, "C'est bon, merci"))  # the due date is still missing: not confirmable
    agent.tick()
    asked_again = [body(m) for m in review_mails(outbox, "À revoir")]  # (a Maildir has no order)
    assert len(asked_again) == 2
    assert any("« Échéance » manque : merci de l'indiquer" in text for text in asked_again)

    deliver(runtime, reply(review, "Ignorer"))
    report = agent.tick()
    assert len(report.resumed) == 1
    (document,) = documents(runtime)
    assert document.status == "rejected" and "set aside by" in (document.error or "")
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Invoice)).all() == []
        assert session.exec(select(InboundMessage).order_by(InboundMessage.id)).first().status == "processed"  # type: ignore[union-attr]
    assert "il est conservé" in body(review_mails(outbox, "Écarté")[0])


def test_a_reply_that_decides_nothing_changes_nothing(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox
) -> None:
    deliver(runtime, make_email(files=[("F-0701.pdf", odd_invoice("F-2026-0701", date(2026, 12, 15)))]))
    agent.tick()
    (review,) = review_mails(outbox, "À vérifier")
    deliver(runtime, reply(review, "Corrigez le montant s'il vous plaît"))  # no field, no decision
    agent.tick()
    assert documents(runtime)[0].status == "review"
    assert "ne confirme pas le document, ne le corrige pas" in body(review_mails(outbox, "À revoir")[0])
    forged = make_email(
        sender="eve@attacker.example",
        subject=f"Re: {review['Subject']}",
        body="OK",
        in_reply_to=str(review["Message-ID"]),
    )
    deliver(runtime, forged)
    agent.tick()
    assert documents(runtime)[0].status == "review"  # only the person asked may decide


def cli(*args: str) -> list[dict[str, object]] | dict[str, object]:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_documents_command_shows_confirms_and_refuses(tmp_path: Path) -> None:
    pdf = tmp_path / "F-0801.pdf"
    pdf.write_bytes(odd_invoice("F-2026-0801", date(2026, 12, 20)))
    data_dir = str(tmp_path / "data")
    cli("ingest", str(pdf), "--data-dir", data_dir, "--now", "2026-11-02T09:00Z", "--json")
    (listed,) = cli("documents", "--data-dir", data_dir, "--json")
    assert listed["status"] == "review" and listed["number"] == "F-2026-0801" and listed["task"]
    shown = cli("documents", "show", str(listed["id"]), "--data-dir", data_dir, "--json")
    assert isinstance(shown, dict) and shown["extraction"]["due_date"] is None

    runner = CliRunner()
    refused = runner.invoke(
        app,
        ["documents", "confirm", str(listed["id"]), "--set", "due date=1/10/2026", "--data-dir", data_dir],
    )
    assert refused.exit_code == 1 and "before issue date" in " ".join(refused.output.split())
    unknown = runner.invoke(app, ["documents", "confirm", str(listed["id"]), "--set", "colour=red"])
    assert unknown.exit_code == 1 and "not FIELD=VALUE with a known field" in " ".join(unknown.output.split())

    confirmed = runner.invoke(
        app,
        ["documents", "confirm", str(listed["id"]), "--set", "due_date=2026-12-20", "--by", "marie"],
        env={"RELANCE_DATA_DIR": data_dir},
    )
    assert confirmed.exit_code == 0, confirmed.output
    assert "confirmed by marie, corrected: due_date" in confirmed.output
    assert "the layout now reads due date where you gave it" in confirmed.output
    (invoice,) = cli("invoices", "--data-dir", data_dir, "--json")  # recorded at once: the thread resumed
    assert isinstance(invoice, dict) and invoice["number"] == "F-2026-0801"
    assert invoice["due_date"] == "2026-12-20"
    assert cli("documents", "--data-dir", data_dir, "--json") == []
    again = runner.invoke(
        app, ["documents", "reject", str(listed["id"]), "--reason", "x", "--data-dir", data_dir]
    )
    assert again.exit_code == 1 and "not waiting for a check" in again.output
