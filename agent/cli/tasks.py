"""`relance tasks [resolve | cancel | answer]`: the questions relance asked finance, and finance's answers
from the command line (the workspace's tasks page does the same through the same functions,
`agent.finance.task_answers`).

A task is named by its number or its token (RL-…). An answer to a contact request resumes the message
that waited for it before the command returns, as `relance documents confirm` does.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from agent.cli.common import (
    BadValue,
    DataDir,
    JsonFlag,
    NowOption,
    console,
    emit,
    err,
    fail,
    group,
    open_runtime,
)

if TYPE_CHECKING:
    from sqlmodel import Session

    from agent.runtime import Runtime

tasks_app = group(help="Questions waiting for finance, and your answers.", invoke_without_command=True)
By = Annotated[str | None, typer.Option("--by", help="Who decides (default: your user name)")]
OUTCOMES = {
    "resume": "resume",
    "keep-paused": "keep_paused",
    "cancel-invoice": "cancel_invoice",
    "done": "done",
}


def _outcome(value: str) -> str:
    if value not in OUTCOMES:
        raise BadValue(f"{value}: not one of {', '.join(OUTCOMES)}")
    return value


@tasks_app.callback()
def tasks(
    ctx: typer.Context,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
    all_tasks: Annotated[bool, typer.Option("--all", help="Include closed tasks")] = False,
) -> None:
    """Questions waiting for finance (with --all: closed ones too)."""
    if ctx.invoked_subcommand is not None:
        return
    from agent import views
    from agent.cli.render import table
    from agent.db import session_scope

    runtime = open_runtime(data_dir)
    with session_scope(runtime.engine) as session:
        rows = views.tasks(session, include_closed=all_tasks)
    if as_json:
        emit(rows)
        return
    console.print(table("Tasks", rows, ["id", "token", "kind", "title", "addressee", "status", "resolution"]))


def _settle(
    data_dir: Any,
    now: str | None,
    reference: str,
    act: Callable[[Session, Runtime, Any], str],
    *,
    resume: bool,
) -> None:
    from sqlmodel import select

    from agent.db import session_scope
    from agent.finance.task_answers import TaskRefused
    from agent.models import Task

    runtime = open_runtime(data_dir, now)
    try:
        with session_scope(runtime.engine) as session:
            column = Task.token if reference.upper().startswith("RL-") else Task.id
            key: Any = (
                reference.upper() if column is Task.token else (int(reference) if reference.isdigit() else -1)
            )
            task = session.exec(select(Task).where(column == key)).first()
            if task is None or task.kind == "digest":
                fail(f"no task {reference} (see `relance tasks`)")
            done = act(session, runtime, task)
    except TaskRefused as error:
        err.print(f"[red]refused:[/] {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(1) from error
    console.print(f"task {escape(reference)}: {escape(done)}", soft_wrap=True)
    if resume:
        from agent.flow.service import Agent

        with Agent(runtime) as agent:  # a message's thread may wait for this answer
            agent.resume_waiting()


@tasks_app.command()
def resolve(
    task: Annotated[str, typer.Argument(help="The task's number or token (RL-…)")],
    outcome: Annotated[
        str,
        typer.Option(
            "--outcome",
            help="resume (dispute settled), keep-paused (credit note to come), cancel-invoice (the customer "
            "was right), done (nothing to change)",
            callback=_outcome,
        ),
    ],
    invoice: Annotated[
        list[str] | None, typer.Option("--invoice", help="Only this invoice (number); default: all concerned")
    ] = None,
    note: Annotated[str, typer.Option("--note", help="Why, in words: kept with the task")] = "",
    by: By = None,
    data_dir: DataDir = None,
    now: NowOption = None,
) -> None:
    """Close a dispute, an "already paid" or an end-of-plan task with what happens to its invoices."""
    from agent.finance.task_answers import TaskRefused, concerned_invoices, resolve_task

    def act(session: Session, runtime: Runtime, found: Any) -> str:
        concerned = concerned_invoices(session, found)
        ids = None
        if invoice:
            ids = [i.id for i in concerned if i.number in set(invoice)]
            if len(ids) != len(set(invoice)):
                numbers = ", ".join(i.number for i in concerned) or "none"
                raise TaskRefused(f"the task concerns these open invoices only: {numbers}")
        return resolve_task(
            session, runtime.settings, task=found, outcome=OUTCOMES[outcome], note=note,
            by=by or getpass.getuser(), at=runtime.clock.now(), invoice_ids=ids,
        )  # fmt: skip

    _settle(data_dir, now, task, act, resume=False)


@tasks_app.command()
def cancel(
    task: Annotated[str, typer.Argument(help="The task's number or token (RL-…)")],
    reason: Annotated[str, typer.Option("--reason", help="Why the question no longer stands")],
    by: By = None,
    data_dir: DataDir = None,
    now: NowOption = None,
) -> None:
    """Cancel a task: nothing else changes."""
    from agent.finance.task_answers import cancel_task

    def act(session: Session, runtime: Runtime, found: Any) -> str:
        return cancel_task(
            session, task=found, reason=reason, by=by or getpass.getuser(), at=runtime.clock.now()
        )

    _settle(data_dir, now, task, act, resume=False)


@tasks_app.command()
def answer(
    task: Annotated[str, typer.Argument(help="The contact request's number or token (RL-…)")],
    email: Annotated[str, typer.Option("--email", help="Who receives the reminders")],
    name: Annotated[str, typer.Option("--name", help="The contact's name, as greetings use it")] = "",
    language: Annotated[str, typer.Option("--language", help="en, fr, de…; default: the country's")] = "",
    salutation: Annotated[
        str, typer.Option("--salutation", help="mr or ms; default: a neutral greeting")
    ] = "",
    by: By = None,
    data_dir: DataDir = None,
    now: NowOption = None,
) -> None:
    """Answer a contact request, with the same checks as an answer by e-mail."""
    from agent.finance.task_answers import answer_contact

    def act(session: Session, runtime: Runtime, found: Any) -> str:
        outcome = answer_contact(
            session, runtime.sender, runtime.settings, task=found, email=email, name=name, language=language,
            salutation=salutation, by=by or getpass.getuser(), at=runtime.clock.now(),
        )  # fmt: skip
        return outcome.message

    _settle(data_dir, now, task, act, resume=True)
