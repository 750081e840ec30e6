"""Signing in and out, and the user's choice of language.

Sign-in checks the form's token against the signed sign-in cookie (there is no session yet), the
throttle (per account and per client address), then the password; success always opens a new session.
A refusal never says whether the address exists.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Form, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from agent import audit
from agent.models.user import User
from agent.web import auth
from agent.web.i18n import LANGUAGES
from agent.web.pages.common import db, render, runtime_of, safe_next, viewer_form, viewer_of
from agent.web.security import LOGIN_COOKIE, SESSION_COOKIE, check_origin, check_token, set_cookie

router = APIRouter(include_in_schema=False)
LOGIN_FORM_SECONDS = 3600


def _login_page(request: Request, *, next_path: str, error: str | None = None, status: int = 200) -> Response:
    nonce = secrets.token_urlsafe(24)
    response = render(request, "login.html", status_code=status, csrf=nonce, next_path=next_path, error=error)
    set_cookie(
        response, request, LOGIN_COOKIE, request.app.state.signer.sign(nonce), max_age=LOGIN_FORM_SECONDS
    )
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return _login_page(request, next_path=safe_next(next))


@router.post("/login")
def login(
    request: Request,
    email: str = Form(""),
    password: str = Form(""),
    csrf: str = Form(""),
    next: str = Form("/"),
    session: Session = Depends(db),
) -> Response:
    check_origin(request)
    check_token(request.app.state.signer.unsign(request.cookies.get(LOGIN_COOKIE)), csrf)
    runtime = runtime_of(request)
    at = runtime.clock.now()
    address = request.client.host if request.client else "unknown"
    throttle: auth.LoginThrottle = request.app.state.throttle
    gettext = viewer_of(request).gettext
    if throttle.blocked(email=email, address=address, at=at):
        message = gettext("Too many failed attempts. Wait 15 minutes, then try again.")
        return _login_page(request, next_path=safe_next(next), error=message, status=429)
    user = auth.check_password(session, email, password)
    if user is None:
        throttle.failed(email=email, address=address, at=at)
        message = gettext("Wrong e-mail address or password.")
        return _login_page(request, next_path=safe_next(next), error=message, status=401)
    throttle.succeeded(email=email)
    signer = request.app.state.signer
    token = auth.open_session(
        session, user=user, at=at, replacing=signer.unsign(request.cookies.get(SESSION_COOKIE))
    )
    audit.record(
        session, at=at, entity="user", entity_id=user.id, action="signed_in",
        message=f"{user.email} signed in to the workspace", actor=user.email, address=address,
    )  # fmt: skip
    session.commit()
    response = RedirectResponse(safe_next(next), status_code=303)
    max_age = runtime.settings.web.session_max_hours * 3600
    set_cookie(response, request, SESSION_COOKIE, signer.sign(token), max_age=max_age)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(
    request: Request, user: auth.SignedIn = Depends(viewer_form), session: Session = Depends(db)
) -> Response:
    token = request.app.state.signer.unsign(request.cookies.get(SESSION_COOKIE))
    if token:
        auth.close_session(session, token)
    audit.record(
        session, at=runtime_of(request).clock.now(), entity="user", entity_id=user.user.id,
        action="signed_out", message=f"{user.user.email} signed out", actor=user.user.email,
    )  # fmt: skip
    session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/me/language")
def set_language(
    request: Request,
    language: str = Form(...),
    next: str = Form("/"),
    user: auth.SignedIn = Depends(viewer_form),
    session: Session = Depends(db),
) -> Response:
    stored = session.get(User, user.user.id)
    if language in LANGUAGES and stored is not None:
        stored.language = language
        session.add(stored)
        session.commit()
    return RedirectResponse(safe_next(next), status_code=303)
