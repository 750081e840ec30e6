"""What every `relance` command shares: consoles, the common options, and how a runtime is opened."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console, ConsoleDimensions

from agent.clock import FixedClock, SystemClock, parse_instant
from agent.db import SchemaOutOfDate
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
DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Data directory (default: RELANCE_DATA_DIR)")
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")]
NowOption = Annotated[
    str | None, typer.Option("--now", help="The instant to act at, ISO 8601 (default: now)")
]


def load_settings(data_dir: Path | None) -> Settings:
    return Settings(data_dir=data_dir) if data_dir else Settings()


def open_runtime(data_dir: Path | None, now: str | None = None) -> Runtime:
    settings = load_settings(data_dir)
    clock = FixedClock(parse_instant(now)) if now else SystemClock()
    try:
        return Runtime.open(settings, clock)
    except SchemaOutOfDate as error:
        err.print(f"[red]error:[/] {error}")
        raise typer.Exit(2) from error


def emit(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
