"""What every `relance` command shares: consoles, the common options and their checks, how a runtime is
opened, and the help's layout.

This module is imported by every command module when `relance` starts, even for `--help`: it imports
typer and rich only. The settings, the database and the runtime are imported by the functions that
open them (`benchmarks/cli_start.py` measures the start; docs/benchmarks.md has the figures).

Exit codes: 2 when what was typed cannot be right (a bad value, an unknown id or number), said in one
line naming the option; 1 when relance refuses an action that was well formed (a state that does not
allow it); 3 when another service already runs.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console, ConsoleDimensions
from typer.core import TyperGroup

if TYPE_CHECKING:
    from agent.runtime import Runtime
    from agent.settings import Settings

PIPED_WIDTH = 160


class PersonConsole(Console):
    """A console whose messages are never broken inside a word, and whose width does not depend on the
    machine when it is not a terminal.

    Messages are printed whole (soft wrap): a terminal wraps them itself, so a path copied from it stays
    one piece. Piped, redirected to a log or captured by a test, rich would take its width from COLUMNS or
    from whichever standard stream happens to be a terminal; here it is fixed instead, decided at print
    time (a test runner swaps the streams after import), so a command prints the same text everywhere."""

    @property
    def size(self) -> ConsoleDimensions:
        if self.is_terminal:
            return super().size
        return ConsoleDimensions(PIPED_WIDTH, 25)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]


console = PersonConsole(soft_wrap=True)
err = PersonConsole(stderr=True, soft_wrap=True)


class BadValue(typer.BadParameter):
    """A value that cannot be right, said in one line (`error: --now yesterday: ...`) with exit code 2.
    Click's own usage errors print the usage and a hint before the message; a person who typed a
    date wrong needs only the message."""

    def show(self, file: Any = None) -> None:
        name = self.param.opts[0] if self.param is not None and self.param.opts else self.param_hint
        where = f"{name} " if name else ""
        err.print(f"[red]error:[/] {where}{_escape(self.message)}", soft_wrap=True)


def fail(message: str) -> NoReturn:
    """What was typed names nothing (no such document, invoice, payment): one line, exit code 2."""
    err.print(f"[red]error:[/] {_escape(message)}", soft_wrap=True)
    raise typer.Exit(2)


def refuse(message: str) -> NoReturn:
    """A well-formed action relance does not take (the state does not allow it): one line, exit code 1."""
    err.print(f"[red]refused:[/] {_escape(message)}", soft_wrap=True)
    raise typer.Exit(1)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _instant(value: str | None) -> str | None:
    if value is None:
        return None
    from agent.clock import parse_instant

    try:
        parse_instant(value)
    except ValueError as error:
        raise BadValue(f"{value}: not an instant; write 2026-12-01 or 2026-12-01T09:00Z (UTC)") from error
    return value


def day_value(value: str | None) -> str | None:
    """A callback for options that take a day: YYYY-MM-DD, checked before anything is opened."""
    if value is None:
        return None
    try:
        date.fromisoformat(value)
    except ValueError as error:
        raise BadValue(f"{value}: not a day; write YYYY-MM-DD, e.g. 2026-12-01") from error
    return value


def currency_value(value: str | None) -> str | None:
    """A callback for options that take a currency: an ISO 4217 code, given in any case."""
    if value is None:
        return None
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise BadValue(f"{value}: not a currency; write its ISO code, e.g. EUR, CHF, GBP")
    from babel.numbers import get_currency_name

    if get_currency_name(code, locale="en") == code:  # Babel names every code it knows
        raise BadValue(f"{value}: not a currency Babel knows (ISO 4217), e.g. EUR, CHF, GBP")
    return code


DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Data directory (default: RELANCE_DATA_DIR)")
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")]
NowOption = Annotated[
    str | None,
    typer.Option(
        "--now",
        callback=_instant,
        help="The instant to act at, ISO 8601, e.g. 2026-12-01T09:00Z (default: now)",
    ),
]
UtcFlag = Annotated[bool, typer.Option("--utc", help="Times in UTC (default: the company's time zone)")]


def load_settings(data_dir: Path | None) -> Settings:
    from agent.settings import Settings

    return Settings(data_dir=data_dir) if data_dir else Settings()


def instant(now: str | None) -> datetime:
    """The instant a command acts at: --now (checked by its callback), else the system clock's."""
    from agent.clock import SystemClock, parse_instant

    return parse_instant(now) if now else SystemClock().now()


def open_runtime(data_dir: Path | None, now: str | None = None) -> Runtime:
    from agent.clock import FixedClock, SystemClock, parse_instant
    from agent.db import SchemaOutOfDate
    from agent.runtime import Runtime

    settings = load_settings(data_dir)
    clock = FixedClock(parse_instant(now)) if now else SystemClock()
    try:
        return Runtime.open(settings, clock)
    except SchemaOutOfDate as error:
        err.print(f"[red]error:[/] {error}")
        raise typer.Exit(2) from error


def emit(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


class Group(TyperGroup):
    """A command group whose list of commands gives each one's first sentence whole, wrapped to the
    terminal, where click would cut it at a fixed length ("Run the whole product on generated...")."""

    def format_commands(self, ctx: typer.Context, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            text = command.short_help or " ".join((command.help or "").split("\n\n")[0].split())
            rows.append((name, _SENTENCE_END.split(text, maxsplit=1)[0]))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def group(**settings: Any) -> typer.Typer:
    """A command group as every one of relance's is made: click's plain help (flags without a `<bool>`
    type, no boxes to break in a narrow terminal), its commands listed by `Group`."""
    return typer.Typer(cls=Group, rich_markup_mode=None, add_completion=False, **settings)
