"""`relance documents [show | confirm | reject]`: finance checks the documents the agent was unsure of.

The same decisions as a reply to the review e-mail (document_review.py). A confirmation resumes the
message's waiting thread at once, so the invoice is recorded and its reminders planned before the
command returns.
"""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from agent.cli.common import DataDir, JsonFlag, NowOption, console, emit, err, fail, group, open_runtime

if TYPE_CHECKING:
    from agent.finance.document_review import ReviewOutcome
    from agent.models import Document
    from agent.runtime import Runtime

documents_app = group(
    help="Documents the agent was unsure of: check, correct, confirm or set aside.",
    invoke_without_command=True,
)
By = Annotated[str | None, typer.Option("--by", help="Who decides (default: your user name)")]


@documents_app.callback()
def documents(
    ctx: typer.Context,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
    all_documents: Annotated[
        bool, typer.Option("--all", help="Every document, not only those in review")
    ] = False,
) -> None:
    """Documents waiting for your check (with --all: every document)."""
    if ctx.invoked_subcommand is not None:
        return
    from agent import views
    from agent.cli.render import table
    from agent.db import session_scope

    runtime = open_runtime(data_dir)
    with session_scope(runtime.engine) as session:
        rows = views.documents(session, include_settled=all_documents)
    if as_json:
        emit(rows)
        return
    columns = ["id", "file", "status", "number", "customer", "amount_due", "currency", "due_date", "task"]
    console.print(table("Documents" if all_documents else "Documents to check", rows, columns))


DocumentId = Annotated[int, typer.Argument(help="The document's id (relance documents --all)")]


@documents_app.command()
def show(document_id: DocumentId, data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """What was read from one document, how sure, where on the page, and why it needs a check; once
    checked or recorded, its values as they stand and where each came from."""
    from agent import views
    from agent.db import session_scope
    from agent.documents.corrections import shown_fields
    from agent.documents.schema import ExtractedDocument
    from agent.finance.tasks import company_language
    from agent.views.document_origin import document_origins

    runtime = open_runtime(data_dir)
    language = company_language(runtime.settings)
    with session_scope(runtime.engine) as session:
        document = _document(session, document_id)
        reading = ExtractedDocument.model_validate(document.extraction)
        (row,) = views.documents(session, document_id=document_id)
        settled = (
            None if document.status == "review" else document_origins(session, document, language=language)
        )
    if as_json:
        data = {**row, "extraction": reading.as_json()}
        if settled is not None:
            data |= {
                "reasons": [],  # answered at the check: `check` says how
                "record": settled["record"],
                "check": settled["check"],
                "values": [origin.as_json() for origin in settled["fields"]],
            }
        emit(data)
        return
    console.print(f"[bold]document {document_id}[/] {escape(row['file'])}: {row['status']} ({row['method']})")
    if settled is not None:
        _show_settled(settled)
        return
    for name, label, value in shown_fields(reading, language):
        where = reading.locations.get(name)
        place = (
            f"  [dim]page {where.page}, line {where.line}: {escape(where.text.strip())}[/]" if where else ""
        )
        sure = reading.confidence.get(name)
        console.print(f"  {label}: {escape(value)}" + (f" ({sure:.2f})" if sure is not None else "") + place)
    for reason in row["reasons"]:
        console.print(f"  [yellow]•[/] {escape(reason)}", soft_wrap=True)


def _show_settled(settled: dict[str, Any]) -> None:
    record = settled["record"]
    if record is not None:
        kind = record["kind"].replace("_", " ")
        status = f", {record['status']}" if record["status"] else ""
        console.print(f"  recorded as {kind} {escape(record['number'])}{status}: the values as they stand")
    if settled["check"]:
        console.print(f"  checked: {escape(settled['check'])}", soft_wrap=True)
    for origin in settled["fields"]:
        console.print(
            f"  {origin.label}: {escape(origin.value)}  [dim]{escape(origin.origin)}[/]", soft_wrap=True
        )


@documents_app.command()
def confirm(
    document_id: DocumentId,
    corrections: Annotated[
        list[str] | None,
        typer.Option("--set", help="FIELD=VALUE, e.g. due_date=2026-12-15 or 'amount due=1 200,00'"),
    ] = None,
    by: By = None,
    data_dir: DataDir = None,
    now: NowOption = None,
) -> None:
    """Vouch for a document in review, with corrections; it is then recorded and its reminders planned."""
    from agent.documents.corrections import CorrectionError
    from agent.finance.document_review import confirm_document, month_first
    from agent.flow.reply_nodes import stored_text_reading

    runtime = open_runtime(data_dir, now)
    try:
        changes = _read_corrections(corrections or [], month_first(runtime.settings))
    except CorrectionError as error:
        err.print(f"[red]refused:[/] {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(1) from error

    def act(session: Any, document: Document) -> ReviewOutcome:
        return confirm_document(
            session,
            document=document,
            corrections=changes,
            by=by or getpass.getuser(),
            at=runtime.clock.now(),
            read_page=lambda: stored_text_reading(runtime, document.raw_path),
        )

    outcome = _decide(runtime, document_id, act)
    for name in outcome.taught:
        console.print(f"  the layout now reads {name.replace('_', ' ')} where you gave it")
    for name in outcome.unplaced:
        console.print(f"  no label on the page leads to the {name.replace('_', ' ')}: not learnt")


@documents_app.command()
def reject(
    document_id: DocumentId,
    reason: Annotated[str, typer.Option("--reason", help="Why, in words: kept with the document")],
    by: By = None,
    data_dir: DataDir = None,
    now: NowOption = None,
) -> None:
    """Set a document in review aside: kept, never recorded, nothing sent about it."""
    from agent.finance.document_review import reject_document

    runtime = open_runtime(data_dir, now)
    _decide(
        runtime,
        document_id,
        lambda session, document: reject_document(
            session, document=document, by=by or getpass.getuser(), reason=reason, at=runtime.clock.now()
        ),
    )


def _decide(runtime: Runtime, document_id: int, act: Any) -> ReviewOutcome:
    from agent.db import session_scope
    from agent.finance.document_review import ReviewRefused
    from agent.flow.service import Agent

    try:
        with session_scope(runtime.engine) as session:
            outcome: ReviewOutcome = act(session, _document(session, document_id))
    except ReviewRefused as error:
        err.print(f"[red]refused:[/] {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(1) from error
    if outcome.status == "refused":
        err.print(f"[red]refused:[/] {escape(outcome.message)}", soft_wrap=True)
        raise typer.Exit(1)
    console.print(f"document {document_id}: {escape(outcome.message)}", soft_wrap=True)
    with Agent(runtime) as agent:  # the message's thread waited for this decision
        agent.resume_waiting()
    return outcome


def _document(session: Any, document_id: int) -> Document:
    from agent.models import Document

    document = session.get(Document, document_id)
    if document is None:
        fail(f"no document {document_id} (see `relance documents --all`)")
    return document


def _read_corrections(pairs: list[str], month_first_dates: bool) -> dict[str, Any]:
    from agent.documents.corrections import CorrectionError, field_named, read_value

    changes: dict[str, Any] = {}
    for pair in pairs:
        name_text, sep, value = pair.partition("=")
        name = field_named(name_text)
        if not sep or name is None:
            raise CorrectionError(f"“{pair}” is not FIELD=VALUE with a known field (due_date, amount_due…)")
        changes[name] = read_value(name, value, month_first=month_first_dates)
    return changes
