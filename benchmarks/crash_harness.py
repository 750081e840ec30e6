"""The crash harness, long: hundreds of seeded SIGKILLs across intake, extraction, recording, allocation,
payment import and dispatch, each followed by a restart, on real Dovecot and SMTP servers.

    .venv/bin/python -m benchmarks.crash_harness [--seed 1] [--kills-per-instant 32] [--json]

The scenario and its checks are tests/crash_harness.py (the suite runs a short version of it): every
message once, no invoice, credit note or payment twice, no reminder received twice by the SMTP server,
none after its invoice was paid, no step left between reserved and sent. Reported: kills that fired per
point, runs, the checks' problems (none expected), and the steps a kill left for a person to check
(sent or not is unknowable: neither re-sent nor forgotten).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from pathlib import Path

from agent.settings import MailboxSettings
from tests.crash_harness import run_harness
from tests.servers.dovecot import PASSWORD, DovecotServer
from tests.servers.smtp import SmtpServer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kills-per-instant", type=int, default=32)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    dovecot, smtp = DovecotServer.start(), SmtpServer().start()
    try:
        mailbox = MailboxSettings(
            kind="imap",
            host="127.0.0.1",
            port=dovecot.imap_port,
            security="none",
            user=f"crash-{uuid.uuid4().hex[:8]}@example.test",
            password=PASSWORD,
        )
        started = time.monotonic()
        with tempfile.TemporaryDirectory() as folder:
            report = run_harness(
                data_dir=Path(folder) / "data",
                mailbox=mailbox,
                smtp=smtp,
                seed=options.seed,
                kills_per_instant=options.kills_per_instant,
            )
        seconds = time.monotonic() - started
    finally:
        smtp.stop()
        dovecot.remove()
    result = {
        "seed": options.seed,
        "kills": report.total_kills,
        "armed_runs": report.attempts,
        "runs": report.runs,
        "kills_per_point": dict(report.kills.most_common()),
        "messages": report.messages,
        "emails_received_by_smtp": report.reminders_received,
        "steps_sent": report.sent,
        "steps_for_a_person": report.ambiguous,
        "problems": report.problems,
        "seconds": round(seconds),
    }
    if options.json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
