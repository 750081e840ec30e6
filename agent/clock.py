"""The clock is injected everywhere so a schedule can be simulated and tested.

Every function that needs "now" takes a `Clock` (or an explicit datetime); nothing calls
`datetime.now()` on its own. All instants are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that only moves when told to: used by `relance tick --now`, the demo and the tests."""

    current: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        self.current = as_utc(self.current)

    def now(self) -> datetime:
        return self.current

    def set(self, instant: datetime) -> None:
        self.current = as_utc(instant)

    def advance(self, delta: timedelta) -> datetime:
        self.current = self.current + delta
        return self.current


def as_utc(instant: datetime) -> datetime:
    """Naive datetimes are taken as UTC (that is how SQLite gives them back); aware ones are converted."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 instant as given on the command line (`2026-12-01`, `2026-12-01T09:00Z`)."""
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    return as_utc(datetime.fromisoformat(value))
