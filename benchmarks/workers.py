"""Three workers on one PostgreSQL and one Dovecot, one SIGKILLed mid-run and restarted, at full size.

    .venv/bin/python -m benchmarks.workers [--documents 300] [--steps 1000] [--workers 3] [--json]

The scenario and its checks are tests/workers_scenario.py (the suite runs a smaller one,
tests/test_workers.py): every forwarded document processed once, every due step sent once (counted by the
SMTP server that received them), no duplicate invoice, nothing left claimed. Reported: the seconds from
the workers' start to the end of the work, what was done when the worker was killed, and the checks'
problems (none expected).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import uuid
from pathlib import Path

from agent.settings import MailboxSettings
from tests.servers.dovecot import PASSWORD, DovecotServer
from tests.servers.postgres import PostgresServer
from tests.servers.smtp import SmtpServer
from tests.workers_scenario import run_workers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    postgres, dovecot, smtp = PostgresServer.start(), DovecotServer.start(), SmtpServer().start()
    try:
        mailbox = MailboxSettings(
            kind="imap",
            host="127.0.0.1",
            port=dovecot.imap_port,
            security="none",
            user=f"workers-{uuid.uuid4().hex[:8]}@example.test",
            password=PASSWORD,
        )
        with tempfile.TemporaryDirectory() as folder:
            report = run_workers(
                url=postgres.create_database("workers"),
                data_dir=Path(folder) / "data",
                mailbox=mailbox,
                smtp=smtp,
                documents=options.documents,
                steps=options.steps,
                workers=options.workers,
                kill_when_sent=options.steps // 5,
                deadline_seconds=1800,
            )
    finally:
        smtp.stop()
        dovecot.remove()
        postgres.stop()
    result = dataclasses.asdict(report) | {"seconds": round(report.seconds, 1)}
    if options.json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
