"""API tokens: made, listed and revoked (`relance tokens`), and checked on every API request.

A token is `rlk_` and 43 characters of `secrets.token_urlsafe(32)`: 256 random bits. It is shown once;
the table keeps its sha256. A fast hash is right here, unlike for passwords: a slow hash (argon2) makes
each guess of a *low-entropy* secret expensive, but nobody can search 2^256 random values whatever the
hash costs, so a slow one would only spend a third of a second of CPU on every API call. A fast hash also
lets the request find its token by an indexed lookup of the hash instead of checking every row.

Roles apply: a scope needs the role that may do the same in the workspace (`Scope.needed_role`), checked
when the token is made and on every request against the user's role at that moment.

`authorize()` answers with the caller or the refusal (a JSON response): the API's errors keep one shape,
`{"error": code, "message": words}`, which FastAPI's HTTPException would wrap in `detail`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi.security import HTTPBearer
from pydantic import BaseModel
from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import JSONResponse

from agent import audit
from agent.db import session_scope
from agent.models.api_token import ApiToken, Scope
from agent.models.user import Role, User
from agent.runtime import Runtime

PREFIX = "rlk_"
HINT_LENGTH = len(PREFIX) + 6  # enough to tell a user's tokens apart, far too little to guess one
# Writing the last use on every call would make every read a write; a minute is precise enough to see
# whether a token is still in use before revoking it.
LAST_USE_PRECISION = timedelta(minutes=1)


# Declared on the API's routes so that the OpenAPI schema says how to authenticate; the check itself is
# `authorize`, which answers with the API's own error shape.
BEARER = HTTPBearer(auto_error=False, description="An API token: relance tokens add --user EMAIL --scope ...")


class ApiError(BaseModel):
    error: str  # a code: unauthorized, forbidden, not_found, file_too_large, request_too_large...
    message: str


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error answers of a route, for its OpenAPI description."""
    return {status: {"model": ApiError} for status in statuses}


class TokenError(ValueError):
    """A token cannot be made or revoked as asked; the message says why."""


@dataclass(frozen=True)
class Caller:
    """Who is calling: the token's owner and what the token allows (now, with the owner's current role)."""

    email: str
    token_id: int | None
    scopes: frozenset[Scope]


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def add_token(
    session: Session, *, email: str, scopes: list[Scope], name: str, at: datetime
) -> tuple[ApiToken, str]:
    """A new token for the user, and its secret (to show once). Refused when the role does not allow
    every scope asked for."""
    if not scopes:
        raise TokenError("name at least one scope: read, documents or payments")
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise TokenError(f"no user {email.strip().lower()}: add them first with `relance users add`")
    role = Role(user.role)
    beyond = sorted(scope.value for scope in scopes if not role.allows(scope.needed_role))
    if beyond:
        raise TokenError(
            f"{user.email} is {role.value}: the scope {', '.join(beyond)} needs the finance or admin role"
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id or 0,
        name=name.strip()[:100],
        scopes=" ".join(sorted({scope.value for scope in scopes})),
        secret_hash=secret_hash(secret),
        hint=secret[:HINT_LENGTH],
        created_at=at,
    )
    session.add(token)
    session.flush()
    audit.record(
        session, at=at, entity="api_token", entity_id=token.id, action="token_added",
        message=f"API token {token.id} ({token.scopes}) made for {user.email}",
    )  # fmt: skip
    return token, secret


def revoke_token(session: Session, *, token_id: int, at: datetime) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise TokenError(f"no API token {token_id}")
    if token.revoked_at is not None:
        raise TokenError(f"API token {token_id} was revoked already")
    token.revoked_at = at
    session.add(token)
    audit.record(
        session, at=at, entity="api_token", entity_id=token.id, action="token_revoked",
        message=f"API token {token.id} ({token.scopes}) revoked",
    )  # fmt: skip
    return token


def token_rows(session: Session, *, include_revoked: bool = False) -> list[dict[str, Any]]:
    statement = (
        select(ApiToken, User.email)
        .join(User, col(User.id) == col(ApiToken.user_id))
        .order_by(col(ApiToken.id))
    )
    if not include_revoked:
        statement = statement.where(col(ApiToken.revoked_at).is_(None))
    return [
        {
            "id": token.id,
            "user": email,
            "scopes": token.scopes,
            "name": token.name,
            "hint": token.hint + "…",
            "created_at": token.created_at.isoformat(),
            "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
            "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
        }
        for token, email in session.exec(statement)
    ]


def bearer(request: Request) -> str | None:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return given.strip() if scheme.lower() == "bearer" and given.strip() else None


def refusal(status: int, error: str, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="relance"'} if status == 401 else None
    return JSONResponse({"error": error, "message": message}, status_code=status, headers=headers)


def check_token(session: Session, secret: str, *scopes: Scope, at: datetime) -> Caller | JSONResponse:
    """The caller a token stands for when it allows one of `scopes` now, else the refusal (401 or 403)."""
    found = session.exec(
        select(ApiToken, User)
        .join(User, col(User.id) == col(ApiToken.user_id))
        .where(ApiToken.secret_hash == secret_hash(secret))
    ).first()
    if found is None:
        return refusal(401, "unauthorized", "missing or unknown API token")
    token, user = found
    if token.revoked_at is not None:
        return refusal(401, "unauthorized", f"API token {token.id} was revoked")
    wanted = " or ".join(scope.value for scope in scopes)
    granted = [scope for scope in scopes if scope in token.scope_set]
    if not granted:
        return refusal(403, "forbidden", f"this token does not have the scope {wanted}")
    if not any(Role(user.role).allows(scope.needed_role) for scope in granted):
        return refusal(403, "forbidden", f"{user.email} is {user.role} now: the scope {wanted} needs finance")
    if token.last_used_at is None or at - token.last_used_at >= LAST_USE_PRECISION:
        token.last_used_at = at
        session.add(token)
    return Caller(email=user.email, token_id=token.id, scopes=token.scope_set)


def authorize(request: Request, runtime: Runtime, *scopes: Scope) -> Caller | JSONResponse:
    """The request's caller when its bearer token allows one of `scopes`, else the refusal to send back."""
    secret = bearer(request)
    if secret is None:
        return refusal(401, "unauthorized", "send the API token as 'Authorization: Bearer <token>'")
    with session_scope(runtime.engine) as session:
        return check_token(session, secret, *scopes, at=runtime.clock.now())


def any_token_with(session: Session, scope: Scope) -> bool:
    """Whether some token may use `scope` at all (the payments API says 'disabled' when none may)."""
    live = select(ApiToken).where(
        col(ApiToken.revoked_at).is_(None), col(ApiToken.scopes).contains(scope.value)
    )
    return any(scope in token.scope_set for token in session.exec(live))
