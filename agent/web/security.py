"""What every response and every form carries: security headers, signed cookies, CSRF checks.

- Headers: a Content-Security-Policy that allows scripts, styles and images from this site only (no
  inline script, so an injected `<script>` does not run) and no framing by other sites
  (`frame-ancestors 'none'`); `nosniff`; no referrer to other sites; pages are not cached (they hold the
  book). HSTS only when the request came over TLS.
- Cookies: signed with the workspace's key (itsdangerous), HttpOnly, SameSite=Lax, Secure over TLS.
- CSRF: every form carries a token; a POST without the right one is refused with 403. Signed in, it is
  the session's own token (kept on the server); on the sign-in form, a random value also set in a signed
  cookie (double submit). A POST whose Origin header names another site is refused as well.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from itsdangerous import BadSignature, Signer
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent.settings import Settings

SESSION_COOKIE = "relance_session"
LOGIN_COOKIE = "relance_login"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# The invoice's PDF is shown in a frame of the invoice page: that one response may be framed by this site.
CSP_FRAMED_DOCUMENT = "frame-ancestors 'self'"


class CsrfRefused(Exception):
    """A form posted without its token, or from another site."""


def secret_key(settings: Settings) -> bytes:
    """`web.secret_key`, else a random key created once in the data directory (readable by its owner
    only), so sessions survive a restart without anyone having to configure a key."""
    if settings.web.secret_key is not None:
        return settings.web.secret_key.get_secret_value().encode()
    path = Path(settings.data_dir) / "web-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


class CookieSigner:
    def __init__(self, key: bytes) -> None:
        self.signer = Signer(key, salt="relance.web.cookie")

    def sign(self, value: str) -> str:
        return self.signer.sign(value.encode()).decode()

    def unsign(self, signed: str | None) -> str | None:
        if not signed:
            return None
        try:
            return self.signer.unsign(signed.encode()).decode()
        except BadSignature:
            return None


def over_tls(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, *, max_age: int | None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=True, samesite="lax", secure=over_tls(request)
    )


def check_origin(request: Request) -> None:
    """A browser names the page's site in Origin on a cross-site POST: refuse another site's."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and origin.rstrip("/") != f"{request.url.scheme}://{request.url.netloc}":
        raise CsrfRefused(f"form posted from another site ({origin})")
    if origin == "null":
        raise CsrfRefused("form posted from an opaque origin")


def check_token(expected: str | None, given: str | None) -> None:
    if not expected or not given or not hmac.compare_digest(expected.encode(), given.encode()):
        raise CsrfRefused("the form's security token is missing or stale: reload the page and try again")


class SecurityHeaders:
    """ASGI middleware: the headers above on every HTTP response (unless a route set its own CSP)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tls = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                framed = "content-security-policy" in headers
                headers.setdefault("Content-Security-Policy", CSP)
                headers.setdefault("X-Frame-Options", "SAMEORIGIN" if framed else "DENY")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
                if not scope["path"].startswith("/static/"):
                    headers.setdefault("Cache-Control", "no-store")
                if tls:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            await send(message)

        await self.app(scope, receive, with_headers)
