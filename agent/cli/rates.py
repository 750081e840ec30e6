"""`relance rates show | set`: the dated reference rates of the statutory late-payment claims.

The tables ship with relance (agent/reminders/rates/); finance adds each new rate when the central bank
changes it, or re-sets the current one to vouch that it still holds. A claim needing a rate the table
does not hold is not computed, so a missing update shows as a missing claim, never as a wrong figure.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Annotated

import typer

from agent.cli.common import (
    BadValue,
    DataDir,
    JsonFlag,
    NowOption,
    console,
    day_value,
    emit,
    err,
    fail,
    group,
    open_runtime,
)

if TYPE_CHECKING:
    from agent.reminders.rates import RateSeries

rates_app = group(
    help="Reference rates of the late-payment claims (ECB, Bundesbank base rate, Bank of England).",
    no_args_is_help=True,
)


def _as_json(series: RateSeries) -> dict[str, object]:
    return {
        "series": series.key,
        "title": series.title,
        "source": series.source,
        "checked_through": series.checked_through.isoformat(),
        "changes": [
            {"effective_from": c.effective_from.isoformat(), "rate": str(c.rate), "origin": c.origin}
            for c in series.changes
        ],
    }


@rates_app.command("show")
def show(
    series: Annotated[str | None, typer.Argument(help="One series: all its changes")] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Each series: its rate now, since when, and the day the table is checked through."""
    from agent.reminders.rates import load_rates, overrides_path

    runtime = open_runtime(data_dir)
    tables = load_rates(runtime.settings.data_dir)
    if series is not None and series not in tables:
        fail(f"unknown series {series!r}: one of {', '.join(sorted(tables))}")
    chosen = [tables[series]] if series else list(tables.values())
    if as_json:
        emit([_as_json(s) for s in chosen])
        return
    for table in chosen:
        latest = table.changes[-1]
        console.print(
            f"{table.key}: {latest.rate} % since {latest.effective_from}, "
            f"checked through {table.checked_through} ({table.title})"
        )
        if series:
            for change in reversed(table.changes):
                console.print(f"  {change.effective_from}  {change.rate:>6} %  {change.origin}")
            console.print(f"  source: {table.source}")
    console.print(f"finance's additions: {overrides_path(runtime.settings.data_dir)}")


def _rate(value: str) -> str:
    try:
        finite = Decimal(value).is_finite()
    except InvalidOperation:
        finite = False
    if not finite:
        raise BadValue(f"{value!r} is not a rate in percent")
    return value


@rates_app.command("set")
def set_command(
    series: Annotated[str, typer.Argument(help="ecb_mro, de_base_rate or boe_bank_rate")],
    rate: Annotated[str, typer.Argument(callback=_rate, help="Percent a year, e.g. 2.15 (negative allowed)")],
    effective_from: Annotated[
        str, typer.Option("--from", callback=day_value, help="First day in force, YYYY-MM-DD")
    ],
    data_dir: DataDir = None,
    now: NowOption = None,
) -> None:
    """Record a rate in force from a day on; as the latest change, it vouches for the series up to today."""
    from agent import audit
    from agent.db import session_scope
    from agent.reminders.rates import set_rate

    runtime = open_runtime(data_dir, now)
    at = runtime.clock.now()
    value = Decimal(rate)
    try:
        start = date.fromisoformat(effective_from)
        table = set_rate(runtime.settings.data_dir, series, effective_from=start, rate=value, today=at.date())
    except ValueError as error:
        err.print(f"[red]refused:[/] {error}")
        raise typer.Exit(1) from error
    with session_scope(runtime.engine) as session:
        message = f"{series}: {value} % from {start} (command line); checked through {table.checked_through}"
        audit.record(session, at=at, entity="rate", entity_id=None, action="rate_set", message=message)
    console.print(f"{series}: {value} % from {start}; the table is checked through {table.checked_through}")
