"""Pick the sender from the settings: the outbox folder by default, SMTP when configured."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol

from agent.mail.maildir import MaildirOutbox
from agent.mail.smtp import SmtpSender
from agent.settings import Settings


class Sender(Protocol):
    def send(self, message: EmailMessage) -> None: ...


def make_sender(settings: Settings) -> Sender:
    if settings.outgoing.kind == "smtp":
        return SmtpSender(settings.outgoing)
    return MaildirOutbox(settings.outbox_path)
