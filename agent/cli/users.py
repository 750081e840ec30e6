"""`relance users add | list | set-role | remove`: who may sign in to the finance workspace.

There is no default user and no default password: the first administrator is added here. A role change
or a removal signs the person out everywhere at once (their sessions are deleted on the server).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from agent.cli.common import BadValue, DataDir, JsonFlag, console, emit, err, group, open_runtime

users_app = group(help="Who may sign in to the finance workspace (relance web).", no_args_is_help=True)
ROLES = ("viewer", "finance", "admin")  # agent.models.user.Role's values (a test holds them equal)


def _role(value: str) -> str:
    """Checked here, not by the Role enum's own type: naming it would import the data model at start."""
    if value not in ROLES:
        raise BadValue(f"{value}: not a role ({', '.join(ROLES)})")
    return value


RoleArgument = Annotated[
    str, typer.Option("--role", callback=_role, help="viewer (reads), finance (acts), admin (also users)")
]


def _refused(error: Exception) -> typer.Exit:
    err.print(f"[red]refused:[/] {error}", soft_wrap=True)
    return typer.Exit(1)


@users_app.command("add")
def add(
    email: Annotated[str, typer.Argument(help="The person's e-mail address: their login")],
    role: RoleArgument = "viewer",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input (scripts)")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Add a user; the password is asked for (twice), or read from standard input."""
    from agent import audit
    from agent.db import session_scope
    from agent.models.user import Role
    from agent.web.auth import UserError, add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    runtime = open_runtime(data_dir)
    try:
        with session_scope(runtime.engine) as session:
            user = add_user(session, email=email, password=password, role=Role(role), at=runtime.clock.now())
            audit.record(
                session, at=runtime.clock.now(), entity="user", entity_id=user.id, action="user_added",
                message=f"User {user.email} added with the role {role} (command line)",
            )  # fmt: skip
    except UserError as error:
        raise _refused(error) from error
    console.print(f"user {user.email} added: {role}")


@users_app.command("list")
def list_users(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Every user, with their role and last sign-in."""
    from sqlmodel import col, select

    from agent.db import session_scope
    from agent.models.user import User

    runtime = open_runtime(data_dir)
    with session_scope(runtime.engine) as session:
        rows = [
            {
                "email": u.email,
                "role": u.role,
                "language": u.language,
                "created_at": u.created_at.isoformat(),
                "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None,
            }
            for u in session.exec(select(User).order_by(col(User.email)))
        ]
    if as_json:
        emit(rows)
        return
    from agent.cli.render import table

    console.print(table("Users", rows, ["email", "role", "language", "last_login_at"]))


@users_app.command("set-role")
def set_role(
    email: Annotated[str, typer.Argument(help="The user's e-mail address")],
    role: Annotated[str, typer.Argument(callback=_role, help="viewer, finance or admin")],
    data_dir: DataDir = None,
) -> None:
    """Change a user's role; they are signed out everywhere."""
    from agent import audit
    from agent.db import session_scope
    from agent.web.auth import UserError, end_sessions, find_user

    runtime = open_runtime(data_dir)
    try:
        with session_scope(runtime.engine) as session:
            user = find_user(session, email)
            before, user.role = user.role, role
            session.add(user)
            end_sessions(session, user.id or 0)
            audit.record(
                session, at=runtime.clock.now(), entity="user", entity_id=user.id, action="role_set",
                message=f"User {user.email}: role {before} -> {role} (command line)",
            )  # fmt: skip
    except UserError as error:
        raise _refused(error) from error
    console.print(f"user {user.email}: {role}")


@users_app.command("remove")
def remove(
    email: Annotated[str, typer.Argument(help="The user's e-mail address")], data_dir: DataDir = None
) -> None:
    """Remove a user; their sessions end at once. What they did stays in the audit trail."""
    from agent import audit
    from agent.db import session_scope
    from agent.web.auth import UserError, end_sessions, find_user

    runtime = open_runtime(data_dir)
    try:
        with session_scope(runtime.engine) as session:
            user = find_user(session, email)
            end_sessions(session, user.id or 0)
            session.flush()
            session.delete(user)
            audit.record(
                session, at=runtime.clock.now(), entity="user", entity_id=user.id, action="user_removed",
                message=f"User {user.email} removed (command line)",
            )  # fmt: skip
    except UserError as error:
        raise _refused(error) from error
    console.print(f"user {email} removed")
