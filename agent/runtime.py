"""Everything the agent's steps need from the outside world, in one object: the thin I/O edge.

Tests and the demo build it with a FixedClock; the service with the system clock. Nothing else in the
package reads the settings' locations or creates connections on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Engine

from agent import audit
from agent.clock import Clock
from agent.db import open_database, session_scope
from agent.mail.maildir import MaildirInbox
from agent.mail.store import RawStore
from agent.models import SyncState
from agent.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from agent.mail.outgoing import Sender

log = logging.getLogger(__name__)


class Inbox(Protocol):
    """Where documents arrive: read everything new, and settle each message once it is committed."""

    def fetch_new(self) -> Iterator[tuple[str, bytes]]: ...

    def settle(self, key: str, outcome: str) -> None: ...


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    store: RawStore
    clock: Clock
    llm: BaseChatModel | None = None  # an OpenAI-compatible endpoint when configured; tests inject a fake
    _sender: Sender | None = field(default=None, repr=False)

    @classmethod
    def open(cls, settings: Settings, clock: Clock) -> Runtime:
        """The edge as configured. The LLM client, the mail clients and the sender are loaded only when
        configured or first used: a command that only reads the book starts without them."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        llm = None
        if settings.llm.configured:
            from agent.llm import chat_model

            llm = chat_model(settings)
        return cls(
            settings=settings,
            engine=open_database(settings),
            store=RawStore(settings.raw_store_path),
            clock=clock,
            llm=llm,
        )

    @property
    def sender(self) -> Sender:
        """Where e-mails leave: the outbox folder, or SMTP (with a copy in the Sent folder)."""
        if self._sender is None:
            from agent.mail.outgoing import make_sender

            self._sender = make_sender(self.settings)
        return self._sender

    @sender.setter
    def sender(self, sender: Sender) -> None:
        self._sender = sender

    def inbox(self) -> Inbox:
        mailbox = self.settings.mailbox
        if mailbox.kind == "imap":
            from agent.mail.imap import ImapInbox

            return ImapInbox(mailbox, on_uidvalidity=self._record_uidvalidity)
        return MaildirInbox(self.settings.inbox_path, mailbox.processed_folder, mailbox.quarantine_folder)

    def _record_uidvalidity(self, value: int) -> None:
        """Keep the mailbox's UIDVALIDITY; a change is logged and audited (nothing depends on old UIDs)."""
        with session_scope(self.engine) as session:
            state = session.get(SyncState, "mailbox.uidvalidity")
            now = self.clock.now()
            if state is not None and state.value != str(value):
                log.warning("mailbox UIDVALIDITY changed from %s to %s", state.value, value)
                audit.record(
                    session,
                    at=now,
                    entity="mailbox",
                    entity_id=None,
                    action="uidvalidity_changed",
                    message=f"The mailbox was rebuilt by the server (UIDVALIDITY {state.value} -> "
                    f"{value}); messages still in it are read again and recognised by content",
                )
            state = state or SyncState(name="mailbox.uidvalidity", value="")
            state.value, state.updated_at = str(value), now
            session.add(state)

    def sender_allowed(self, address: str) -> bool:
        allowed = [a.lower() for a in self.settings.mailbox.allowed_senders] or [
            self.settings.company.finance_address.lower()
        ]
        address = address.lower()
        domain = "@" + address.rsplit("@", 1)[-1]
        return address in allowed or domain in allowed
