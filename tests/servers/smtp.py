"""An aiosmtpd SMTP server on loopback that keeps what it receives, for the SMTP sender's tests."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    """What the server accepted. With `parse=False` it keeps raw bytes only, as an MTA would: parsing in
    the server's thread would compete (under the GIL) with the process being measured."""

    parse: bool = True
    keep: bool = True  # False: count only (a benchmark measures the sender's memory, not the server's)
    count: int = 0
    raw: list[bytes] = field(default_factory=list)
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data = envelope.original_content or envelope.content
        self.count += 1
        if not self.keep:
            return "250 OK"
        self.raw.append(data)
        if self.parse:
            parsed = email.message_from_bytes(data, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            self.messages.append(parsed)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpServer:
    """Plain by default; with `tls_files` it requires STARTTLS, with `login` it requires authentication."""

    def __init__(
        self,
        *,
        tls_files: tuple[Path, Path] | None = None,
        login: tuple[str, str] | None = None,
        parse: bool = True,
        keep: bool = True,
    ):
        self.received = Received(parse=parse, keep=keep)
        self.port = _free_port()
        options: dict[str, Any] = {}
        if tls_files:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(tls_files[0]), str(tls_files[1]))
            options |= {"tls_context": context, "require_starttls": True}
        if login:

            def authenticate(
                server: Any, session: Any, envelope: Any, mechanism: str, data: Any
            ) -> AuthResult:
                given = (
                    (data.login.decode(), data.password.decode()) if isinstance(data, LoginPassword) else None
                )
                # handled=False: aiosmtpd answers the client itself (235, or 535 on a refusal)
                return AuthResult(success=given == login, handled=False)

            options |= {
                "authenticator": authenticate,
                "auth_required": True,
                "auth_require_tls": bool(tls_files),
            }
        self.controller = Controller(self.received, hostname="127.0.0.1", port=self.port, **options)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
