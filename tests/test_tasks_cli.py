"""`relance tasks answer | resolve | cancel`: finance answers relance's questions from the command line,
through the functions the workspace uses (agent.finance.task_answers): a contact given resumes the message
that waited for it; a customer's dispute closed with what happens to its invoices; refusals say why."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from agent.cli import app
from agent.cli.common import open_runtime
from agent.db import session_scope
from agent.finance.tasks import request_review
from agent.models import Invoice
from agent.reminders import steering
from tests.test_graph import invoice_pdf

NOW = "2026-11-02T09:00Z"


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, result.output
    return " ".join(result.output.split())


def test_a_contact_request_answered_then_a_dispute_resolved(tmp_path: Path) -> None:
    pdf = tmp_path / "F-0801.pdf"
    pdf.write_bytes(invoice_pdf("F-2026-0801", "900.00"))
    data = str(tmp_path / "data")
    run("ingest", str(pdf), "--data-dir", data, "--now", NOW, "--json")
    (task,) = json.loads(run("tasks", "--data-dir", data, "--json"))
    assert task["kind"] == "contact_request"
    schedule = ("schedule", "--data-dir", data, "--now", NOW, "--days", "60", "--json")
    assert json.loads(run(*schedule)) == []  # nothing planned: waiting for the contact

    refused = run("tasks", "answer", str(task["id"]), "--email", "nobody", "--data-dir", data, code=1)
    assert "“nobody” is not an e-mail address" in refused
    answer = run(
        "tasks", "answer", task["token"].lower(), "--email", "compta@dupont.example", "--language", "fr",
        "--by", "marie", "--data-dir", data, "--now", NOW,
    )  # fmt: skip
    assert "contact compta@dupont.example (fr)" in answer
    assert json.loads(run(*schedule))  # the message went on at once: its reminders are planned
    (invoice,) = json.loads(run("invoices", "--data-dir", data, "--json"))
    again = run("tasks", "cancel", str(task["id"]), "--reason", "x", "--data-dir", data, code=1)
    assert "is already done" in again

    runtime = open_runtime(Path(data), NOW)
    with session_scope(runtime.engine) as session:
        recorded = session.get(Invoice, invoice["id"])
        assert recorded is not None
        steering.pause(session, invoice=recorded, at=runtime.clock.now(), reason="disputed", until=None)
        dispute = request_review(
            session, runtime.sender, runtime.settings, at=runtime.clock.now(), addressee="compta@x.example",
            title="dispute from the customer on F-2026-0801", reasons=["not delivered"],
            account_id=recorded.account_id,
        )  # fmt: skip
        dispute_id = str(dispute.id)
    runtime.engine.dispose()
    wrong = run(
        "tasks", "resolve", dispute_id, "--outcome", "resume", "--invoice", "F-9", "--data-dir", data, code=1
    )
    assert "the task concerns these open invoices only: F-2026-0801" in wrong
    assert "not one of" in run(
        "tasks", "resolve", dispute_id, "--outcome", "maybe", "--data-dir", data, code=2
    )
    done = run(
        "tasks", "resolve", dispute_id, "--outcome", "cancel-invoice", "--note",
        "delivered to the wrong site",
        "--by", "marie", "--data-dir", data, "--now", NOW,
    )  # fmt: skip
    assert "the customer was right: invoice cancelled (F-2026-0801): delivered to the wrong site" in done
    (cancelled,) = json.loads(run("invoices", "--data-dir", data, "--json"))
    assert cancelled["status"] == "cancelled"
    closed = {t["id"]: t for t in json.loads(run("tasks", "--all", "--data-dir", data, "--json"))}
    assert closed[int(dispute_id)]["status"] == "done"
    assert json.loads(run("tasks", "--data-dir", data, "--json")) == []
