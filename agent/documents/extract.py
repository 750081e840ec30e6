"""One entry point: bytes of a file in, a validated `ExtractedDocument` (or a clear error) out.

Order of trust: e-invoice XML (bare, or embedded in the PDF), then the PDF's text layer read by the
deterministic extractor; when an LLM is configured it reads the same text, and its answer is kept
only as far as it agrees with the extractor (`llm_reading.cross_check`). Photos and scans without a
text layer are read by OCR (`ocr.py`) into the same kind of layout text; what OCR read always goes to a
person before it drives a reminder, since one misread digit is a wrong amount or date.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from pypdf import PageObject, PdfReader
from pypdf.errors import PyPdfError

from agent.documents import layouts, ocr, pdf_layout
from agent.documents.einvoice import NotAnEInvoice, embedded_xml, parse_einvoice
from agent.documents.llm_reading import cross_check, from_llm
from agent.documents.locations import field_value, page_starts
from agent.documents.placement import PageText
from agent.documents.schema import ExtractedDocument
from agent.documents.text import date_order, extract_from_text
from agent.documents.validate import validate
from agent.llm import LlmAnswer, LlmDocument
from agent.templating import Said


class ExtractionError(Exception):
    """The file cannot be read as a document; the message says why in words finance understands."""


LlmReader = Callable[[str], LlmAnswer]  # the document's text in, the model's structured reading out
LayoutMemory = Callable[[str], dict[str, str] | None]  # a layout's fingerprint in, its validated fields out

IMAGE_SIGNATURES = (b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")
# OCR can misread a digit: nothing it read drives a reminder before a person has looked (threshold 0.8).
OCR_CONFIDENCE_CAP = 0.75
SURROGATE = re.compile("[\ud800-\udfff]")
LEAST_TEXT = 20  # characters: fewer, and a page has no text to read (a scan, or text drawn as shapes)


@dataclass(frozen=True)
class ExtractOptions:
    ignore_embedded: bool = False
    company_names: tuple[str, ...] = ()
    today: date | None = None
    llm: LlmReader | None = None
    layouts: LayoutMemory | None = None


def pdf_text(reader: PdfReader) -> str:
    """The layout text of every page (`pdf_layout.py`: pypdf's layout mode, about four times faster)."""
    return "\n".join(pdf_pages(reader))


def pdf_pages(reader: PdfReader) -> list[str]:
    fonts: pdf_layout.FontCache = {}
    return [valid_unicode(_page_text(page, fonts)) for page in reader.pages]


def valid_unicode(text: str) -> str:
    """The text with its surrogates resolved: a font's ToUnicode map may give half a UTF-16 pair, which no
    encoder accepts (printing or storing the reading would fail). A whole pair becomes its character,
    a lone half U+FFFD, here where the text enters, so everything downstream holds valid Unicode."""
    if not SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _page_text(page: PageObject, fonts: pdf_layout.FontCache) -> str:
    try:
        return pdf_layout.page_text(page, fonts)
    except (PyPdfError, ValueError, KeyError, TypeError, IndexError, ZeroDivisionError, RecursionError):
        # What the port cannot read, pypdf itself may: its errors then say what is wrong with the file.
        return page.extract_text(extraction_mode="layout") or ""


def extract_document(filename: str, data: bytes, options: ExtractOptions | None = None) -> ExtractedDocument:
    options = options or ExtractOptions()
    name = filename.lower()
    if name.endswith(".xml") or data.lstrip()[:5] == b"<?xml":
        try:
            return validate(parse_einvoice(data), today=options.today)
        except NotAnEInvoice as error:
            raise ExtractionError(str(error)) from error
    if data.startswith(IMAGE_SIGNATURES):
        return _read_by_ocr(filename, lambda: [data], options)
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
        pages = pdf_pages(reader)
    except (PyPdfError, ValueError, KeyError, TypeError) as error:
        raise ExtractionError(f"{filename}: the PDF cannot be read ({error})") from error
    if not _has_text(pages):  # a scan, or text drawn as shapes: read the rendered pages
        return _read_by_ocr(filename, lambda: ocr.pdf_page_images(data), options)
    return _read_text(pages, options)


def _read_by_ocr(
    filename: str, images: Callable[[], list[bytes]], options: ExtractOptions
) -> ExtractedDocument:
    try:
        pages = [ocr.image_text(image) for image in images()]
    except (ocr.OcrUnavailable, ocr.OcrFailed) as error:
        raise ExtractionError(f"{filename} has no text layer (a photo or a scan): {error}") from error
    if not _has_text(pages):
        raise ExtractionError(f"{filename}: OCR found no text on it")
    document = _read_text(pages, options)
    document.source = "ocr"
    for field, value in document.confidence.items():
        document.confidence[field] = min(value, OCR_CONFIDENCE_CAP)
    document.warnings.append(Said("read_by_ocr"))
    return document


def _has_text(pages: list[str]) -> bool:
    return len("".join(pages).strip()) >= LEAST_TEXT


def _text_path(pages: list[str], options: ExtractOptions) -> ExtractedDocument:
    """The text extractor's reading of the pages, with its layout's fingerprint (no memory, no LLM)."""
    document = extract_from_text(
        "\n".join(pages), company_names=list(options.company_names), page_starts=page_starts(pages)
    )
    document.layout = layouts.fingerprint(document)
    return document


def _read_text(pages: list[str], options: ExtractOptions) -> ExtractedDocument:
    document = _text_path(pages, options)
    remembered = options.layouts(document.layout) if options.layouts and document.layout else None
    if remembered:
        layouts.apply_memory(document, remembered, page_text_of(pages, document))
    document = validate(document, today=options.today)
    if options.llm is None or layouts.fully_confirmed(document):
        return document  # a validated layout, every key field where it was: no LLM call
    answer = options.llm("\n".join(pages))
    if not isinstance(answer.value, LlmDocument):
        document.warnings.append(answer.error or "the LLM gave no reading")
        document.llm_usage = answer.usage
        return document
    checked = cross_check(from_llm(answer.value), document)
    checked.llm_usage = answer.usage
    # Where the text path found each field stays known: an LLM that agrees validates the layout.
    checked.provenance, checked.layout = document.provenance, document.layout
    checked.locations = {  # where the page shows a value the LLM agreed with
        field: where
        for field, where in document.locations.items()
        if field_value(checked, field) == field_value(document, field)
    }
    return validate(checked, today=options.today)


def text_reading(data: bytes, options: ExtractOptions) -> tuple[ExtractedDocument, PageText] | None:
    """A PDF's text-path reading (its XML ignored, no LLM, no memory) and its page text: what a person's
    check of the document teaches its layout. None for a file with no text layer to learn from."""
    if not data.startswith(b"%PDF"):
        return None
    try:
        pages = pdf_pages(PdfReader(io.BytesIO(data)))
    except (PyPdfError, ValueError, KeyError, TypeError):
        return None
    if not _has_text(pages):
        return None
    reading = _text_path(pages, options)
    return reading, page_text_of(pages, reading)


def page_text_of(pages: list[str], reading: ExtractedDocument) -> PageText:
    """The pages' text as the layout memory reads it, in the text path's date order and currency."""
    text = "\n".join(pages)
    return PageText(
        text,
        month_first=date_order(text, reading.language),
        currency=reading.currency,
        starts=page_starts(pages),
    )


def _language_of(reader: PdfReader) -> str | None:
    from agent.documents.text import detect_language

    try:
        return detect_language(reader.pages[0].extract_text() or "")
    except (PyPdfError, ValueError, KeyError, IndexError):
        return None
