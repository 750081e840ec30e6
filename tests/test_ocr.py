"""Photos and scans: tesseract reads the words, `layout_text` rebuilds the columns, the text extractor does
the rest; what OCR read never drives a reminder before a person has looked."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select
from typer.testing import CliRunner

from agent.cli import app
from agent.db import session_scope
from agent.documents import ocr
from agent.documents.extract import OCR_CONFIDENCE_CAP, ExtractionError, extract_document
from agent.documents.ocr import Word, layout_text, words_from_tsv
from agent.flow.service import Agent
from agent.mail.maildir import MaildirOutbox
from agent.models import Document, Invoice, Task
from agent.runtime import Runtime
from agent.settings import Settings
from tests.conftest import make_email
from tests.test_graph import deliver, invoice_pdf

runner = CliRunner()


def test_words_of_one_row_in_two_columns_keep_a_column_break() -> None:
    # 10 px per letter; "Client" at x=600 on the same row as "Facture N° 12" at x=0.
    words = [
        Word("Facture", 0, 100, 70, 20),
        Word("N°", 80, 102, 20, 20),
        Word("12", 110, 101, 20, 20),
        Word("Client", 600, 98, 60, 20),
        Word("Total", 0, 300, 50, 20),  # far below: a blank line first
    ]
    assert layout_text(words).splitlines() == ["Facture N° 12" + " " * 47 + "Client", "", "Total"]


def test_large_letters_of_a_title_stay_one_phrase() -> None:
    # A title twice the size of the body text: its word spacing (30 px) is not a column break.
    words = [Word("Atelier", 0, 0, 140, 40), Word("Numérique", 170, 0, 180, 40)]
    words += [Word(f"w{n}", 10 * n * 5, 100, 20, 20) for n in range(5)]
    assert layout_text(words).splitlines()[0] == "Atelier Numérique"


def test_tsv_rows_other_than_words_and_empty_words_are_dropped() -> None:
    tsv = (
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
        "1\t1\t0\t0\t0\t0\t0\t0\t2480\t3508\t-1\t\n"
        "5\t1\t1\t1\t1\t1\t120\t80\t200\t30\t96.1\tFACTURE\n"
        "5\t1\t1\t1\t1\t2\t340\t80\t40\t30\t95.0\t \n"
    )
    assert words_from_tsv(tsv) == [Word("FACTURE", 120, 80, 200, 30)]


def scanned(pdf: bytes) -> bytes:
    """What a scanner gives: the printed page as one picture, no text layer."""
    return ocr.pdf_page_images(pdf)[0]


@pytest.mark.usefixtures("ocr")
def test_a_photo_of_an_invoice_is_read_and_goes_to_a_person() -> None:
    document = extract_document("photo.png", scanned(invoice_pdf("F-2026-0907", "1250.00")))
    assert document.source == "ocr"
    assert (document.number, document.issue_date, document.due_date) == (
        "F-2026-0907",
        date(2026, 11, 2),
        date(2026, 12, 2),
    )
    assert (document.currency, document.total_gross, document.amount_due) == (
        "EUR",
        Decimal("1500.00"),
        Decimal("1500.00"),
    )
    assert document.customer.name and document.customer.name.startswith("Boulangerie")
    # Read right, and still below the review threshold: a misread digit must not reach a customer.
    assert max(document.confidence.values()) <= OCR_CONFIDENCE_CAP < Settings().review_threshold
    assert "read by OCR" in " ".join(document.warnings)


@pytest.mark.usefixtures("ocr")
def test_a_scanned_pdf_without_a_text_layer_is_read_by_ocr() -> None:
    buffer = io.BytesIO()
    Image.open(io.BytesIO(scanned(invoice_pdf("AV-2026-0031", "80.00", kind="credit_note")))).save(
        buffer, "PDF", resolution=300
    )
    document = extract_document("scan.pdf", buffer.getvalue())
    assert (document.source, document.document_type, document.number) == (
        "ocr",
        "credit_note",
        "AV-2026-0031",
    )
    assert document.total_gross == Decimal("96.00")


@pytest.mark.usefixtures("ocr")
def test_an_unreadable_image_is_a_clear_error() -> None:
    with pytest.raises(ExtractionError, match=r"photo\.jpg has no text layer .*tesseract could not read"):
        extract_document("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64)


def test_without_tesseract_an_image_says_what_to_install(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    ocr.installed_languages.cache_clear()
    try:  # a PATH where no tesseract can be found: the machine without OCR
        result = runner.invoke(
            app, ["extract", "--json", str(photo)], env={"RELANCE_CONFIG": "", "PATH": str(tmp_path)}
        )
    finally:
        ocr.installed_languages.cache_clear()
    record = json.loads(result.stdout)
    assert result.exit_code == 1 and record["status"] == "error"
    assert "tesseract is not installed here (apt install tesseract-ocr tesseract-ocr-fra" in record["error"]


@pytest.mark.usefixtures("ocr")
def test_relance_extract_reads_a_photo(tmp_path: Path) -> None:
    photo = tmp_path / "photo.png"
    photo.write_bytes(scanned(invoice_pdf("F-2026-0908", "40.00")))
    result = runner.invoke(app, ["extract", "--json", str(photo)], env={"RELANCE_CONFIG": ""})
    record = json.loads(result.stdout)
    assert (result.exit_code, record["status"], record["source"], record["number"]) == (
        0,
        "ok",
        "ocr",
        "F-2026-0908",
    )


@pytest.mark.usefixtures("ocr")
def test_a_forwarded_photo_becomes_a_review_task_and_drives_nothing(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox
) -> None:
    photo = scanned(invoice_pdf("F-2026-0909", "300.00"))
    logo = _small_png()
    deliver(runtime, make_email(files=[("IMG_2041.jpg.png", photo), ("logo.png", logo)]))
    beside_a_pdf = make_email(
        files=[("F-2026-0910.pdf", invoice_pdf("F-2026-0910", "5.00")), ("pic.png", photo)]
    )
    deliver(runtime, beside_a_pdf)
    agent.tick()
    with session_scope(runtime.engine) as session:
        documents = {d.filename: d for d in session.exec(select(Document))}
        photo_row = documents["IMG_2041.jpg.png"]
        assert (photo_row.status, photo_row.method) == ("review", "ocr")
        assert photo_row.extraction and photo_row.extraction["number"] == "F-2026-0909"
        assert documents["logo.png"].status == "unsupported"  # a signature's picture is kept, not read
        assert documents["pic.png"].status == "unsupported"  # beside a PDF, a picture is not the invoice
        reviews = [t.title for t in session.exec(select(Task)) if t.kind == "review"]
        assert reviews == ["document F-2026-0909 needs a check"]
        assert [i.number for i in session.exec(select(Invoice))] == ["F-2026-0910"]


def _small_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "navy").save(buffer, "PNG")
    return buffer.getvalue()
