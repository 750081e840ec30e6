"""How fast `relance` answers: `relance --help`, `relance --version` and the read commands on the demo's
data, beside a bare `python -c pass` measured in the same run (the floor any Python command pays).

    .venv/bin/python -m benchmarks.cli_start [--runs 15] [--data-dir DIR] [--json]   (repo root)

Each command runs `--runs` times as a fresh process (the `relance` script installed beside this
interpreter), alternating between the commands so a busy moment of the machine is shared between them
rather than falling on one; reported: the median and the fastest run of each, in seconds, and each
median over the `python -c pass` median. Without --data-dir a demo is run first into a temporary
folder (that run is not measured). The targets of issue 22: `--help` under 0.3 s, a read command on
the demo's data under 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"--help": 0.3, "--version": 0.3, "invoices": 0.5, "schedule": 0.5, "tasks": 0.5}


def commands(data_dir: Path) -> dict[str, list[str]]:
    script = Path(sys.executable).with_name("relance")  # the installed command, as a person runs it
    relance = [str(script)] if script.exists() else [sys.executable, "-m", "agent"]
    folder = ["--data-dir", str(data_dir)]
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "--help": [*relance, "--help"],
        "--version": [*relance, "--version"],
        "invoices": [*relance, "invoices", *folder],
        "schedule": [*relance, "schedule", *folder, "--now", "2027-01-05T09:30Z", "--days", "30"],
        "tasks": [*relance, "tasks", *folder],
    }


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def measure(data_dir: Path, runs: int) -> dict[str, dict[str, float]]:
    env = {**os.environ, "COLUMNS": "120"}
    env.pop("RELANCE_CONFIG", None)
    argvs = commands(data_dir)
    for argv in argvs.values():  # once each, unmeasured: the file cache warm for every command alike
        timed(argv, env)
    times: dict[str, list[float]] = {name: [] for name in argvs}
    for _ in range(runs):
        for name, argv in argvs.items():
            times[name].append(timed(argv, env))
    floor = statistics.median(times["python -c pass"])
    return {
        name: {
            "median_s": round(statistics.median(values), 3),
            "fastest_s": round(min(values), 3),
            "times_python": round(statistics.median(values) / floor, 1),
            **({"target_s": TARGETS[name]} if name in TARGETS else {}),
        }
        for name, values in times.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--data-dir", type=Path, default=None, help="A demo's data (default: run one)")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    scratch = None
    data_dir = options.data_dir
    if data_dir is None:
        scratch = Path(tempfile.mkdtemp(prefix="relance-cli-bench-"))
        data_dir = scratch / "demo"
        subprocess.run(
            [sys.executable, "-m", "agent", "demo", "--data-dir", str(data_dir), "--json"],
            stdout=subprocess.DEVNULL,
            check=True,
        )
    try:
        results = measure(data_dir, options.runs)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    if options.json:
        print(json.dumps({"machine": machine, "runs": options.runs, "results": results}, indent=2))
        return
    print(f"{machine}; {options.runs} runs of each, alternating")
    for name, row in results.items():
        target = f"  (target {row['target_s']} s)" if "target_s" in row else ""
        print(
            f"  {name:<16} median {row['median_s']:.3f} s  fastest {row['fastest_s']:.3f} s  "
            f"{row['times_python']:>5}x python{target}"
        )


if __name__ == "__main__":
    main()
