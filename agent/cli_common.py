"""What every `relance` command shares: consoles, the common options, and how a runtime is opened."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from agent.clock import FixedClock, SystemClock, parse_instant
from agent.db import SchemaOutOfDate
from agent.runtime import Runtime
from agent.settings import Settings

console = Console()
err = Console(stderr=True)
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
