"""`relance documents [show | confirm | reject]`: finance checks the documents the agent was unsure of.

The same decisions as a reply to the review e-mail (document_review.py). A confirmation resumes the
message's waiting thread at once, so the invoice is recorded and its reminders planned before the
command returns.
"""

from __future__ import annotations

import getpass
from typing import Annotated, Any

import typer
from rich.markup import escape

from agent import views
from agent.cli.common import DataDir, JsonFlag, NowOption, console, emit, err, open_runtime
from agent.cli.render import table
from agent.db import session_scope
from agent.documents.corrections import CorrectionError, field_named, read_value, shown_fields
from agent.documents.schema import ExtractedDocument
from agent.finance.document_review import (
    ReviewOutcome,
    ReviewRefused,
    confirm_document,
    month_first,
    reject_document,
)
from agent.finance.tasks import company_language
from agent.flow.reply_nodes import stored_text_reading
from agent.flow.service import Agent
from agent.models import Document
from agent.runtime import Runtime

documents_app = typer.Typer(
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
    runtime = open_runtime(data_dir)
    with session_scope(runtime.engine) as session:
        rows = views.documents(session, include_settled=all_documents)
    if as_json:
        emit(rows)
        return
    columns = ["id", "file", "status", "number", "customer", "amount_due", "currency", "due_date", "task"]
    console.print(table("Documents" if all_documents else "Documents to check", rows, columns))


@documents_app.command()
def show(document_id: int, data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """What was read from one document, how sure, where on the page, and why it needs a check."""
    runtime = open_runtime(data_dir)
    with session_scope(runtime.engine) as session:
        document = _document(session, document_id)
        reading = ExtractedDocument.model_validate(document.extraction)
        (row,) = views.documents(session, document_id=document_id)
    if as_json:
        emit({**row, "extraction": reading.as_json()})
        return
    console.print(f"[bold]document {document_id}[/] {escape(row['file'])}: {row['status']} ({row['method']})")
    language = company_language(runtime.settings)
    for name, label, value in shown_fields(reading, language):
        where = reading.locations.get(name)
        place = (
            f"  [dim]page {where.page}, line {where.line}: {escape(where.text.strip())}[/]" if where else ""
        )
        sure = reading.confidence.get(name)
        console.print(f"  {label}: {escape(value)}" + (f" ({sure:.2f})" if sure is not None else "") + place)
    for reason in row["reasons"]:
        console.print(f"  [yellow]•[/] {escape(reason)}", soft_wrap=True)


@documents_app.command()
def confirm(
    document_id: int,
    corrections: Annotated[
        list[str] | None,
        typer.Option("--set", help="FIELD=VALUE, e.g. due_date=2026-12-15 or 'amount due=1 200,00'"),
    ] = None,
    by: By = None,
    data_dir: DataDir = None,
    now: NowOption = None,
) -> None:
    """Vouch for a document in review, with corrections; it is then recorded and its reminders planned."""
    runtime = open_runtime(data_dir, now)
    try:
        changes = _read_corrections(corrections or [], month_first(runtime.settings))
    except CorrectionError as error:
        err.print(f"[red]refused:[/] {error}")
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
    document_id: int,
    reason: Annotated[str, typer.Option("--reason", help="Why, in words: kept with the document")],
    by: By = None,
    data_dir: DataDir = None,
    now: NowOption = None,
) -> None:
    """Set a document in review aside: kept, never recorded, nothing sent about it."""
    runtime = open_runtime(data_dir, now)
    _decide(
        runtime,
        document_id,
        lambda session, document: reject_document(
            session, document=document, by=by or getpass.getuser(), reason=reason, at=runtime.clock.now()
        ),
    )


def _decide(runtime: Runtime, document_id: int, act: Any) -> ReviewOutcome:
    try:
        with session_scope(runtime.engine) as session:
            outcome: ReviewOutcome = act(session, _document(session, document_id))
    except ReviewRefused as error:
        err.print(f"[red]refused:[/] {error}")
        raise typer.Exit(1) from error
    if outcome.status == "refused":
        err.print(f"[red]refused:[/] {escape(outcome.message)}", soft_wrap=True)
        raise typer.Exit(1)
    console.print(f"document {document_id}: {escape(outcome.message)}", soft_wrap=True)
    with Agent(runtime) as agent:  # the message's thread waited for this decision
        agent.resume_waiting()
    return outcome


def _document(session: Any, document_id: int) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        err.print(f"[red]error:[/] no document {document_id}")
        raise typer.Exit(1)
    return document


def _read_corrections(pairs: list[str], month_first_dates: bool) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for pair in pairs:
        name_text, sep, value = pair.partition("=")
        name = field_named(name_text)
        if not sep or name is None:
            raise CorrectionError(f"“{pair}” is not FIELD=VALUE with a known field (due_date, amount_due…)")
        changes[name] = read_value(name, value, month_first=month_first_dates)
    return changes
