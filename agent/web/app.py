"""The HTTP edge: `create_app(runtime)` assembles the finance workspace and the API.

FastAPI on Starlette, served by uvicorn (`relance web`): the pages are server-rendered Jinja2
(`templates/web/`), every action a form POST, so every page works without JavaScript; the few lines of
script in `static/relance.js` only open an e-mail preview in place. The API (`/api/...`) is described by
the OpenAPI schema at `/api/openapi.json`; the pages are not in it. FastAPI's documentation pages
(Swagger UI, ReDoc) are off: they load their scripts from a CDN.

Pages: `agent.web.pages` (one module per subject). Security (headers, cookies, CSRF):
`agent.web.security`; who is signed in: `agent.web.auth`; languages and formats: `agent.web.i18n`.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from agent.runtime import Runtime
from agent.web.api import api_router
from agent.web.auth import LoginThrottle
from agent.web.pages import (
    accounts,
    audit,
    book,
    corrections,
    documents,
    intake,
    invoice_list,
    invoices,
    login,
    payments,
    schedule,
    tasks,
    users,
)
from agent.web.pages.common import Forbidden, LoginRequired, render, viewer_of
from agent.web.security import CookieSigner, CsrfRefused, SecurityHeaders, secret_key

STATIC_DIR = Path(__file__).resolve().parent / "static"
PAGES = (
    login,
    schedule,
    invoice_list,
    invoices,
    corrections,
    documents,
    tasks,
    accounts,
    intake,
    audit,
    users,
    payments,
    book,
)


def create_app(runtime: Runtime) -> FastAPI:
    app = FastAPI(
        title="relance",
        summary="The collections agent's HTTP API",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.runtime = runtime
    app.state.signer = CookieSigner(secret_key(runtime.settings))
    web = runtime.settings.web
    app.state.throttle = LoginThrottle(
        per_account=web.login_attempts_per_account, per_address=web.login_attempts_per_address
    )
    app.include_router(api_router(runtime))
    for page in PAGES:
        app.include_router(page.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _error: LoginRequired) -> Response:
        wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target = (
            f"/login?next={quote(wanted, safe='/')}"
            if request.method == "GET" and wanted != "/"
            else "/login"
        )
        if request.query_params.get("fragment") == "1":  # the inline preview: the script reloads the page
            return Response(status_code=401)
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, _error: Forbidden) -> Response:
        message = viewer_of(request).gettext("Your role does not allow this. Ask an administrator.")
        return render(request, "error.html", status_code=403, message=message)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, _error: CsrfRefused) -> Response:
        message = viewer_of(request).gettext(
            "This form has expired or did not come from this site. Reload the page and try again."
        )
        return render(request, "error.html", status_code=403, message=message)

    return app
