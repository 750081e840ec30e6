"""What every page shares: the signed-in user and their role, the CSRF check, and rendering.

Routes take `Depends(viewer)`, `Depends(finance)` or `Depends(admin)`: the role is checked on the
server for every request, whatever the page shows. An action (a POST) takes `Depends(finance_form)` (or
another `acting(role)`): signed in, form token checked, then role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Depends, Request
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlmodel import Session
from starlette.responses import HTMLResponse

from agent.db import session_scope
from agent.documents.corrections import field_labels
from agent.models.user import Role
from agent.runtime import Runtime
from agent.templating import Said, phrase
from agent.web import auth
from agent.web.i18n import DEFAULT_LANGUAGE, LANGUAGES, Formats, negotiate, translations
from agent.web.security import SESSION_COOKIE, check_origin, check_token


class LoginRequired(Exception):
    """No valid session: the browser is sent to the sign-in page."""


class Forbidden(Exception):
    """Signed in, but the role does not allow this."""


def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime


def db(request: Request) -> Iterator[Session]:
    """One transaction per request, committed when the page or action is done."""
    with session_scope(runtime_of(request).engine) as session:
        yield session


def signed_in(request: Request, session: Session = Depends(db)) -> auth.SignedIn:
    token = request.app.state.signer.unsign(request.cookies.get(SESSION_COOKIE))
    runtime = runtime_of(request)
    found = None
    if token:
        found = auth.current(session, token=token, at=runtime.clock.now(), settings=runtime.settings.web)
    if found is None:
        session.commit()  # an expired session's row is deleted before the browser is sent to sign in
        raise LoginRequired()
    request.state.signed_in = found
    return found


def requires(role: Role) -> Callable[..., auth.SignedIn]:
    def check(user: auth.SignedIn = Depends(signed_in)) -> auth.SignedIn:
        if not Role(user.user.role).allows(role):
            raise Forbidden(role)
        return user

    return check


def acting(role: Role) -> Callable[..., Any]:
    """For a POST: signed in, the form's token is this session's, then the role allows it."""

    async def check(request: Request, user: auth.SignedIn = Depends(signed_in)) -> auth.SignedIn:
        check_origin(request)
        form = await request.form()
        given = form.get("csrf")
        check_token(user.csrf_token, given if isinstance(given, str) else None)
        if not Role(user.user.role).allows(role):
            raise Forbidden(role)
        return user

    return check


viewer = requires(Role.VIEWER)
finance = requires(Role.FINANCE)
admin = requires(Role.ADMIN)
viewer_form = acting(Role.VIEWER)  # signing out, choosing one's language: any role
finance_form = acting(Role.FINANCE)
admin_form = acting(Role.ADMIN)


@lru_cache(maxsize=len(LANGUAGES) * 2)
def environment(templates_dir: Path, language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir / "web")),
        autoescape=select_autoescape(default=True, default_for_string=True),  # all of it is HTML
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env


@dataclass(frozen=True)
class Viewer:
    """Who reads the page: their language and time zone (the company's unless they chose one)."""

    language: str
    zone: str

    @property
    def formats(self) -> Formats:
        return Formats(self.language, self.zone)

    def gettext(self, message: str) -> str:
        return translations(self.language).gettext(message)


def viewer_of(request: Request) -> Viewer:
    settings = runtime_of(request).settings
    signed = getattr(request.state, "signed_in", None)
    if signed is not None:
        language = signed.user.language if signed.user.language in LANGUAGES else DEFAULT_LANGUAGE
        return Viewer(language, signed.user.timezone or settings.company.timezone)
    return Viewer(negotiate(request.headers.get("accept-language")), settings.company.timezone)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    settings = runtime_of(request).settings
    reader = viewer_of(request)
    signed = getattr(request.state, "signed_in", None)
    page = environment(settings.templates_dir, reader.language).get_template(template)
    html = page.render(
        request=request,
        user=signed.user if signed else None,
        role=Role(signed.user.role) if signed else None,
        csrf=context.pop("csrf", signed.csrf_token if signed else ""),
        can_act=bool(signed and Role(signed.user.role).allows(Role.FINANCE)),
        fmt=reader.formats,
        language=reader.language,
        languages=LANGUAGES,
        company=settings.company,
        path=request.url.path,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def page_number(text: str | None) -> int:
    """The page asked for in `?page=`, from 1 (anything else: the first)."""
    try:
        return min(max(1, int(text or 1)), 1_000_000)
    except ValueError:
        return 1


def said(request: Request, words: str) -> str:
    """A refusal's words in the reader's language when they are a `Said` (the e-mails' own catalog of
    phrases), else as they are (a message from a check, in English)."""
    if not isinstance(words, Said):
        return str(words)
    language = viewer_of(request).language
    settings = runtime_of(request).settings
    return phrase(settings.templates_dir, language, words.key, words.values, labels=field_labels(language))


def resume_waiting(request: Request) -> None:
    """After a decision a message's thread waits for (a document checked, a contact given), committed:
    resume the waiting threads at once, as the CLI does, so the invoice is recorded and planned before
    the page answers (`relance run` would do it at its next tick; `relance web` alone never would)."""
    from agent.flow.service import Agent  # the graph and its checkpointer: loaded when first needed

    with Agent(runtime_of(request)) as agent:
        agent.resume_waiting()


def not_found(request: Request, message: str) -> HTMLResponse:
    """404 with the message (already in the reader's language: `viewer_of(request).gettext("…")`)."""
    return render(request, "error.html", status_code=404, message=message)


def safe_next(target: str | None, default: str = "/") -> str:
    """Where to go after signing in or an action: a path of this site only (never `//other.site`)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
