"""What a person types wrong gets one clear line and exit code 2, never a traceback; every option and
argument says what it is for; flags show no `<bool>`; `relance --version` answers.

The commands are walked from the Typer app itself, so a command added later is checked too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from agent import __version__
from agent.cli import app
from agent.cli.tokens import SCOPES
from agent.cli.users import ROLES
from agent.models.api_token import Scope
from agent.models.user import Role

runner = CliRunner()
# A valid value for each required parameter, by name, so that the one wrong value is the one tested.
VALID = {
    "invoice": "F-2026-0001",
    "reason": "a reason",
    "step": "courtesy",
    "plan": "standard",
    "email": "someone@example.com",
    "words": "mr",
    "task": "1",
    "outcome": "done",
    "document_id": "1",
    "payment_id": "1",
    "customer": "1",
    "amount": "10.00",
    "received": "2026-12-01",
    "series": "ecb_mro",
    "rate": "2.15",
    "effective_from": "2026-12-01",
    "user": "someone@example.com",
    "scope": "read",
    "role": "viewer",
    "token_id": "1",
}


def commands(group: Any = None, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command of the app with the words that call it, groups included."""
    group = group or typer.main.get_command(app)
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if hasattr(command, "commands"):
            yield from commands(command, (*path, name))


def required_args(command: Any, tmp_path: Path) -> list[str]:
    args: list[str] = []
    for param in command.params:
        if not param.required:
            continue
        value = str(tmp_path / "some.csv") if param.name in ("files", "paths") else VALID[param.name]
        args += [value] if param.param_type_name == "argument" else [param.opts[0], value]
    return args


def test_every_option_and_argument_says_what_it_is_for() -> None:
    missing = [
        f"{' '.join(words)} {param.name}"
        for words, command in commands()
        for param in command.params
        if not (getattr(param, "help", None) or "").strip()
    ]
    assert missing == []


def test_help_shows_no_bool_type_and_every_command_whole() -> None:
    seen = 0
    for words, _command in [((), None), *commands()]:
        shown = runner.invoke(app, [*words, "--help"])
        assert shown.exit_code == 0, shown.output
        assert "<bool>" not in shown.output, (words, shown.output)
        cut = [line for line in shown.output.splitlines()[1:] if line.rstrip().endswith("...")]
        assert cut == [], (words, shown.output)  # a command's line is never cut short
        seen += 1
    assert seen > 40


def test_version() -> None:
    shown = runner.invoke(app, ["--version"])
    assert shown.exit_code == 0 and shown.output == f"relance {__version__}\n"


def test_the_choices_the_cli_offers_are_the_models_own() -> None:
    assert tuple(Role) == ROLES and tuple(Scope) == SCOPES


def one_line_error(result: Any) -> str:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # not an error the command let out
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


def test_every_command_that_acts_at_an_instant_refuses_a_wrong_one(tmp_path: Path) -> None:
    (tmp_path / "some.csv").write_text("a;b\n", encoding="utf-8")
    data_dir = tmp_path / "data"
    tried = []
    for words, command in commands():
        if not any("--now" in param.opts for param in command.params):
            continue
        args = [*words, "--now", "yesterday", *required_args(command, tmp_path), "--data-dir", str(data_dir)]
        line = one_line_error(runner.invoke(app, args))
        assert line.startswith("error: --now yesterday: not an instant"), (words, line)
        tried.append(" ".join(words))
    assert len(tried) >= 15, tried
    assert not data_dir.exists()  # refused before anything was opened


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["pause", "F-1", "--reason", "r", "--until", "tomorrow"], "--until tomorrow: not a day"),
        (["payments", "record", "--customer", "1", "--amount", "10", "--date", "2026-13-01"], "--date"),
        (["payments", "record", "--customer", "1", "--amount", "ten", "--date", "2026-12-01"], "--amount"),
        (
            ["payments", "record", "--customer", "1", "--amount", "-5", "--date", "2026-12-01"],
            "more than zero",
        ),
        (
            [
                "payments",
                "record",
                "--customer",
                "1",
                "--amount",
                "5",
                "--date",
                "2026-12-01",
                "--currency",
                "EURO",
            ],
            "--currency EURO: not a currency",
        ),
        (["book", "--currency", "XYZ"], "--currency XYZ: not a currency"),
        (["payments", "list", "--status", "lost"], "not a payment status"),
        (["invoices", "--state", "late"], "--state late: not a state"),
        (["rates", "set", "ecb_mro", "two", "--from", "2026-01-01"], "'two' is not a rate in percent"),
        (["rates", "set", "ecb_mro", "2", "--from", "someday"], "--from someday: not a day"),
        (["tasks", "resolve", "1", "--outcome", "maybe"], "--outcome maybe: not one of"),
        (["users", "add", "a@example.com", "--role", "boss", "--password-stdin"], "--role boss: not a role"),
        (["tokens", "add", "--user", "a@example.com", "--scope", "all"], "--scope all: not a scope"),
    ],
)
def test_a_wrong_value_is_one_line_naming_it(tmp_path: Path, args: list[str], said: str) -> None:
    data_dir = tmp_path / "data"
    line = one_line_error(runner.invoke(app, [*args, "--data-dir", str(data_dir)]))
    assert said in line
    assert not data_dir.exists()


UNKNOWN = [
    (["documents", "show", "999"], "no document 999"),
    (["documents", "confirm", "999"], "no document 999"),
    (["documents", "reject", "999", "--reason", "r"], "no document 999"),
    (["inbox", "999"], "no message 999"),
    (["payments", "allocate", "999", "--invoice", "F-1"], "no payment 999"),
    (
        ["payments", "record", "--customer", "999", "--amount", "5", "--date", "2026-12-01"],
        "no account '999'",
    ),
    (["tasks", "resolve", "999", "--outcome", "done"], "no task 999"),
    (["tasks", "cancel", "RL-NOPE", "--reason", "r"], "no task RL-NOPE"),
    (["tasks", "answer", "999", "--email", "a@example.com"], "no task 999"),
    (["pause", "F-NOPE", "--reason", "r"], "no invoice F-NOPE"),
    (["resume", "F-NOPE"], "no invoice F-NOPE"),
    (["skip", "F-NOPE", "courtesy", "--reason", "r"], "no invoice F-NOPE"),
    (["history", "F-NOPE"], "no invoice F-NOPE"),
    (["set-plan", "standard", "--invoice", "F-NOPE"], "no invoice F-NOPE"),
    (["salutation", "nobody@example.com", "mr"], "no contact nobody@example.com"),
    (["rates", "show", "nope"], "unknown series 'nope'"),
]


def test_an_id_or_number_that_names_nothing_is_one_line(tmp_path: Path) -> None:
    data_dir = str(tmp_path / "data")
    for args, said in UNKNOWN:
        line = one_line_error(runner.invoke(app, [*args, "--data-dir", data_dir]))
        assert said in line, (args, line)
