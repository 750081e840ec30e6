"""Sending over SMTP with aiosmtplib (production). The outbox Maildir is the embedded default.

One connection is opened on the first send and reused for the following ones (a dispatch run sends
its whole batch on it); a connection the server dropped is reopened once before a send fails.
"""

from __future__ import annotations

import asyncio
import contextlib
from email.message import EmailMessage

import aiosmtplib

from agent.mail.imap import ImapInbox
from agent.settings import OutgoingSettings


class SmtpSender:
    def __init__(self, settings: OutgoingSettings) -> None:
        if not settings.host:
            raise ValueError("outgoing.kind is smtp but outgoing.host is not set")
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self.client: aiosmtplib.SMTP | None = None
        self.connections = 0  # how many times a connection was opened (the tests check the reuse)

    async def _connect(self) -> aiosmtplib.SMTP:
        s = self.settings
        client = aiosmtplib.SMTP(
            hostname=s.host,
            port=s.port,
            use_tls=s.security == "tls",
            start_tls=s.security == "starttls",
            cert_bundle=str(s.ca_file) if s.ca_file else None,
            timeout=30,
        )
        await client.connect()
        if s.user:
            await client.login(s.user, s.password.get_secret_value() if s.password else "")
        self.connections += 1
        return client

    async def _send(self, message: EmailMessage) -> None:
        for attempt in (1, 2):
            if self.client is None or not self.client.is_connected:
                self.client = await self._connect()
            try:
                await self.client.send_message(message)
                return
            except aiosmtplib.SMTPServerDisconnected:
                self.client = None
                if attempt == 2:
                    raise

    def send(self, message: EmailMessage) -> None:
        self.loop.run_until_complete(self._send(message))

    def close(self) -> None:
        if self.client is not None and self.client.is_connected:
            with contextlib.suppress(aiosmtplib.SMTPException):  # closing must not fail the caller
                self.loop.run_until_complete(self.client.quit())
        self.client = None
        self.loop.close()


class SentCopySender:
    """SMTP, plus a copy of each sent message in the mailbox's Sent folder (found again after a crash)."""

    def __init__(self, smtp: SmtpSender, mailbox: ImapInbox, folder: str) -> None:
        self.smtp, self.mailbox, self.folder = smtp, mailbox, folder

    def send(self, message: EmailMessage) -> None:
        self.smtp.send(message)
        self.mailbox.append_sent(self.folder, message)

    def contains(self, message_id: str) -> bool:
        return self.mailbox.contains_sent(self.folder, message_id)

    def close(self) -> None:
        self.smtp.close()
        self.mailbox.close()
