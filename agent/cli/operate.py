"""`relance demo | tick | run | ingest | serve | graph`: run the product, or one turn of it.

Each command imports the service (the agent graph, the mail clients) when it runs, not when the CLI
starts: `relance --help` and the read commands do not pay for them.
"""

from __future__ import annotations

import sys
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agent.cli.common import DataDir, JsonFlag, NowOption, console, emit, err, load_settings, open_runtime

if TYPE_CHECKING:
    from agent.runtime import Runtime

app = typer.Typer()


@app.command()
def demo(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Run the whole product on generated invoices, with a simulated clock. No server, no key."""
    from agent import views
    from agent.cli.render import demo_report
    from agent.clock import FixedClock
    from agent.db import session_scope
    from agent.demo.scenario import run_demo
    from agent.runtime import Runtime

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
    from agent.flow.service import Agent

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
    from agent.flow.loop import AlreadyRunning, run_service

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
    from agent.flow.service import Agent

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


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: payments.api_host")] = None,
    port: Annotated[int | None, typer.Option(help="Default: payments.api_port")] = None,
    data_dir: DataDir = None,
) -> None:
    """Serve the HTTP API (POST /api/payments) for an accounting tool to push payments."""
    import uvicorn

    from agent.web.app import create_app

    runtime = open_runtime(data_dir)
    settings = runtime.settings.payments
    if settings.api_token is None:
        err.print("[yellow]payments.api_token is not set: POST /api/payments will answer 503[/]")
    uvicorn.run(create_app(runtime), host=host or settings.api_host, port=port or settings.api_port)


@app.command()
def graph() -> None:
    """Print the agent graph as a Mermaid diagram (for docs/graph.md)."""
    from agent.flow.graph import mermaid

    runtime = open_runtime(None)
    sys.stdout.write(mermaid(runtime) + "\n")
