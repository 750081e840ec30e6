"""Pick the sender from the settings: the outbox folder by default, SMTP when configured."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol

from agent.mail.imap import ImapInbox
from agent.mail.maildir import MaildirOutbox
from agent.mail.smtp import SentCopySender, SmtpSender
from agent.settings import Settings


class Sender(Protocol):
    def send(self, message: EmailMessage) -> None: ...


def make_sender(settings: Settings) -> Sender:
    """The outbox folder by default; SMTP when configured, plus a Sent copy when the mailbox is IMAP."""
    if settings.outgoing.kind == "smtp":
        smtp = SmtpSender(settings.outgoing)
        if settings.mailbox.kind == "imap" and settings.mailbox.sent_folder:
            return SentCopySender(smtp, ImapInbox(settings.mailbox), settings.mailbox.sent_folder)
        return smtp
    return MaildirOutbox(settings.outbox_path)
