"""Everything the agent's steps need from the outside world, in one object: the thin I/O edge.

Tests and the demo build it with a FixedClock; the service with the system clock. Nothing else in the
package reads the settings' locations or creates connections on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from agent.clock import Clock
from agent.db import open_database
from agent.mail.maildir import MaildirInbox
from agent.mail.outgoing import Sender, make_sender
from agent.mail.store import RawStore
from agent.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    store: RawStore
    sender: Sender
    clock: Clock

    @classmethod
    def open(cls, settings: Settings, clock: Clock) -> Runtime:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(
            settings=settings,
            engine=open_database(settings),
            store=RawStore(settings.raw_store_path),
            sender=make_sender(settings),
            clock=clock,
        )

    def inbox(self) -> MaildirInbox:
        mailbox = self.settings.mailbox
        if mailbox.kind != "maildir":
            raise NotImplementedError(
                "IMAP intake arrives with the mailbox issue; use the Maildir inbox for now"
            )
        return MaildirInbox(self.settings.inbox_path, mailbox.processed_folder, mailbox.quarantine_folder)

    def sender_allowed(self, address: str) -> bool:
        allowed = [a.lower() for a in self.settings.mailbox.allowed_senders] or [
            self.settings.company.finance_address.lower()
        ]
        address = address.lower()
        domain = "@" + address.rsplit("@", 1)[-1]
        return address in allowed or domain in allowed
