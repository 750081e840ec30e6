"""Sending over SMTP with aiosmtplib (production). The outbox Maildir is the embedded default."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage

import aiosmtplib

from agent.settings import OutgoingSettings


class SmtpSender:
    def __init__(self, settings: OutgoingSettings) -> None:
        if not settings.host:
            raise ValueError("outgoing.kind is smtp but outgoing.host is not set")
        self.settings = settings

    async def _send(self, message: EmailMessage) -> None:
        s = self.settings
        await aiosmtplib.send(
            message,
            hostname=s.host,
            port=s.port,
            username=s.user,
            password=s.password.get_secret_value() if s.password else None,
            use_tls=s.security == "tls",
            start_tls=s.security == "starttls",
            timeout=30,
        )

    def send(self, message: EmailMessage) -> None:
        asyncio.run(self._send(message))
