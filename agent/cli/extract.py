"""`relance extract`: read files and print what was understood, one JSON object per document.

Many files in one call share one process (no start-up cost per file), and a file that cannot be read
gives `status: "error"` with the reason while the others go on: whatever goes wrong with one file, even
a fault of the extractor itself, is that file's error and never stops the run. Each record carries
intake's own verdict (`accepted` and its `reasons`), from the function intake decides with.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from agent.cli.common import console, err, load_settings

if TYPE_CHECKING:
    from agent.documents.extract import ExtractOptions
    from agent.documents.schema import ExtractedDocument

FIELDS = (
    "number",
    "issue_date",
    "due_date",
    "currency",
    "total_net",
    "total_tax",
    "total_gross",
    "amount_due",
)


def extract_document(name: str, content: bytes, options: ExtractOptions) -> ExtractedDocument:
    """The extractor, imported when the first file is read (`relance --help` does not load the readers)."""
    from agent.documents.extract import extract_document as read

    return read(name, content, options)


def files_in(path: Path, data: bytes) -> Iterator[tuple[str, bytes]]:
    """The documents a path holds: itself, or each document attached to an .eml."""
    from agent.documents.extract import ExtractionError
    from agent.mail.parse import documents_to_read, parse_message

    if path.suffix.lower() != ".eml":
        yield path.name, data
        return
    message = parse_message(data, "extract")
    documents = documents_to_read(message.attachments)
    if not documents:
        raise ExtractionError(f"{path.name}: the e-mail has no PDF, XML or scanned page attached")
    for attachment in documents:
        yield attachment.filename, attachment.data


def as_record(
    given: str, name: str, document: ExtractedDocument, attachment: bool, reasons: list[str]
) -> dict[str, Any]:
    data = document.model_dump(mode="json")
    record: dict[str, Any] = {"file": given, "status": "ok", "error": None, "source": document.source}
    if attachment:
        record["attachment"] = name
    record["accepted"] = not reasons  # would drive reminders with no person's check
    record["reasons"] = reasons
    record["document_type"] = document.document_type
    record |= {key: data[key] for key in FIELDS}
    record["vat_breakdown"] = data["vat_breakdown"]
    record["customer"] = {k: data["customer"][k] for k in ("name", "address", "country", "vat_id", "email")}
    record["supplier"] = {k: data["supplier"][k] for k in ("name", "vat_id")}
    record["referenced_invoice"] = document.referenced_invoice
    record["lines"] = data["lines"]
    record["language"] = document.language
    record["confidence"] = document.confidence
    record["locations"] = data["locations"]
    record["warnings"] = document.warnings
    if document.llm_usage:
        record["llm_usage"] = document.llm_usage
    return record


def extract(
    paths: Annotated[list[Path], typer.Argument(help="PDF, XML, PNG/JPEG or .eml files")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line per document")] = False,
    ignore_embedded: Annotated[
        bool, typer.Option("--ignore-embedded", help="Skip embedded e-invoice XML: measure the text path")
    ] = False,
    llm: Annotated[bool, typer.Option("--llm/--no-llm", help="Also ask the configured LLM")] = False,
) -> None:
    """Read documents and print what relance understands of them (nothing is stored)."""
    from agent.documents.extract import ExtractionError, ExtractOptions
    from agent.documents.verdict import doubts

    settings = load_settings(None)
    reader = None
    if llm:
        from agent.llm import chat_model, document_reader

        model = chat_model(settings)
        if model is None:
            err.print("[red]error:[/] --llm needs an endpoint: set llm.base_url and llm.model")
            raise typer.Exit(2)
        reader = document_reader(model, settings)

    options = ExtractOptions(
        ignore_embedded=ignore_embedded, company_names=tuple(settings.company.all_names()), llm=reader
    )
    failures = 0
    own_names = settings.company.all_names()

    def read(given: str, name: str, content: bytes, is_mail: bool) -> dict[str, Any]:
        try:
            document = extract_document(name, content, options)
            reasons = doubts(document, settings.review_threshold, own_names)
            return as_record(given, name, document, is_mail, reasons)
        except ExtractionError as error:
            failed = {"file": given, "status": "error", "error": str(error)}
        except Exception as error:  # a fault on one file must not stop the others
            failed = {"file": given, "status": "error", "error": f"{type(error).__name__}: {error}"}
        return failed | ({"attachment": name} if is_mail else {})

    for path in _expanded(paths):
        given, is_mail = str(path), path.suffix.lower() == ".eml"
        try:
            found = list(files_in(path, path.read_bytes()))
            records = [read(given, name, content, is_mail) for name, content in found]
        except (OSError, ExtractionError) as error:
            records = [{"file": given, "status": "error", "error": str(error)}]
        except Exception as error:  # an unparsable e-mail is that file's error
            records = [{"file": given, "status": "error", "error": f"{type(error).__name__}: {error}"}]
        for record in records:
            failures += record["status"] == "error"
            if as_json:
                sys.stdout.write(_json_line(record))
            elif record["status"] == "error":
                err.print(f"[red]{escape(given)}[/]: {escape(record['error'])}")
            else:
                console.print(
                    f"{given}: {record['document_type']} {record['number']} of {record['issue_date']}, "
                    f"due {record['due_date']}, {record['amount_due']} {record['currency']} "
                    f"({record['source']}), customer {record['customer']['name']}",
                    markup=False,  # a value read from a page is text, never console markup
                )
    if failures:
        raise typer.Exit(1)


def _expanded(paths: list[Path]) -> Iterator[Path]:
    """The paths given, a folder standing for the files in it (sorted, not its subfolders)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.is_file())
        else:
            yield path


def _json_line(record: dict[str, Any]) -> str:
    """One record as a line of JSON; escaped to ASCII if some text is not valid Unicode after all."""
    line = json.dumps(record, ensure_ascii=False) + "\n"
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(record) + "\n"
    return line
