"""What the CLI prints for a person does not depend on the terminal's width or the temp path's length:
messages are printed whole, piped tables have one width everywhere, identifiers are never cut."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from agent.cli import app
from agent.cli.common import PersonConsole
from agent.cli.render import table

ROWS = [
    {"number": "F-2026-000000412", "account": "Atelier Numérique de la Vallée SARL", "status": "open"},
    {"number": "F-2026-000000413", "account": "Atelier Numérique de la Vallée SARL", "status": "paid"},
]


@pytest.mark.parametrize("columns", [None, "40", "200"])
def test_an_error_is_printed_on_one_line_whatever_the_width_and_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, columns: str | None
) -> None:
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 4)
    deep.mkdir(parents=True)
    bad = deep / "bank export.csv"
    bad.write_text("nothing useful here\n", encoding="utf-8")
    env = {"RELANCE_CONFIG": "/nonexistent/relance.toml"}
    args = ["payments", "import", str(bad), "--data-dir", str(tmp_path / "data")]
    refused = CliRunner().invoke(app, args, env=env)
    assert refused.exit_code == 1
    lines = refused.output.splitlines()
    assert f"error: {bad}: not a CSV with ';', ',' or tab separated columns" in lines


def test_a_piped_table_is_the_same_whatever_columns_says(monkeypatch: pytest.MonkeyPatch) -> None:
    def printed(console_class: type[Console], columns: str) -> str:
        monkeypatch.setenv("COLUMNS", columns)
        buffer = io.StringIO()
        console_class(file=buffer, soft_wrap=True).print(
            table("Invoices", ROWS, ["number", "account", "status"])
        )
        return buffer.getvalue()

    narrow, wide = printed(PersonConsole, "30"), printed(PersonConsole, "300")
    assert narrow == wide
    assert "F-2026-000000412" in narrow and "Atelier Numérique de la Vallée SARL" in narrow
    assert printed(Console, "30") != printed(Console, "300")  # what rich alone does: the reason for the class


def test_a_narrow_terminal_never_cuts_an_identifier() -> None:
    buffer = io.StringIO()
    Console(file=buffer, width=40).print(table("Invoices", ROWS, ["number", "account", "status"]))
    shown = buffer.getvalue()
    assert "F-2026-000000412" in shown and "F-2026-000000413" in shown  # the account column gives way
