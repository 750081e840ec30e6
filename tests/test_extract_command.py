"""`relance extract`: one JSON object per line per document, errors per file, nothing stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from agent.cli import app
from tests.conftest import make_email
from tests.test_graph import invoice_pdf

runner = CliRunner()


def extract(*args: str) -> tuple[int, list[dict[str, Any]]]:
    result = runner.invoke(app, ["extract", "--json", *args], env={"RELANCE_CONFIG": ""})
    return result.exit_code, [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_files_and_an_email_in_one_call(tmp_path: Path) -> None:
    invoice = tmp_path / "F-2026-0900.pdf"
    invoice.write_bytes(invoice_pdf("F-2026-0900", "250.00"))
    credit = invoice_pdf("AV-2026-0002", "50.00", kind="credit_note", referenced="F-2026-0900")
    mail = tmp_path / "forward.eml"
    mail.write_bytes(
        make_email(files=[("F-2026-0901.pdf", invoice_pdf("F-2026-0901", "10.00")), ("AV.pdf", credit)])
    )
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7 then nothing")
    code, records = extract(str(invoice), str(mail), str(broken), str(tmp_path / "absent.xml"))
    assert code == 1  # some files failed, and the others were still read
    assert [(r["file"], r["status"], r.get("number")) for r in records] == [
        (str(invoice), "ok", "F-2026-0900"),
        (str(mail), "ok", "F-2026-0901"),
        (str(mail), "ok", "AV-2026-0002"),
        (str(broken), "error", None),
        (str(tmp_path / "absent.xml"), "error", None),
    ]
    first = records[0]
    assert set(first) >= {
        "file", "status", "error", "source", "document_type", "number", "issue_date", "due_date", "currency",
        "total_net", "total_tax", "total_gross", "amount_due", "customer", "supplier", "referenced_invoice",
        "lines", "language", "confidence", "warnings",
    }  # fmt: skip
    assert (first["source"], first["document_type"], first["currency"], first["language"]) == (
        "text", "invoice", "EUR", "fr",
    )  # fmt: skip
    assert isinstance(first["amount_due"], str) and not first["amount_due"].startswith("-")
    assert records[2]["document_type"] == "credit_note" and records[2]["referenced_invoice"] == "F-2026-0900"
    assert records[2]["total_gross"][0] != "-"  # a credit note says so in its type, not with a sign
    assert records[2]["attachment"] == "AV.pdf"
    assert "cannot be read" in records[3]["error"]


def test_llm_without_an_endpoint_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["extract", "--llm", str(tmp_path / "x.pdf")], env={"RELANCE_CONFIG": ""})
    assert result.exit_code == 2 and "needs an endpoint" in result.output
