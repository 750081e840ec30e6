"""`relance documents show` of a document that was checked and recorded: the values as they stand, each
with where it came from (read on the page, given by a person at the check, corrected on the invoice),
and none of the first reading's doubts as if they were still open."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sqlmodel import select
from typer.testing import CliRunner

from agent.cli import app
from agent.clock import FixedClock
from agent.db import session_scope
from agent.models import Invoice
from agent.reminders.corrections import Correction, correct_invoice
from agent.runtime import Runtime
from agent.settings import Settings
from tests.test_document_review import cli, odd_invoice


def test_a_recorded_document_shows_its_values_and_their_origins(tmp_path: Path) -> None:
    pdf = tmp_path / "F-0801.pdf"
    pdf.write_bytes(odd_invoice("F-2026-0801", date(2026, 12, 20)))
    data_dir = str(tmp_path / "data")
    cli("ingest", str(pdf), "--data-dir", data_dir, "--now", "2026-11-02T09:00Z", "--json")
    (listed,) = cli("documents", "--data-dir", data_dir, "--json")
    document_id = str(listed["id"])
    runner = CliRunner()
    in_review = runner.invoke(app, ["documents", "show", document_id, "--data-dir", data_dir])
    assert "•" in in_review.output  # in review: why it needs a check
    confirm = ["documents", "confirm", document_id, "--set", "due_date=2026-12-20", "--by", "marie"]
    assert runner.invoke(app, [*confirm, "--data-dir", data_dir, "--now", "2026-11-03T10:00Z"]).exit_code == 0
    runtime = Runtime.open(
        Settings(data_dir=Path(data_dir)), FixedClock(datetime(2026, 11, 4, 9, tzinfo=UTC))
    )
    with session_scope(runtime.engine) as session:
        invoice = session.exec(select(Invoice)).one()
        correct_invoice(
            session, invoice=invoice, correction=Correction(amount_due=Decimal("1100.00")),
            settings=runtime.settings, at=runtime.clock.now(), actor="paul", reason="a late fee agreed",
        )  # fmt: skip
    runtime.engine.dispose()

    shown = runner.invoke(app, ["documents", "show", document_id, "--data-dir", data_dir])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert "recorded as invoice F-2026-0801, open: the values as they stand" in lines[1]
    assert "checked: confirmed by marie, corrected: due_date" in shown.output
    due = next(line for line in lines if line.strip().startswith("Échéance"))
    assert "20 décembre 2026" in due and "given by marie at the check on 2026-11-03" in due
    owed = next(line for line in lines if line.strip().startswith("Montant dû"))
    assert (
        "1\u202f100,00" in owed
        and "corrected on the invoice by paul on 2026-11-04 (was 1200.00): a late fee" in owed
    )
    number = next(line for line in lines if line.strip().startswith("Numéro"))
    assert "read from the PDF's text, page 1" in number and "confirmed by marie" in number
    assert "•" not in shown.output  # the first reading's doubts were answered: not shown as open

    data = cli("documents", "show", document_id, "--data-dir", data_dir, "--json")
    assert isinstance(data, dict) and data["reasons"] == [] and data["record"]["number"] == "F-2026-0801"
    assert {"field": "amount_due", "label": "Montant dû", "value": "1\u202f100,00"}.items() <= next(
        v for v in data["values"] if v["field"] == "amount_due"
    ).items()
