"""The contract for payment connectors: one module per accounting tool or bank feed.

A connector turns what a tool knows into `PaymentLine`s; the importer does everything else
(deduplication, matching, tasks, stopping reminders), so a connector stays small and cannot get
those wrong. The contract, in full:

- `fetch(since=...)` returns the payments received since that instant (None: all it can see). It
  may return payments already imported: each is recognised by `external_id`, which must be stable
  (the tool's own payment id, prefixed with the connector's kind).
- It raises on any failure (network, authentication, unreadable answer). The tick logs and audits
  the failure, and the last successful sync time does not move, so reminders are held when the data
  gets stale (`reminders.max_payment_sync_age_hours`).
- It is built by a factory `(name, options, settings) -> PaymentConnector`, found by the `kind` in
  `[payments.connectors.<name>]`: a built-in kind, an entry point of the group
  `relance.payment_connectors`, or `"package.module:factory"`.

Built in: `file`, a CSV or CAMT file that an accounting tool rewrites in place (a mounted share, a
sync folder). Pennylane, Zoho Books or NetSuite connectors fit the same contract; they need the
network, which this project cannot test against, so none is shipped.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from datetime import datetime
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol

from agent.payments.importing import read_payment_file
from agent.payments.lines import ImportReport, PaymentLine
from agent.settings import Settings

ENTRY_POINT_GROUP = "relance.payment_connectors"


class PaymentConnector(Protocol):
    name: str

    def fetch(self, *, since: datetime | None) -> Iterable[PaymentLine]: ...


ConnectorFactory = Callable[[str, dict[str, Any], Settings], PaymentConnector]


class FileConnector:
    """A payment file rewritten in place by another tool; every payment in it is offered each time and
    the importer keeps the new ones."""

    def __init__(self, name: str, options: dict[str, Any], settings: Settings) -> None:
        if "path" not in options:
            raise ValueError(f"connector {name}: the file connector needs a 'path'")
        self.name, self.path, self.settings = name, Path(options["path"]), settings

    def fetch(self, *, since: datetime | None) -> Iterable[PaymentLine]:
        report = ImportReport()
        _kind, lines = read_payment_file(self.path.read_bytes(), self.settings, report)
        if report.errors:
            raise ValueError(f"{self.path}: {'; '.join(report.errors[:3])}")
        return lines


BUILT_IN: dict[str, ConnectorFactory] = {"file": FileConnector}


def find_factory(kind: str) -> ConnectorFactory:
    if kind in BUILT_IN:
        return BUILT_IN[kind]
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if entry.name == kind:
            factory: ConnectorFactory = entry.load()
            return factory
    if ":" in kind:
        module, _, attribute = kind.partition(":")
        factory = getattr(importlib.import_module(module), attribute)
        return factory
    raise ValueError(f"unknown payment connector kind {kind!r} (built in: {', '.join(BUILT_IN)})")


def load_connectors(settings: Settings) -> list[PaymentConnector]:
    connectors = []
    for name, options in settings.payments.connectors.items():
        if "kind" not in options:
            raise ValueError(f"[payments.connectors.{name}] needs a 'kind'")
        connectors.append(find_factory(str(options["kind"]))(name, dict(options), settings))
    return connectors
