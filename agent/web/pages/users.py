"""Users, for administrators: who may sign in and with which role; add one, change a role, remove one.

The same functions as `relance users` (`agent.web.auth`): a new user gets a random password, shown once
on the page that answers the form (never in a URL, a cookie or a log) and kept only as its argon2 hash;
the administrator hands it over by a channel of their own. A role change or a removal signs the person
out everywhere at once. An administrator cannot change their own role or remove themselves, so a
workspace always keeps one.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Form, Request
from sqlmodel import Session, col, select
from starlette.responses import RedirectResponse, Response

from agent import audit
from agent.models.user import Role, User
from agent.web import auth
from agent.web.pages.common import admin, admin_form, db, render, runtime_of

router = APIRouter(include_in_schema=False)
NOTICES = ("role", "removed")


def _users_page(
    request: Request,
    session: Session,
    *,
    error: str | None = None,
    added: tuple[str, str] | None = None,
    status: int = 200,
) -> Response:
    users = session.exec(select(User).order_by(col(User.email))).all()
    done = request.query_params.get("done")
    return render(
        request,
        "users.html",
        status_code=status,
        users=users,
        roles=[str(role) for role in Role],
        error=error,
        added=added,
        done=done if done in NOTICES else None,
    )


@router.get("/users")
def users(request: Request, user: auth.SignedIn = Depends(admin), session: Session = Depends(db)) -> Response:
    return _users_page(request, session)


@router.post("/users")
def add(
    request: Request,
    email: str = Form(""),
    role: str = Form(""),
    user: auth.SignedIn = Depends(admin_form),
    session: Session = Depends(db),
) -> Response:
    at = runtime_of(request).clock.now()
    if role not in list(Role):
        return _users_page(request, session, error=f"{role!r} is not a role", status=409)
    password = secrets.token_urlsafe(12)  # 96 bits, shown once
    try:
        added = auth.add_user(session, email=email, password=password, role=Role(role), at=at)
    except auth.UserError as error:
        session.rollback()
        return _users_page(request, session, error=str(error), status=409)
    audit.record(
        session, at=at, entity="user", entity_id=added.id, action="user_added",
        message=f"User {added.email} added with the role {role} by {user.user.email} (workspace)",
        actor=user.user.email,
    )  # fmt: skip
    session.commit()
    # Answered with the page itself, not a redirect: the password must not travel in a URL or a cookie.
    return _users_page(request, session, added=(added.email, password))


@router.post("/users/{user_id}/role")
def set_role(
    request: Request,
    user_id: int,
    role: str = Form(""),
    user: auth.SignedIn = Depends(admin_form),
    session: Session = Depends(db),
) -> Response:
    target = session.get(User, user_id)
    if target is None or role not in list(Role):
        return _users_page(request, session, error="no such user or role", status=409)
    if target.id == user.user.id:
        return _users_page(request, session, error="you cannot change your own role", status=409)
    before, target.role = target.role, role
    session.add(target)
    auth.end_sessions(session, target.id or 0)
    audit.record(
        session, at=runtime_of(request).clock.now(), entity="user", entity_id=target.id, action="role_set",
        message=f"User {target.email}: role {before} -> {role} by {user.user.email} (workspace)",
        actor=user.user.email,
    )  # fmt: skip
    session.commit()
    return RedirectResponse("/users?done=role", status_code=303)


@router.post("/users/{user_id}/remove")
def remove(
    request: Request, user_id: int, user: auth.SignedIn = Depends(admin_form), session: Session = Depends(db)
) -> Response:
    target = session.get(User, user_id)
    if target is None:
        return _users_page(request, session, error="no such user", status=409)
    if target.id == user.user.id:
        return _users_page(request, session, error="you cannot remove yourself", status=409)
    auth.end_sessions(session, target.id or 0)
    session.flush()
    session.delete(target)
    audit.record(
        session, at=runtime_of(request).clock.now(), entity="user", entity_id=user_id, action="user_removed",
        message=f"User {target.email} removed by {user.user.email} (workspace)", actor=user.user.email,
    )  # fmt: skip
    session.commit()
    return RedirectResponse("/users?done=removed", status_code=303)
