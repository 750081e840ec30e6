"""The `relance` command. Every read command takes --json (one JSON document on stdout)."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Annotated, Any

import typer

from agent import views
from agent.cli_common import DataDir, JsonFlag, NowOption, console, emit, err, load_settings, open_runtime
from agent.cli_documents import documents_app
from agent.cli_extract import extract
from agent.cli_payments import payments_app, serve
from agent.cli_review import register as register_review
from agent.clock import FixedClock, SystemClock, parse_instant
from agent.db import session_scope, upgrade
from agent.runtime import Runtime
from agent.service import Agent

app = typer.Typer(help="relance: the collections agent.", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
config_app = typer.Typer(help="Configuration.", no_args_is_help=True)
plans_app = typer.Typer(help="Reminder plans.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(documents_app, name="documents")
app.add_typer(config_app, name="config")
app.add_typer(payments_app, name="payments")
app.add_typer(plans_app, name="plans")
app.command()(serve)
app.command()(extract)


@app.callback()
def main(config: Annotated[Path | None, typer.Option("--config", help="A relance.toml file")] = None) -> None:
    if config:
        os.environ["RELANCE_CONFIG"] = str(config)


@app.command()
def demo(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Run the whole product on generated invoices, with a simulated clock. No server, no key."""
    from agent.demo.scenario import run_demo
    from agent.render import demo_report

    if not as_json:
        err.print("[bold]relance demo[/]: forwarding invoices, answering tasks, running the plans...")
    from agent.demo.scenario import DemoFolderNotEmpty

    try:
        result = run_demo(data_dir)
    except DemoFolderNotEmpty as error:
        err.print(f"[red]error:[/] {error}")
        raise typer.Exit(2) from error
    runtime = Runtime.open(result.settings, FixedClock(result.ended_at))
    with session_scope(runtime.engine) as session:
        report = {
            "data_dir": str(result.data_dir),
            "inbound": views.inbound(session),
            "tasks": views.tasks(session, include_closed=True),
            "reminders": views.reminders(session),
            "timeline": views.timeline(session),
        }
    if as_json:
        emit(report)
        return
    demo_report(
        console,
        inbound=report["inbound"],
        tasks=report["tasks"],
        reminders=report["reminders"],
        timeline=report["timeline"],
        timezone=result.settings.company.timezone,
    )
    console.rule()
    console.print(f"Data directory: [bold]{result.data_dir}[/]", soft_wrap=True)
    command = sys.argv[0] if Path(sys.argv[0]).name == "relance" else f"{sys.executable} -m agent"
    console.print("Look around, for instance:")
    stop = f"{result.ended_at:%Y-%m-%dT%H:%MZ}"
    console.print(f"  {command} schedule --data-dir {result.data_dir} --now {stop} --days 30", soft_wrap=True)
    console.print(f"  {command} invoices --data-dir {result.data_dir}", soft_wrap=True)
    console.print(f"  the e-mails sent are in {result.data_dir / 'outbox'} (a Maildir)", soft_wrap=True)


@app.command()
def tick(data_dir: DataDir = None, now: NowOption = None, as_json: JsonFlag = False) -> None:
    """Run everything due at one instant: read the mailbox, resume answered tasks, send due reminders."""
    runtime = open_runtime(data_dir, now)
    with Agent(runtime) as agent:
        report = agent.tick()
    data = {
        "at": report.at.isoformat(),
        "received": report.received,
        "resumed": report.resumed,
        "dispatched": [vars(d) for d in report.dispatched],
    }
    if as_json:
        emit(data)
    else:
        console.print(
            f"{report.at:%Y-%m-%d %H:%M} UTC: {len(report.received)} message(s) read, "
            f"{len(report.resumed)} resumed, {len(report.dispatched)} reminder step(s) handled"
        )
        for item in report.dispatched:
            console.print(f"  reminder {item.reminder_id}: {item.state} ({item.reason})")


@app.command()
def run(
    data_dir: DataDir = None, interval: Annotated[int, typer.Option(help="Seconds between ticks")] = 60
) -> None:
    """The service loop: tick every INTERVAL seconds until SIGTERM or Ctrl-C."""
    from agent.loop import AlreadyRunning, run_service

    try:
        run_service(load_settings(data_dir), interval=interval)
    except AlreadyRunning as error:
        err.print(f"[red]error:[/] {error}")
        raise typer.Exit(3) from error
    except ValueError as error:  # a configuration that cannot work, said at start
        err.print(f"[red]error:[/] {error}")
        raise typer.Exit(2) from error


@app.command()
def ingest(
    paths: list[Path], data_dir: DataDir = None, now: NowOption = None, as_json: JsonFlag = False
) -> None:
    """Put files (.pdf, .xml) or whole e-mails (.eml) through the pipeline, as if forwarded by finance."""
    runtime = open_runtime(data_dir, now)
    results = []
    with Agent(runtime) as agent:
        for path in paths:
            raw = path.read_bytes() if path.suffix.lower() == ".eml" else _as_forward(runtime, path)
            inbound_id, status = agent.ingest(raw)
            results.append({"file": str(path), "inbound_id": inbound_id, "status": status})
    if as_json:
        emit(results)
    else:
        for item in results:
            console.print(f"{item['file']}: message {item['inbound_id']} {item['status']}")


def _as_forward(runtime: Runtime, path: Path) -> bytes:
    message = EmailMessage()
    message["From"] = runtime.settings.company.finance_address
    message["To"] = runtime.settings.company.collections_address
    message["Subject"] = f"relance ingest {path.name}"
    message["Message-ID"] = f"<ingest.{datetime.now().timestamp()}.{path.name}@relance.local>"
    message.set_content(f"Submitted with relance ingest: {path}")
    subtype = "xml" if path.suffix.lower() == ".xml" else "pdf"
    message.add_attachment(path.read_bytes(), maintype="application", subtype=subtype, filename=path.name)
    return message.as_bytes()


def _listing(data_dir: Path | None, as_json: bool, title: str, columns: list[str], rows_of: Any) -> None:
    runtime = open_runtime(data_dir)
    with session_scope(runtime.engine) as session:
        rows = rows_of(session, runtime)
    if as_json:
        emit(rows)
    else:
        from agent.render import table

        console.print(table(title, rows, columns))


@app.command()
def inbox(
    batch: Annotated[int | None, typer.Argument(help="One message (batch) id")] = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """What arrived: each message (a batch) with every file's status and error."""
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

    from agent.mail.safe_text import clean_line

    def shown(value: object) -> str:  # senders write these: one line, controls and bidi made visible
        return escape(clean_line(str(value)))

    for row in rows:
        console.print(
            f"[bold]#{row['id']}[/] {row['received_at'][:16]} {shown(row['sender'])} "
            f"«{shown(row['subject'])}» {row['kind'] or ''}: {row['status']}"
            + (f" ([red]{shown(row['error'])}[/])" if row["error"] else "")
        )
        for doc in row["documents"]:
            detail = doc["error"] or f"{doc['kind']} {doc['number']} {doc['amount_due']} {doc['currency']}"
            console.print(f"    {shown(doc['file'])}: {doc['status']}: {shown(detail)}")


@app.command()
def invoices(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Invoices with their balance and status."""
    _listing(
        data_dir,
        as_json,
        "Invoices",
        ["number", "account", "due_date", "amount_due", "balance", "currency", "status"],
        lambda s, _r: views.invoices(s),
    )


@app.command()
def accounts(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Customer accounts and their contact."""

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
def tasks(
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
    all_tasks: Annotated[bool, typer.Option("--all", help="Include closed tasks")] = False,
) -> None:
    """Questions waiting for finance."""
    _listing(
        data_dir,
        as_json,
        "Tasks",
        ["token", "kind", "title", "addressee", "status", "resolution"],
        lambda s, _r: views.tasks(s, include_closed=all_tasks),
    )


@app.command()
def schedule(
    data_dir: DataDir = None,
    days: int = 14,
    now: NowOption = None,
    full: Annotated[bool, typer.Option("--full", help="Show each e-mail's text")] = False,
    as_json: JsonFlag = False,
) -> None:
    """What will go out in the next DAYS days, to whom, in which words. Sends nothing."""
    from agent.render import schedule_report

    instant = parse_instant(now) if now else SystemClock().now()
    runtime = open_runtime(data_dir)
    with session_scope(runtime.engine) as session:
        rows = views.schedule(session, runtime.settings, now=instant, days=days)
    if as_json:
        emit(rows)
    else:
        schedule_report(console, rows, timezone=runtime.settings.company.timezone, full=full)


@plans_app.command("check")
def plans_check(data_dir: DataDir = None) -> None:
    """Validate every plan and the templates it needs in every language."""
    from agent.plans import check_plans
    from agent.templating import supported_languages

    settings = load_settings(data_dir)
    problems = check_plans(
        settings.workflows_dir,
        settings.templates_dir,
        supported_languages(settings.templates_dir),
        today=SystemClock().now().date(),
    )
    for problem in problems:
        err.print(f"[red]{problem}[/]")
    if problems:
        raise typer.Exit(1)
    console.print("every plan and template is in order")


@app.command()
def graph() -> None:
    """Print the agent graph as a Mermaid diagram (for docs/graph.md)."""
    from agent.graph import mermaid

    runtime = open_runtime(None)
    sys.stdout.write(mermaid(runtime) + "\n")


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDir = None) -> None:
    """Bring the database schema to the newest revision (SQLite or PostgreSQL)."""
    settings = load_settings(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    console.print("database schema is up to date")


@config_app.command("show")
def config_show(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """The effective configuration, secrets masked."""
    data = load_settings(data_dir).masked()
    if as_json:
        emit(data)
    else:
        console.print_json(json.dumps(data, default=str))


register_review(app)  # after `schedule`: the commands that steer it
