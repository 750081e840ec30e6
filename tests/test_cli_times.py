"""Every time the CLI shows names its zone: the company's by default, UTC with --utc, and JSON times
carry their offset."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from agent.cli import app
from agent.runtime import Runtime
from agent.settings import Settings
from tests.helpers import planned_invoice


def test_history_names_the_zone_of_its_times(runtime: Runtime, settings: Settings) -> None:
    planned_invoice(runtime, number="F-2026-0042")
    runner, data_dir = CliRunner(), ["--data-dir", str(settings.data_dir)]
    local = runner.invoke(app, ["history", "F-2026-0042", *data_dir])
    assert local.exit_code == 0, local.output
    times = re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d \S+", local.output)
    assert times and all(time.endswith(" Europe/Paris") for time in times), local.output
    assert "2026-11-27 09:" in local.output  # the courtesy step, at 09:00 in Paris
    utc = runner.invoke(app, ["history", "F-2026-0042", "--utc", *data_dir])
    assert "2026-11-27 08:00 UTC  courtesy" in utc.output and "09:00 Europe/Paris" not in utc.output
    data = json.loads(runner.invoke(app, ["history", "F-2026-0042", "--json", *data_dir]).output)
    assert all(step["planned_at"].endswith("+00:00") for step in data["steps"])
