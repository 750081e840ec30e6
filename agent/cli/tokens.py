"""`relance tokens add | list | revoke`: API tokens, each for one workspace user and some scopes.

The token is printed once, by `add`, and never again: relance keeps only its hash. The user's role
limits the scopes (a viewer's token may only read); see agent/web/api/tokens.py.
"""

from __future__ import annotations

from typing import Annotated

import typer

from agent.cli.common import BadValue, DataDir, JsonFlag, console, emit, err, group, open_runtime

tokens_app = group(help="API tokens for programs (the HTTP API under /api).", no_args_is_help=True)


SCOPES = ("read", "documents", "payments")  # agent.models.api_token.Scope's values (a test holds them equal)


def _scopes(values: list[str]) -> list[str]:
    """Checked here, not by the Scope enum's own type: naming it would import the data model at start."""
    for value in values:
        if value not in SCOPES:
            raise BadValue(f"{value}: not a scope ({', '.join(SCOPES)})")
    return values


def _refused(error: Exception) -> typer.Exit:
    err.print(f"[red]refused:[/] {error}", soft_wrap=True)
    return typer.Exit(1)


@tokens_app.command("add")
def add(
    user: Annotated[str, typer.Option("--user", help="The workspace user the token acts for (their e-mail)")],
    scope: Annotated[
        list[str],
        typer.Option("--scope", callback=_scopes, help="read, documents or payments; repeat for several"),
    ],
    name: Annotated[str, typer.Option("--name", help="What the token is for (shown in the list)")] = "",
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Make a token and print it, once: store it where the program keeps its secrets."""
    from agent.db import session_scope
    from agent.models.api_token import Scope
    from agent.web.api.tokens import TokenError, add_token

    runtime = open_runtime(data_dir)
    wanted = [Scope(value) for value in scope]
    try:
        with session_scope(runtime.engine) as session:
            token, secret = add_token(session, email=user, scopes=wanted, name=name, at=runtime.clock.now())
            token_id, scopes = token.id, token.scopes
    except TokenError as error:
        raise _refused(error) from error
    if as_json:
        emit({"id": token_id, "user": user.strip().lower(), "scopes": scopes, "token": secret})
        return
    console.print(f"API token {token_id} for {user.strip().lower()} ({scopes}):")
    console.print(secret, soft_wrap=True, markup=False, highlight=False)
    err.print("It is shown this once: relance keeps only its hash. Revoke it with `relance tokens revoke`.")


@tokens_app.command("list")
def list_tokens(
    include_revoked: Annotated[bool, typer.Option("--all", help="Revoked tokens too")] = False,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Every token: its user, scopes, first characters, last use."""
    from agent.db import session_scope
    from agent.web.api.tokens import token_rows

    runtime = open_runtime(data_dir)
    with session_scope(runtime.engine) as session:
        rows = token_rows(session, include_revoked=include_revoked)
    if as_json:
        emit(rows)
        return
    from agent.cli.render import table

    columns = ["id", "user", "scopes", "name", "hint", "last_used_at"]
    console.print(table("API tokens", rows, [*columns, "revoked_at"] if include_revoked else columns))


@tokens_app.command("revoke")
def revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (relance tokens list)")],
    data_dir: DataDir = None,
) -> None:
    """Revoke a token: refused at its next request."""
    from agent.db import session_scope
    from agent.web.api.tokens import TokenError, revoke_token

    runtime = open_runtime(data_dir)
    try:
        with session_scope(runtime.engine) as session:
            revoke_token(session, token_id=token_id, at=runtime.clock.now())
    except TokenError as error:
        raise _refused(error) from error
    console.print(f"API token {token_id} revoked")
