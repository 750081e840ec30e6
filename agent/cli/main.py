"""The `relance` command: only the assembly of the command groups, one module each.

operate.py    demo, tick, run, web, ingest, serve, graph  run the product, or one turn of it
lists.py      inbox, invoices, accounts, schedule         what there is (every one takes --json)
tasks.py      tasks [resolve | cancel | answer]         questions to finance, and the answers
steering.py   pause, resume, skip, set-plan, history    finance steers the schedule
documents.py  documents [show | confirm | reject]       finance checks a doubtful document
payments.py   payments [import | record | allocate | list]
extract.py    extract                                   read files, print what was understood
admin.py      db upgrade, config show, plans check
users.py      users [add | list | set-role | remove]       who may sign in to the workspace
tokens.py     tokens [add | list | revoke]                API tokens for programs (the HTTP API)
rates.py      rates [show | set]                       reference rates of the late-payment claims
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from agent.cli import admin, book, lists, operate, steering
from agent.cli.common import group
from agent.cli.documents import documents_app
from agent.cli.extract import extract
from agent.cli.payments import payments_app
from agent.cli.rates import rates_app
from agent.cli.tasks import tasks_app
from agent.cli.tokens import tokens_app
from agent.cli.users import users_app

app = group(help="relance: the collections agent.", no_args_is_help=True)


def _version(asked: bool) -> None:
    if asked:
        from agent import __version__

        typer.echo(f"relance {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    config: Annotated[Path | None, typer.Option("--config", help="A relance.toml file")] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print relance's version and stop"),
    ] = False,
) -> None:
    if config:
        os.environ["RELANCE_CONFIG"] = str(config)


# Typer merges a group added without a name into the top level: its commands become `relance <command>`.
# The order is the order of `relance --help`: run it, see what there is, steer it, read a file.
app.add_typer(operate.app)
app.add_typer(lists.app)
app.add_typer(book.app)  # the book at a glance: aging, DSO, cash expected
app.add_typer(steering.app)  # after `schedule`: the commands that steer it
extract_app = group()
extract_app.command()(extract)
app.add_typer(extract_app)
app.add_typer(admin.db_app, name="db")
app.add_typer(tasks_app, name="tasks")
app.add_typer(documents_app, name="documents")
app.add_typer(admin.config_app, name="config")
app.add_typer(payments_app, name="payments")
app.add_typer(admin.plans_app, name="plans")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(rates_app, name="rates")
