"""Helpers every model uses: UTC timestamps, money and JSON columns."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field

from agent.models.types import Money, UtcDateTime


def utc_field(*, nullable: bool = False, index: bool = False) -> Any:
    """A UTC instant column. Defaults to the row's creation time when not nullable."""
    if nullable:
        return Field(default=None, sa_column=Column(UtcDateTime(), nullable=True, index=index))
    return Field(
        default_factory=lambda: datetime.now(UTC),
        sa_column=Column(UtcDateTime(), nullable=False, index=index),
    )


def money_field(*, nullable: bool = False, default: Decimal | None = None) -> Any:
    return Field(default=default, sa_column=Column(Money(), nullable=nullable))


def json_field() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
