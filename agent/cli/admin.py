"""`relance db upgrade | config show | plans check`: the schema, the configuration and the plans."""

from __future__ import annotations

import json

import typer

from agent.cli.common import DataDir, JsonFlag, console, emit, err, group, load_settings

db_app = group(help="Database schema.", no_args_is_help=True)
config_app = group(help="Configuration.", no_args_is_help=True)
plans_app = group(help="Reminder plans.", no_args_is_help=True)


@plans_app.command("check")
def plans_check(data_dir: DataDir = None) -> None:
    """Validate every plan and the templates it needs in every language."""
    from agent.clock import SystemClock
    from agent.reminders.plan_check import check_plans
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


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDir = None) -> None:
    """Bring the database schema to the newest revision (SQLite or PostgreSQL)."""
    from agent.db import upgrade

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
