"""`relance extract`: one JSON object per line per document, errors per file, nothing stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from agent.cli import app
from agent.cli import extract as cli_extract
from agent.documents.extract import ExtractOptions, extract_document, valid_unicode
from agent.documents.verdict import doubts
from agent.settings import Settings
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


def pdf_with_lone_surrogate() -> bytes:
    """A hand-written PDF whose font maps a glyph to half a UTF-16 pair (<D800>), as broken ToUnicode
    maps in the wild do: pypdf then gives a str no encoder accepts."""
    content = b"BT /F1 12 Tf 72 700 Td (Facture F-2026-0950 pour le client ) Tj <01> Tj ET"
    cmap = (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def "
        b"1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfchar <01> <D800> endbfchar "
        b"endcmap CMapName currentdict /CMap defineresource pop end end"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >>"
        b" /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap),
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_a_folder_is_read_to_the_end_whatever_one_file_holds(tmp_path: Path, monkeypatch: Any) -> None:
    (tmp_path / "a-surrogate.pdf").write_bytes(pdf_with_lone_surrogate())
    (tmp_path / "b-fault.pdf").write_bytes(invoice_pdf("F-2026-0951", "10.00"))
    (tmp_path / "c-fine.pdf").write_bytes(invoice_pdf("F-2026-0952", "20.00"))
    real = cli_extract.extract_document

    def faulty(name: str, data: bytes, options: Any) -> Any:
        if name.startswith("b-"):
            raise RuntimeError("an extractor bug")
        return real(name, data, options)

    monkeypatch.setattr(cli_extract, "extract_document", faulty)
    code, records = extract(str(tmp_path))
    assert code == 1
    assert [(Path(r["file"]).name, r["status"]) for r in records] == [
        ("a-surrogate.pdf", "ok"),
        ("b-fault.pdf", "error"),
        ("c-fine.pdf", "ok"),
    ]
    assert records[0]["accepted"] is False  # read and judged, not a crash
    assert records[1]["error"] == "RuntimeError: an extractor bug"


def test_a_lone_surrogate_becomes_a_replacement_character() -> None:
    assert valid_unicode("client \ud800") == "client \ufffd"
    assert valid_unicode("\ud83d\ude00") == "\U0001f600"  # a whole pair is its character


def test_each_record_carries_intakes_own_verdict(tmp_path: Path) -> None:
    sure = tmp_path / "sure.pdf"
    sure.write_bytes(invoice_pdf("F-2026-0953", "30.00"))
    pdf = pdf_with_lone_surrogate()
    (tmp_path / "weak.pdf").write_bytes(pdf)
    code, records = extract(str(sure), str(tmp_path / "weak.pdf"))
    assert code == 0
    assert (records[0]["accepted"], records[0]["reasons"]) == (True, [])
    weak = extract_document(
        "weak.pdf", pdf, ExtractOptions(company_names=tuple(Settings().company.all_names()))
    )
    expected = doubts(weak, Settings().review_threshold, Settings().company.all_names())
    assert records[1]["accepted"] is False and records[1]["reasons"] == expected
    assert any(reason.startswith("issue_date is uncertain") for reason in expected)
