"""A real `relance web` process on loopback for the API tests, and what they share: settings in its
environment, users and tokens made with the real commands."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.clock import FixedClock
from agent.runtime import Runtime
from agent.settings import Settings
from tests.conftest import COMPANY

PROJECT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
MAX_FILE = 1_000_000  # mailbox.max_attachment_bytes of the served data: a photo fits, 413 is cheap to reach


def environment(data_dir: Path) -> dict[str, str]:
    """The settings of the served data, as environment variables (no relance.toml)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELANCE_")}
    env |= {
        "RELANCE_CONFIG": "/nonexistent/relance.toml",
        "RELANCE_DATA_DIR": str(data_dir),
        "RELANCE_MAILBOX__MAX_ATTACHMENT_BYTES": str(MAX_FILE),
        "PYTHONFAULTHANDLER": "1",
    }
    for name, value in COMPANY.model_dump(exclude_none=True).items():
        env[f"RELANCE_COMPANY__{name.upper()}"] = str(value)
    return env


def open_runtime(data_dir: Path) -> Runtime:
    """The same data as the served process, for the test to set up and check (SQLite, WAL)."""
    settings = Settings(data_dir=data_dir, company=COMPANY)
    settings.mailbox.max_attachment_bytes = MAX_FILE
    return Runtime.open(settings, FixedClock(NOW))


def relance(data_dir: Path, *args: str, stdin: str | None = None) -> str:
    """A `relance` command on the served data; its standard output."""
    result = CliRunner().invoke(
        app, [*args, "--data-dir", str(data_dir)], env=environment(data_dir), input=stdin
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def relance_refused(data_dir: Path, *args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--data-dir", str(data_dir)], env=environment(data_dir))
    assert result.exit_code == 1, result.output
    return " ".join(result.output.split())


def add_user(data_dir: Path, email: str, role: str) -> None:
    relance(
        data_dir, "users", "add", email, "--role", role, "--password-stdin", stdin="correct horse battery\n"
    )


def add_token(data_dir: Path, email: str, *scopes: str) -> str:
    """A token made by `relance tokens add`, read from what it prints (once)."""
    options = [item for scope in scopes for item in ("--scope", scope)]
    printed = relance(data_dir, "tokens", "add", "--user", email, *options)
    secret = printed.splitlines()[1].strip()
    assert secret.startswith("rlk_") and len(secret) == 47, printed
    return secret


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    url: str
    process: subprocess.Popen[str]

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


@contextmanager
def served(data_dir: Path) -> Iterator[Served]:
    """`relance web` on a free loopback port, at the tests' instant; stopped with SIGTERM (uvicorn's
    graceful stop, which stops the upload worker through the app's lifespan)."""
    port = _free_port()
    command = [sys.executable, "-m", "agent", "web", "--data-dir", str(data_dir), "--host", "127.0.0.1"]
    command += ["--port", str(port), "--now", NOW.isoformat()]
    process = subprocess.Popen(
        command,
        cwd=PROJECT,
        env=environment(data_dir),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                _out, err = process.communicate(timeout=30)
                pytest.fail(f"relance web did not start: {err[-4000:]}")
            time.sleep(0.1)
        yield Served(url, process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            _out, err = process.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)  # faulthandler prints every thread's stack
            _out, err = process.communicate(timeout=30)
            pytest.fail(f"relance web did not stop; its threads:\n{err[-8000:]}")
        assert "Traceback" not in err, err[-8000:]


def wait_finished(client: httpx.Client, batch_id: str, timeout: float = 180) -> dict[str, object]:
    """The batch once every file was read (OCR takes seconds on a loaded machine: a generous deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = client.get(f"/api/batches/{batch_id}")
        assert answer.status_code == 200, answer.text
        batch: dict[str, object] = answer.json()
        if batch["finished"]:
            return batch
        assert time.monotonic() < deadline, f"batch {batch_id} not finished: {batch}"
        time.sleep(0.2)
