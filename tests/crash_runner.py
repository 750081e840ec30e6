"""Run a `relance` command that kills itself with SIGKILL at a chosen point: the crash harness's process.

    python -m tests.crash_runner --kill agent.ledger.records.allocate:after:2 -- tick --now 2026-12-02T08:30Z

The n-th time the named function is entered (`before`) or has returned (`after`), the process sends
itself SIGKILL: no `finally`, no rollback, no flush, exactly as the kernel's OOM killer or a power cut
would leave it. The production code carries no hook for this: the function is wrapped here, in every
loaded `agent` module that refers to it, before the command starts.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import signal
import sys
from collections.abc import Callable
from typing import Any


def resolve(path: str) -> tuple[Any, str, Callable[..., Any]]:
    """The owner (module or class), the attribute name and the function of a dotted path."""
    parts = path.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            owner: Any = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for name in parts[split:-1]:
            owner = getattr(owner, name)
        return owner, parts[-1], getattr(owner, parts[-1])
    raise SystemExit(f"crash_runner: cannot resolve {path}")


def killing(function: Callable[..., Any], *, when: str, nth: int) -> Callable[..., Any]:
    calls = 0

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if when == "before" and calls == nth:
            os.kill(os.getpid(), signal.SIGKILL)
        result = function(*args, **kwargs)
        if when == "after" and calls == nth:
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    return wrapper


def arm(point: str) -> None:
    """Wrap the function of `module.function:when:nth` wherever the agent's modules hold it."""
    path, when, nth = point.rsplit(":", 2)
    if when not in ("before", "after"):
        raise SystemExit(f"crash_runner: {when!r} is neither 'before' nor 'after'")
    importlib.import_module("agent.cli")  # the command's modules, so every reference is found
    owner, name, function = resolve(path)
    wrapped = killing(function, when=when, nth=int(nth))
    setattr(owner, name, wrapped)
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("agent") and getattr(module, name, None) is function:
            setattr(module, name, wrapped)  # `from x import f` copies: each copy is wrapped too


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kill", help="module.function:before|after:N", default=None)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    if options.kill:
        arm(options.kill)
    from agent.cli import app

    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    app(command, prog_name="relance")


if __name__ == "__main__":
    main()
