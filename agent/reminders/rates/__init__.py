"""The dated reference-rate tables of the statutory late-payment claims, and finance's updates to them.

Shipped beside this file: one CSV per series (`effective_from,rate`, percent a year) and `series.yaml`
with each series' title, source and `checked_through`, the last day the table is known to be complete.
Rates change twice a year or more; relance never guesses one: a rate asked for a day after
`checked_through` (or before the first row) is unknown, and the claim that needs it is not computed.

Finance adds a rate with `relance rates set`, written to `<data_dir>/rates.csv` (series, effective_from,
rate, checked_through, entered_on). Its rows are laid over the shipped table: a row for a day the table
already has replaces it, and the series counts as checked through the latest date finance vouched for.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

SHIPPED = Path(__file__).resolve().parent
OVERRIDES_FILE = "rates.csv"
OVERRIDE_COLUMNS = ["series", "effective_from", "rate", "checked_through", "entered_on"]


@dataclass(frozen=True)
class RateChange:
    effective_from: date
    rate: Decimal  # percent a year
    origin: str  # "shipped" or "set on <date>"


@dataclass(frozen=True)
class RateSeries:
    key: str
    title: str
    source: str
    checked_through: date
    changes: tuple[RateChange, ...]  # by effective date

    def in_force(self, day: date) -> Decimal | None:
        """The rate in force on that day, or None when the table cannot say (too old or too new)."""
        if day > self.checked_through:
            return None
        current = None
        for change in self.changes:
            if change.effective_from > day:
                break
            current = change.rate
        return current


def _rate(text: str, where: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation as error:
        raise ValueError(f"{where}: {text!r} is not a rate in percent") from error
    if not value.is_finite() or not Decimal("-10") <= value <= Decimal("50"):
        raise ValueError(f"{where}: a reference rate of {value} % is not plausible")
    return value


def _shipped_changes(key: str) -> list[RateChange]:
    path = SHIPPED / f"{key}.csv"
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    return [
        RateChange(date.fromisoformat(row["effective_from"]), _rate(row["rate"], path.name), "shipped")
        for row in rows
    ]


def overrides_path(data_dir: Path) -> Path:
    return Path(data_dir) / OVERRIDES_FILE


def load_rates(data_dir: Path | None) -> dict[str, RateSeries]:
    """Every series: the shipped table with finance's rows from the data directory laid over it."""
    meta = yaml.safe_load((SHIPPED / "series.yaml").read_text(encoding="utf-8"))
    changes = {key: {c.effective_from: c for c in _shipped_changes(key)} for key in meta}
    checked = {key: date.fromisoformat(str(info["checked_through"])) for key, info in meta.items()}
    path = overrides_path(data_dir) if data_dir else None
    if path and path.exists():
        for number, row in enumerate(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))), 2):
            key = row["series"]
            if key not in meta:
                raise ValueError(f"{path} line {number}: unknown series {key!r}")
            start = date.fromisoformat(row["effective_from"])
            rate = _rate(row["rate"], f"{path} line {number}")
            changes[key][start] = RateChange(start, rate, f"set on {row['entered_on']}")
            checked[key] = max(checked[key], date.fromisoformat(row["checked_through"]))
    return {
        key: RateSeries(
            key=key,
            title=str(info["title"]),
            source=str(info["source"]),
            checked_through=checked[key],
            changes=tuple(sorted(changes[key].values(), key=lambda c: c.effective_from)),
        )
        for key, info in meta.items()
    }


def set_rate(data_dir: Path, key: str, *, effective_from: date, rate: Decimal, today: date) -> RateSeries:
    """Record that `rate` is in force from `effective_from`. Finance vouches for the series up to today
    when this is its latest change; a correction of an older period vouches for nothing newer."""
    series = load_rates(data_dir)
    if key not in series:
        raise ValueError(f"unknown series {key!r}: one of {', '.join(sorted(series))}")
    if effective_from > today:
        raise ValueError(f"{effective_from} is in the future: set a rate once it is in force")
    rate = _rate(str(rate), "rate")
    latest = all(c.effective_from <= effective_from for c in series[key].changes)
    through = today if latest else effective_from
    path = overrides_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    new_file = not path.exists()
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        if new_file:
            writer.writerow(OVERRIDE_COLUMNS)
        writer.writerow([key, effective_from.isoformat(), f"{rate}", through.isoformat(), today.isoformat()])
    return load_rates(data_dir)[key]
