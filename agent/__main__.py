"""`python -m agent` runs the `relance` command."""

from agent.cli import app

app()
