"""Run one `relance run` worker whose clock starts at a chosen instant and runs in real time.

    python -m tests.worker_runner --start 2026-11-27T08:30Z --origin 1796000000.0 --interval 1

The service is `agent.flow.loop.run_service`, exactly what `relance run` runs, with the settings from the
environment; only the clock is given: now = start + (wall time - origin). Every worker of a test gets the
same start and origin, so their clocks agree (leases are compared across workers), a restarted one
included, and the test does not depend on the day or hour it runs (send windows, business days).
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta

from agent.clock import parse_instant
from agent.flow.loop import run_service
from agent.settings import Settings


class RunningClock:
    def __init__(self, start: datetime, origin: float) -> None:
        self.start, self.origin = start, origin

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.time() - self.origin)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", required=True)
    parser.add_argument("--origin", type=float, required=True)
    parser.add_argument("--interval", type=int, default=1)
    options = parser.parse_args()
    clock = RunningClock(parse_instant(options.start), options.origin)
    run_service(Settings(), interval=options.interval, clock=clock)


if __name__ == "__main__":
    main()
