"""`relance inbox | invoices | accounts | schedule`: what is in the book, read only (`relance tasks` has
its own module, tasks.py: it also answers them).

These are the commands a person runs most: they open the database and nothing else (no graph, no mail
client, no LLM), so they answer at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agent.cli.common import (
    BadValue,
    DataDir,
    JsonFlag,
    NowOption,
    UtcFlag,
    console,
    emit,
    fail,
    group,
    instant,
    open_runtime,
)

if TYPE_CHECKING:
    from agent.runtime import Runtime

app = group()


def _listing(data_dir: Path | None, as_json: bool, title: str, columns: list[str], rows_of: Any) -> None:
    from agent.db import session_scope

    runtime = open_runtime(data_dir)
    with session_scope(runtime.engine) as session:
        rows = rows_of(session, runtime)
    if as_json:
        emit(rows)
    else:
        from agent.cli.render import table

        console.print(table(title, rows, columns))


@app.command()
def inbox(
    batch: Annotated[int | None, typer.Argument(help="One message (batch) id")] = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
    utc: UtcFlag = False,
) -> None:
    """What arrived: each message (a batch) with every file's status and error. Times in the company's
    time zone (named), or in UTC with --utc; JSON has ISO 8601 times with their offset."""
    from agent import views
    from agent.db import session_scope

    runtime = open_runtime(data_dir)
    with session_scope(runtime.engine) as session:
        rows = views.inbound(session, message_id=batch)
    if batch is not None and not rows:
        fail(f"no message {batch} (see `relance inbox`)")
    if as_json:
        emit(rows[0] if batch is not None else rows)
        return
    from rich.markup import escape

    from agent.cli.render import stamp
    from agent.mail.safe_text import clean_line

    zone = runtime.settings.company.timezone

    def shown(value: object) -> str:  # senders write these: one line, controls and bidi made visible
        return escape(clean_line(str(value)))

    for row in rows:
        console.print(
            f"[bold]#{row['id']}[/] {stamp(row['received_at'], zone, utc=utc)} {shown(row['sender'])} "
            f"«{shown(row['subject'])}» {row['kind'] or ''}: {row['status']}"
            + (f" ([red]{shown(row['error'])}[/])" if row["error"] else "")
        )
        for doc in row["documents"]:
            detail = doc["error"] or f"{doc['kind']} {doc['number']} {doc['amount_due']} {doc['currency']}"
            console.print(f"    {shown(doc['file'])}: {doc['status']}: {shown(detail)}")


STATES = ("open", "partially_paid", "paid", "credited", "exhausted")


def _state(value: str | None) -> str | None:
    if value is not None and value not in STATES:
        raise BadValue(f"{value}: not a state ({', '.join(STATES)})")
    return value


@app.command()
def invoices(
    state: Annotated[
        str | None,
        typer.Option(
            "--state",
            help="Only the invoices in this state: open, partially_paid, paid, credited, or exhausted "
            "(the plan's last step sent, still open: finance decides what next)",
            callback=_state,
        ),
    ] = None,
    as_csv: Annotated[
        bool,
        typer.Option("--csv", help="As CSV for a spreadsheet (cells that could run as formulas neutralised)"),
    ] = False,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Invoices with their balance and status."""
    from agent import views

    def rows(session: Any, runtime: Runtime) -> list[dict[str, Any]]:
        if state != "exhausted":
            return views.invoices(session, status=state)
        from agent.finance.plan_end import exhausted_invoices

        ended = exhausted_invoices(session, runtime.settings, now=runtime.clock.now(), waited=False)
        ids = {invoice.id for invoice, _last in ended}
        return [row for row in views.invoices(session) if row["id"] in ids]

    if as_csv:  # the workspace's export, the same columns (agent.views.export)
        from agent.db import session_scope
        from agent.views.export import invoices_csv

        runtime = open_runtime(data_dir)
        with session_scope(runtime.engine) as session:
            typer.echo(invoices_csv(rows(session, runtime)), nl=False)
        return
    _listing(
        data_dir,
        as_json,
        "Invoices" if state is None else f"Invoices: {state}",
        ["number", "account", "due_date", "amount_due", "balance", "currency", "status"],
        rows,
    )


@app.command()
def accounts(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Customer accounts and their contact."""
    from agent import views

    def rows(session: Any, _runtime: Runtime) -> list[dict[str, Any]]:
        found = views.accounts(session)
        if not as_json:
            for row in found:
                contact = row["contact"]
                row["contact"] = (
                    f"{contact['email']} ({contact['language']})" if contact else "none: task open"
                )
        return found

    _listing(data_dir, as_json, "Accounts", ["name", "vat_id", "country", "net_balance", "contact"], rows)


@app.command()
def schedule(
    data_dir: DataDir = None,
    days: Annotated[int, typer.Option(min=1, help="How many days ahead (default: 14)")] = 14,
    now: NowOption = None,
    full: Annotated[bool, typer.Option("--full", help="Show each e-mail's text")] = False,
    as_json: JsonFlag = False,
    utc: UtcFlag = False,
) -> None:
    """What will go out in the next DAYS days, to whom, in which words. Sends nothing. Times in the
    company's time zone (named), or in UTC with --utc; JSON has ISO 8601 times with their offset."""
    from agent.cli.render import schedule_report
    from agent.db import session_scope
    from agent.views.schedule import schedule as planned

    runtime = open_runtime(data_dir)
    with session_scope(runtime.engine) as session:
        rows = planned(session, runtime.settings, now=instant(now), days=days)
    if as_json:
        emit(rows)
    else:
        schedule_report(console, rows, timezone=runtime.settings.company.timezone, full=full, utc=utc)
