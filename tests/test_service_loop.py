"""`relance run`: ticks under APScheduler, refuses a second service on the same data, stops on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from tests.conftest import make_email

PROJECT = Path(__file__).resolve().parents[1]


def relance(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "agent", *args],
        cwd=PROJECT,
        env={**env, "PYTHONFAULTHANDLER": "1"},
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def stopped(service: subprocess.Popen[str], timeout: float = 120) -> tuple[str, str]:
    """Wait for a signalled service; if it hangs, fail with every thread's stack (faulthandler, enabled
    by PYTHONFAULTHANDLER in its environment), not a bare timeout."""
    try:
        return service.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        service.send_signal(signal.SIGABRT)
        _out, err = service.communicate(timeout=30)
        pytest.fail(f"the service did not stop within {timeout} s; its threads:\n{err[-8000:]}")


def test_run_ticks_refuses_a_second_instance_and_stops_on_sigterm(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELANCE_")}
    env |= {
        "RELANCE_CONFIG": "/nonexistent/relance.toml",
        "RELANCE_COMPANY__FINANCE_ADDRESS": "fin@x.example",
    }
    service = relance("run", "--data-dir", str(data_dir), "--interval", "1", env=env)
    try:
        lock = data_dir / "relance.lock"
        deadline = time.monotonic() + 30
        while not (lock.exists() and lock.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.1)
        second = relance("run", "--data-dir", str(data_dir), env=env)
        _out, err = second.communicate(timeout=60)
        assert second.returncode == 3
        assert f"relance is already running on {data_dir} (pid {service.pid})" in " ".join(err.split())

        from agent.mail.maildir import MaildirInbox

        MaildirInbox(data_dir / "inbox").deliver(make_email(sender="fin@x.example", body="no attachment"))
        deadline = time.monotonic() + 30
        while list(MaildirInbox(data_dir / "inbox").fetch_new()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert list(MaildirInbox(data_dir / "inbox").fetch_new()) == []  # the running service read it
    finally:
        service.send_signal(signal.SIGTERM)
        _out, err = stopped(service, timeout=60)
    assert service.returncode == 0, err
    assert "signal SIGTERM: stopping after the current tick" in err and "relance stopped" in err


def test_db_upgrade_and_payments_import_from_the_command_line(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"RELANCE_CONFIG": "/nonexistent/relance.toml"}
    upgraded = runner.invoke(app, ["db", "upgrade", "--data-dir", str(tmp_path)], env=env)
    assert upgraded.exit_code == 0 and (tmp_path / "relance.sqlite3").exists()
    csv = tmp_path / "bank.csv"
    csv.write_text("Date;Montant;Libellé;Tiers\n01/12/2026;10,00;VIREMENT;X\n", encoding="utf-8")
    imported = runner.invoke(
        app, ["payments", "import", str(csv), "--data-dir", str(tmp_path), "--json"], env=env
    )
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout) | {"imported": 1, "unmatched": 1} == json.loads(imported.stdout)
    bad = tmp_path / "bad.csv"
    bad.write_text("nothing useful here\n", encoding="utf-8")
    refused = runner.invoke(app, ["payments", "import", str(bad), "--data-dir", str(tmp_path)], env=env)
    assert refused.exit_code == 1
    assert "not a CSV with ';', ',' or tab separated columns" in refused.output
    assert "Traceback" not in refused.output


def test_run_with_an_incomplete_imap_configuration_says_so_at_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELANCE_")}
    env |= {"RELANCE_CONFIG": "/nonexistent/relance.toml", "RELANCE_MAILBOX__KIND": "imap"}
    done = subprocess.run(
        [sys.executable, "-m", "agent", "run", "--data-dir", str(tmp_path)],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    message = " ".join(done.stderr.split())
    assert "mailbox.kind is imap but mailbox.host or mailbox.user is not set" in message
    assert "Traceback" not in done.stderr


def test_sigterm_during_a_tick_lets_it_finish(tmp_path: Path) -> None:
    import sqlite3
    from contextlib import closing

    from agent.mail.maildir import MaildirInbox
    from tests.test_graph import invoice_pdf

    data_dir = tmp_path / "data"
    inbox = MaildirInbox(data_dir / "inbox")
    total = 60
    for index in range(total):
        inbox.deliver(
            make_email(sender="fin@x.example", files=[(f"{index}.pdf", invoice_pdf(f"F-{index:04d}", "1"))])
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELANCE_")}
    env |= {
        "RELANCE_CONFIG": "/nonexistent/relance.toml",
        "RELANCE_COMPANY__FINANCE_ADDRESS": "fin@x.example",
    }
    service = relance("run", "--data-dir", str(data_dir), "--interval", "600", env=env)
    database = data_dir / "relance.sqlite3"

    def kept() -> int:
        # closing() matters: a connection left open keeps a read lock that would block the service's writes
        try:
            with closing(sqlite3.connect(database)) as connection:
                return int(connection.execute("SELECT count(*) FROM inbound_message").fetchone()[0])
        except sqlite3.Error:
            return 0

    deadline = time.monotonic() + 60
    while kept() < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    service.send_signal(signal.SIGTERM)  # the first tick is under way
    _out, err = stopped(service)
    assert service.returncode == 0, err
    assert kept() == total and list(MaildirInbox(data_dir / "inbox").fetch_new()) == []
    with closing(sqlite3.connect(database)) as connection:
        statuses = {row[0] for row in connection.execute("SELECT status FROM inbound_message")}
    # Every message went the whole way (an invoice with no contact waits for finance): none was left
    # half-done, and none failed because the agent was closed under the tick.
    assert statuses == {"waiting"}
    assert len(MaildirInbox(data_dir / "inbox").folders["quarantine"]) == 0
