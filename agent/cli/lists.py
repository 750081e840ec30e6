"""`relance inbox | invoices | accounts | schedule`: what is in the book, read only (`relance tasks` has
its own module, tasks.py: it also answers them).

These are the commands a person runs most: they open the database and nothing else (no graph, no mail
client, no LLM), so they answer at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agent.cli.common import DataDir, JsonFlag, NowOption, console, emit, err, open_runtime

if TYPE_CHECKING:
    from agent.runtime import Runtime

app = typer.Typer()
UtcFlag = Annotated[bool, typer.Option("--utc", help="Times in UTC (default: the company's time zone)")]


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
        err.print(f"[red]error:[/] no message {batch}")
        raise typer.Exit(1)
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


@app.command()
def invoices(
    state: Annotated[
        str | None,
        typer.Option(
            "--state",
            help="Only the invoices in this state: open, partially_paid, paid, credited, or exhausted "
            "(the plan's last step sent, still open: finance decides what next)",
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

    if state is not None and state not in STATES:
        err.print(f"--state {state}: not a state ({', '.join(STATES)})", soft_wrap=True)
        raise typer.Exit(2)

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
    days: int = 14,
    now: NowOption = None,
    full: Annotated[bool, typer.Option("--full", help="Show each e-mail's text")] = False,
    as_json: JsonFlag = False,
) -> None:
    """What will go out in the next DAYS days, to whom, in which words. Sends nothing."""
    from agent import views
    from agent.cli.render import schedule_report
    from agent.clock import SystemClock, parse_instant
    from agent.db import session_scope

    instant = parse_instant(now) if now else SystemClock().now()
    runtime = open_runtime(data_dir)
    with session_scope(runtime.engine) as session:
        rows = views.schedule(session, runtime.settings, now=instant, days=days)
    if as_json:
        emit(rows)
    else:
        schedule_report(console, rows, timezone=runtime.settings.company.timezone, full=full)
