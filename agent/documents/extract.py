"""One entry point: bytes of a file in, a validated `ExtractedDocument` (or a clear error) out.

Order of trust: e-invoice XML (bare, or embedded in the PDF), then the PDF's text layer. The LLM path
plugs in after the text path when configured (document issue); OCR likewise.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from agent.documents.einvoice import NotAnEInvoice, embedded_xml, parse_einvoice
from agent.documents.schema import ExtractedDocument
from agent.documents.text import extract_from_text
from agent.documents.validate import validate


class ExtractionError(Exception):
    """The file cannot be read as a document; the message says why in words finance understands."""


@dataclass(frozen=True)
class ExtractOptions:
    ignore_embedded: bool = False
    company_names: tuple[str, ...] = ()
    today: date | None = None


def pdf_text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text(extraction_mode="layout") or "" for page in reader.pages)


def extract_document(filename: str, data: bytes, options: ExtractOptions | None = None) -> ExtractedDocument:
    options = options or ExtractOptions()
    name = filename.lower()
    if name.endswith(".xml") or data.lstrip()[:5] == b"<?xml":
        try:
            return validate(parse_einvoice(data), today=options.today)
        except NotAnEInvoice as error:
            raise ExtractionError(str(error)) from error
    if not data.startswith(b"%PDF"):
        raise ExtractionError(f"{filename} is not a PDF or an e-invoice XML")
    try:
        reader = PdfReader(io.BytesIO(data))
        xml = None if options.ignore_embedded else embedded_xml(reader)
        if xml is not None:
            try:
                document = parse_einvoice(xml)
                document.source = "facturx"
                document.language = document.language or _language_of(reader)
                return validate(document, today=options.today)
            except NotAnEInvoice:
                pass  # a PDF may embed some other XML: fall through to its text
        text = pdf_text(reader)
    except (PyPdfError, ValueError, KeyError, TypeError) as error:
        raise ExtractionError(f"{filename}: the PDF cannot be read ({error})") from error
    if len(text.strip()) < 20:
        raise ExtractionError(f"{filename}: the PDF has no text layer (a scan); OCR is not available yet")
    document = extract_from_text(text, company_names=list(options.company_names))
    return validate(document, today=options.today)


def _language_of(reader: PdfReader) -> str | None:
    from agent.documents.text import detect_language

    try:
        return detect_language(reader.pages[0].extract_text() or "")
    except (PyPdfError, ValueError, KeyError, IndexError):
        return None
