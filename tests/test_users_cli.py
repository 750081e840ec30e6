"""`relance users`: no default user; add (password from standard input), list, set-role and remove, each
ending the person's sessions where it should."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session, select
from typer.testing import CliRunner

from agent.cli import app
from agent.clock import FixedClock
from agent.models import User, WebSession
from agent.runtime import Runtime
from agent.settings import Settings
from agent.web import auth

runner = CliRunner()


def users(data_dir: Path, *args: str, given: str | None = None) -> str:
    result = runner.invoke(app, ["users", *args, "--data-dir", str(data_dir)], input=given)
    assert result.exit_code == 0, result.output
    return result.output


def test_users_are_added_listed_changed_and_removed(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert users(data_dir, "list", "--json").strip() == "[]"  # no default user
    users(
        data_dir,
        "add",
        "Ana@Example.COM",
        "--role",
        "finance",
        "--password-stdin",
        given="a long passphrase\n",
    )
    refused = runner.invoke(
        app,
        ["users", "add", "bob@example.com", "--password-stdin", "--data-dir", str(data_dir)],
        input="short\n",
    )
    assert refused.exit_code == 1 and "at least 10 characters" in refused.output
    runtime = Runtime.open(Settings(data_dir=data_dir), FixedClock(datetime(2026, 12, 5, tzinfo=UTC)))
    with Session(runtime.engine) as session:
        user = auth.check_password(session, "ana@example.com", "a long passphrase")
        assert user is not None and user.role == "finance" and user.password_hash.startswith("$argon2id$")
        assert auth.check_password(session, "ana@example.com", "a wrong passphrase") is None
        auth.open_session(session, user=user, at=runtime.clock.now(), replacing=None)
        session.commit()
    assert '"role": "finance"' in users(data_dir, "list", "--json")
    users(data_dir, "set-role", "ana@example.com", "viewer")
    with Session(runtime.engine) as session:
        assert session.exec(select(WebSession)).all() == []  # signed out by the change
        assert session.exec(select(User.role)).one() == "viewer"
    users(data_dir, "remove", "ana@example.com")
    assert users(data_dir, "list", "--json").strip() == "[]"
    missing = runner.invoke(app, ["users", "remove", "ana@example.com", "--data-dir", str(data_dir)])
    assert missing.exit_code == 1 and "no user" in missing.output
