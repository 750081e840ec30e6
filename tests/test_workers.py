"""Three `relance run` workers on one PostgreSQL and one Dovecot share the work; one is SIGKILLed mid-run
and restarted: every message processed once, every step sent once, nothing left claimed. The full run
(300 documents, 1 000 steps) is `python -m benchmarks.workers`; its figures are in docs/reliability.md."""

from __future__ import annotations

import uuid
from pathlib import Path

from agent.settings import MailboxSettings
from tests.servers.dovecot import PASSWORD, DovecotServer
from tests.servers.postgres import PostgresServer
from tests.servers.smtp import SmtpServer
from tests.workers_scenario import run_workers


def test_three_workers_one_killed_share_the_work_exactly_once(
    tmp_path: Path, postgres: PostgresServer, dovecot: DovecotServer, smtp_server: SmtpServer
) -> None:
    mailbox = MailboxSettings(
        kind="imap",
        host="127.0.0.1",
        port=dovecot.imap_port,
        security="none",
        user=f"workers-{uuid.uuid4().hex[:8]}@example.test",
        password=PASSWORD,
    )
    url = postgres.create_database(f"relance_{uuid.uuid4().hex[:10]}")
    report = run_workers(
        url=url, data_dir=tmp_path / "data", mailbox=mailbox, smtp=smtp_server, documents=24, steps=90
    )
    assert report.problems == [], report
    assert report.killed_after["sent"] < report.steps, report  # the kill came while there was work left
    assert report.steps_sent >= report.steps - 1
