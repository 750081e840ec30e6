"""`relance demo | tick | run | web | ingest | serve | graph`: run the product, or one turn of it.

Each command imports the service (the agent graph, the mail clients) when it runs, not when the CLI
starts: `relance --help` and the read commands do not pay for them.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agent.cli.common import (
    DataDir,
    JsonFlag,
    NowOption,
    console,
    emit,
    err,
    group,
    load_settings,
    open_runtime,
)

if TYPE_CHECKING:
    import uvicorn

    from agent.runtime import Runtime
    from agent.settings import Settings

app = group()


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
    command = sys.argv[0] if Path(sys.argv[0]).name == "relance" else f"{sys.executable} -m agent"
    stop = f"{result.ended_at:%Y-%m-%dT%H:%MZ}"
    with session_scope(runtime.engine) as session:
        report = {
            "data_dir": str(result.data_dir),
            "inbound": views.inbound(session),
            "tasks": views.tasks(session, include_closed=True),
            "reminders": views.reminders(session),
            "timeline": views.timeline(session),
            "workspace": _demo_admin(
                session, runtime, f"{command} web --data-dir {result.data_dir} --now {stop}"
            ),
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
    workspace = report["workspace"]
    console.print("Open the finance workspace on the demo's book:")
    console.print(f"  {workspace['command']}", soft_wrap=True)
    web = runtime.settings.web
    console.print(
        f"  then http://{web.host}:{web.port}/ and sign in as {workspace['email']} "
        f"with the password {workspace['password']}",
        soft_wrap=True,
    )
    console.print("Or look around on the command line, for instance:")
    console.print(f"  {command} schedule --data-dir {result.data_dir} --now {stop} --days 30", soft_wrap=True)
    console.print(f"  {command} invoices --data-dir {result.data_dir}", soft_wrap=True)
    console.print(f"  the e-mails sent are in {result.data_dir / 'outbox'} (a Maildir)", soft_wrap=True)


def _demo_admin(session: Any, runtime: Runtime, command: str) -> dict[str, str]:
    """An administrator for the demo's workspace, with a random password (there is never a default one)."""
    import secrets

    from agent.models.user import Role
    from agent.web.auth import add_user

    email, password = "admin@demo.example", secrets.token_urlsafe(12)
    add_user(session, email=email, password=password, role=Role.ADMIN, at=runtime.clock.now())
    return {"command": command, "email": email, "password": password}


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
    data_dir: DataDir = None,
    interval: Annotated[int, typer.Option(help="Seconds between ticks")] = 60,
    web: Annotated[
        bool, typer.Option("--web", help="Serve the finance workspace too (web.host:web.port)")
    ] = False,
) -> None:
    """The service loop: tick every INTERVAL seconds until SIGTERM or Ctrl-C."""
    from agent.flow.loop import AlreadyRunning, run_service

    settings = load_settings(data_dir)
    server = _start_workspace_thread(settings) if web else None
    try:
        run_service(settings, interval=interval)
    except AlreadyRunning as error:
        err.print(f"[red]error:[/] {error}")
        raise typer.Exit(3) from error
    except ValueError as error:  # a configuration that cannot work, said at start
        err.print(f"[red]error:[/] {error}")
        raise typer.Exit(2) from error
    finally:
        if server is not None:
            server.should_exit = True  # after the loop's last tick: the workspace stops with it


def _start_workspace_thread(settings: Settings) -> uvicorn.Server:
    """The workspace in a thread of the service's process: same settings, same database. The loop keeps
    the main thread (it owns the signals); uvicorn does not install its own handlers outside it."""
    import threading

    import uvicorn

    from agent.clock import SystemClock
    from agent.runtime import Runtime
    from agent.web.app import create_app

    runtime = Runtime.open(settings, SystemClock())
    config = uvicorn.Config(
        create_app(runtime),
        host=settings.web.host,
        port=settings.web.port,
        log_level="warning",
        proxy_headers=True,
    )
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, name="relance-web", daemon=True).start()
    err.print(f"workspace: http://{settings.web.host}:{settings.web.port}/")
    return server


@app.command("web")
def web_command(
    host: Annotated[str | None, typer.Option(help="Default: web.host (127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Default: web.port (8000)")] = None,
    data_dir: DataDir = None,
    now: NowOption = None,
) -> None:
    """Serve the finance workspace: the schedule, invoices and their e-mails, in a browser.

    Sign in with a user made by `relance users add`. With --now the workspace reads the book at that
    instant (the demo's data, for instance); its clock stays there."""
    import uvicorn

    from agent.web.app import create_app

    runtime = open_runtime(data_dir, now)
    settings = runtime.settings.web
    bind_host, bind_port = host or settings.host, port or settings.port
    err.print(f"relance workspace: http://{bind_host}:{bind_port}/  (Ctrl-C to stop)", soft_wrap=True)
    # proxy_headers: behind a TLS proxy on this machine, cookies are marked Secure (X-Forwarded-Proto).
    uvicorn.run(create_app(runtime), host=bind_host, port=bind_port, log_level="warning", proxy_headers=True)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="PDF or XML files, or .eml e-mails")],
    data_dir: DataDir = None,
    now: NowOption = None,
    as_json: JsonFlag = False,
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
    from email.message import EmailMessage

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

    sys.stdout.write(mermaid() + "\n")
