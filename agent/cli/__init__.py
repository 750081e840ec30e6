"""The `relance` command line: `main.py` assembles one module per command group (its docstring is the map)."""

from agent.cli.main import app

__all__ = ["app"]
