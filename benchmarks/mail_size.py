"""Memory of one big message, from the embedded mailbox to its row (issue 17, item 6).

    .venv/bin/python -m benchmarks.mail_size [--megabytes 25] [--json]

Each measure runs in a fresh process (peak RSS is per process and never goes down), which only ticks:
the message is built and delivered to its Maildir by the parent.
`baseline` ticks one small message (an invoice PDF); `big` ticks one message whose PDF attachment is
padded to the size asked (a real invoice page, then an unused stream of random bytes, so the text path
reads it as it would a scan-heavy PDF); `over` ticks one message whose attachment is just over the
attachment limit (not decoded: quarantined with the reason). Reported: each peak, the big one's
increase over the baseline, and the outcome.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def padded_pdf(size: int) -> bytes:
    """An invoice PDF grown to `size` bytes by an unreferenced stream object before its trailer."""
    from tests.test_graph import invoice_pdf

    pdf = invoice_pdf("F-2026-9001", "1200.00")
    cut = pdf.rfind(b"\nxref") + 1  # the cross-reference table (not "startxref")
    padding = os.urandom(max(0, size - len(pdf) - 100))
    extra = b"999 0 obj\n<< /Length %d >>\nstream\n" % len(padding) + padding + b"\nendstream\nendobj\n"
    tail = re.sub(  # the cross-reference table moved by the padding: startxref says where it is now
        rb"startxref\s+(\d+)", lambda m: b"startxref\n%d" % (int(m.group(1)) + len(extra)), pdf[cut:]
    )
    return pdf[:cut] + extra + tail


def peak_rss_mb() -> float:
    """This process's peak RSS. Not ru_maxrss: Linux carries it over an exec from the parent that forked
    the child (here the parent, which built a 34 MB message, would be measured too). VmHWM is the
    high-water mark of this program's own memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(kind: str, data_dir: Path) -> dict[str, object]:
    from sqlmodel import select

    from agent.clock import FixedClock
    from agent.db import session_scope
    from agent.flow.service import Agent
    from agent.models import Document, InboundMessage
    from agent.runtime import Runtime
    from agent.settings import Settings
    from tests.conftest import COMPANY

    settings = Settings(data_dir=data_dir, company=COMPANY)
    runtime = Runtime.open(settings, FixedClock(datetime(2026, 11, 2, 8, 0, tzinfo=UTC)))
    with Agent(runtime) as agent:  # the message was delivered by the parent: only the tick is measured
        started = time.perf_counter()
        agent.tick()
        seconds = time.perf_counter() - started
        with session_scope(runtime.engine) as session:
            row = session.exec(select(InboundMessage)).one()
            files = [f"{d.filename} {d.status} {d.method or ''}" for d in session.exec(select(Document))]
            outcome = f"{row.status}: {row.error or ''}".strip(": ") + "".join(f"; {f}" for f in files)
    peak = peak_rss_mb()
    return {"kind": kind, "peak_mb": round(peak), "seconds": round(seconds, 2), "outcome": outcome}


def measure(kind: str, megabytes: float, folder: Path) -> dict[str, object]:
    from agent.mail.maildir import MaildirInbox
    from agent.settings import MailboxSettings
    from tests.conftest import make_email

    size = {"baseline": 0, "big": int(megabytes * 1_000_000)}.get(
        kind, MailboxSettings().max_attachment_bytes + 100_000
    )
    data_dir = folder / kind
    raw = make_email(files=[("big.pdf", padded_pdf(size))])
    MaildirInbox(data_dir / "inbox").deliver(raw)
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.mail_size", "--child", kind, "--data-dir", str(data_dir)],
        cwd=PROJECT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    return {"attachment_mb": size / 1e6, "message_mb": len(raw) / 1e6, **measured}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=float, default=25.0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=["baseline", "big", "over"])
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.data_dir)))
        return
    with tempfile.TemporaryDirectory() as folder:
        results = [measure(kind, args.megabytes, Path(folder)) for kind in ("baseline", "big", "over")]
    increase = int(results[1]["peak_mb"]) - int(results[0]["peak_mb"])  # type: ignore[call-overload]
    if args.json:
        print(json.dumps({"runs": results, "increase_mb": increase}, indent=2))
        return
    for run in results:
        print(f"{run['kind']:>8}: attachment {run['attachment_mb']:.1f} MB, peak RSS {run['peak_mb']} MB, "
              f"{run['seconds']} s, {run['outcome']}")  # fmt: skip
    print(f"a {args.megabytes:g} MB attachment costs {increase} MB over the baseline")


if __name__ == "__main__":
    main()
