"""The embedded mailbox and outbox: Maildir folders on the local disk (no server needed).

The inbox behaves like the IMAP mailbox will: new messages are read, and only after their outcome is
committed are they moved to the `Processed` or `Quarantine` sub-folder.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path


class MaildirInbox:
    def __init__(
        self, path: Path, processed_folder: str = "Processed", quarantine_folder: str = "Quarantine"
    ):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)  # Maildir(create=True) makes the last level only
        self.box = mailbox.Maildir(str(path), create=True)
        self.folders = {
            "processed": self._folder(processed_folder),
            "quarantine": self._folder(quarantine_folder),
        }

    def _folder(self, name: str) -> mailbox.Maildir:
        if name in self.box.list_folders():
            return self.box.get_folder(name)
        return self.box.add_folder(name)

    def fetch_new(self) -> Iterator[tuple[str, bytes]]:
        """Every message still in the inbox, oldest file first; raw bytes, nothing parsed."""
        keys = sorted(self.box.keys())
        for key in keys:
            with self.box.get_file(key) as handle:
                yield key, handle.read()

    def settle(self, key: str, outcome: str) -> None:
        """Move a message out of the inbox once its outcome is committed ('processed' or 'quarantine')."""
        target = self.folders[outcome]
        # The file, not a parsed message: a malformed one moves as it is, and a big one line by line.
        with self.box.get_file(key) as handle:
            target.add(handle)
        self.box.remove(key)

    def deliver(self, raw: bytes) -> str:
        """Drop a message into the inbox (the demo and the tests play the part of the mail server)."""
        return self.box.add(raw)


class MaildirOutbox:
    """Outgoing mail written to a Maildir instead of an SMTP server: readable with any mail client."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)  # Maildir(create=True) makes the last level only
        self.box = mailbox.Maildir(str(path), create=True)

    def send(self, message: EmailMessage) -> None:
        self.box.add(message.as_bytes())

    def messages(self) -> list[EmailMessage]:
        found = []
        for key in sorted(self.box.keys()):
            with self.box.get_file(key) as handle:
                parsed = email.message_from_bytes(handle.read(), policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            found.append(parsed)
        return found

    def contains(self, message_id: str) -> bool:
        return any(str(m.get("Message-ID", "")) == message_id for m in self.messages())
