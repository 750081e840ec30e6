"""The fast layout text (`pdf_content.py`, `pdf_layout.py`) prints what pypdf's layout mode prints.

pypdf's own layout mode is the reference: the port must give the same text, page for page, on PDFs
written by three generators (fpdf2 here, the hand-written streams below, the corpus's e-invoice tools),
so that the text path's rules read the same thing, only faster.
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from agent.demo.pdfs import render_pdf
from agent.demo.scenario import demo_documents
from agent.documents import extract, pdf_layout
from agent.documents.pdf_content import operations
from tests.conftest import SHARED_CORPUS


def pdf_with_content(*streams: bytes, fonts: str = "/F1 5 0 R /F2 6 0 R") -> bytes:
    """A one-page PDF whose page draws the given content streams (Helvetica and Courier as F1, F2)."""
    contents = " ".join(f"{7 + n} 0 R" for n in range(len(streams)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources 4 0 R "
        f"/Contents [{contents}] >>".encode(),
        f"<< /Font << {fonts} >> >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>",
        *(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream" for stream in streams),
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def same_as_pypdf(data: bytes) -> None:
    expected = [page.extract_text(extraction_mode="layout") for page in PdfReader(io.BytesIO(data)).pages]
    fonts: pdf_layout.FontCache = {}
    got = [pdf_layout.page_text(page, fonts) for page in PdfReader(io.BytesIO(data)).pages]
    assert got == expected


def test_operations_read_operands_as_plain_values() -> None:
    stream = (
        rb"q 1 0 0 1 72 700 cm BT /F#31 12 Tf (a \(nested (pair)\) \\ \101\n) Tj <48 65 6C 6C 6F> Tj"
        rb" [(Ju) -20 (st) 3.5 <21>] TJ 0 -14 TD (line)' 2 1 (quote)" + b'"' + rb" ET Q % a comment"
    )
    ops = operations(stream)
    assert [op for _, op in ops] == [
        b"q",
        b"cm",
        b"BT",
        b"Tf",
        b"Tj",
        b"Tj",
        b"TJ",
        b"TD",
        b"'",
        b'"',
        b"ET",
        b"Q",
    ]
    by_name = {op: operands for operands, op in ops}
    assert by_name[b"cm"] == [1, 0, 0, 1, 72, 700]
    assert by_name[b"Tf"] == ["/F1", 12]  # #31 is "1"
    assert ops[4][0] == [b"a (nested (pair)) \\ A\n"]
    assert ops[5][0] == [b"Hello"]
    assert by_name[b"TJ"] == [[b"Ju", -20, b"st", 3.5, b"!"]]
    assert by_name[b'"'] == [2, 1, b"quote"]


def test_operations_skip_drawing_and_inline_images() -> None:
    stream = (
        b"0.5 g 10 10 100 50 re f 1 w 0 0 m 100 100 l S /GS1 gs\n"
        b"BI /W 2 /H 2 /BPC 8 /CS /G ID \x00(\xff)Tj BT ET\nEI\n"
        b"/P <</MCID 3>> BDC BT /F1 9 Tf (kept) Tj ET EMC"
    )
    ops = operations(stream)
    # the image's bytes are not read; drawing and marked-content operators are skipped
    assert [op for _, op in ops] == [b"BT", b"Tf", b"Tj", b"ET"]
    assert operations(b"/Span <</ActualText (x)>> BDC")[0] == (["/Span", ["/ActualText", b"x"]], b"BDC")


def test_same_text_as_pypdf_on_hand_written_streams() -> None:
    two_columns = (
        b"BT /F1 10 Tf 1 0 0 1 50 800 Tm (Facture) Tj 1 0 0 1 400 800 Tm (N\xb0 F-2026-001) Tj ET\n"
        b"BT /F1 9 Tf 50 760 Td 12 TL (Client :) Tj T* (Boulangerie Dupont) Tj T* (8 place Bellecour) Tj ET\n"
        b"q 0.8 0 0 0.8 300 600 cm BT /F2 10 Tf 0 0 Td [(Total) -3000 (TTC) -9000 (1 234,56)] TJ ET Q\n"
    )
    spacing = b"BT /F1 8 Tf 2 Tc 5 Tw 120 Tz 50 500 Td (wide text) Tj 1.5 Ts (raised) Tj ET\n"
    rotated = b"BT /F1 8 Tf 0 1 -1 0 560 100 Tm (sideways) Tj ET BT /F1 8 Tf 50 80 Td (upright) Tj ET"
    same_as_pypdf(pdf_with_content(two_columns, spacing, rotated))


def test_same_text_as_pypdf_on_the_demo_invoices() -> None:
    for document in demo_documents().values():
        same_as_pypdf(render_pdf(document))


@pytest.mark.skipif(not SHARED_CORPUS.exists(), reason="the shared invoice corpus is not beside this clone")
def test_same_text_as_pypdf_on_the_corpus() -> None:
    files = sorted((SHARED_CORPUS / "einvoices").glob("*.pdf"))[::2] + sorted(
        (SHARED_CORPUS / "invoice2data").rglob("*.pdf")
    )
    assert len(files) > 70
    for path in files:
        same_as_pypdf(path.read_bytes())


def test_what_the_port_cannot_read_pypdf_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fault injected in the port: the page is still read, by pypdf's own layout mode."""
    data = render_pdf(next(iter(demo_documents().values())))
    expected = extract.pdf_text(PdfReader(io.BytesIO(data)))

    def broken(*_args: object) -> str:
        raise ValueError("an operator this port does not know")

    monkeypatch.setattr(pdf_layout, "page_text", broken)
    assert extract.pdf_text(PdfReader(io.BytesIO(data))) == expected


def test_a_page_with_no_font_selected_is_a_clear_error() -> None:
    data = pdf_with_content(b"BT 50 700 Td (no font) Tj ET")
    with pytest.raises(extract.ExtractionError, match="cannot be read"):
        extract.extract_document("nofont.pdf", data)
