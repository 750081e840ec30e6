"""The production mailbox: IMAP through imapclient, with the same interface as the Maildir inbox.

Messages are read with BODY.PEEK (the \\Seen flag is left alone) and stay in the inbox until their
outcome is committed; only then are they MOVEd to the Processed or Quarantine folder. A crash in
between leaves the message in the inbox: the next poll fetches it again, and the content-hash key of
the stored raw message makes sure it is processed exactly once. UIDVALIDITY is recorded: a change
(the server rebuilt the mailbox) is logged, and nothing is lost or repeated because nothing depends
on UIDs surviving.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from functools import partial
from typing import Any

from imapclient import IMAPClient

from agent.settings import MailboxSettings

log = logging.getLogger(__name__)
FETCH_BATCH = 50


def ensure_folder(client: IMAPClient, folder: str) -> None:
    """Create `folder` unless it exists. Another connection (the IDLE watcher, a second tick) may create
    it at the same moment: a folder that exists after all is success, not an error."""
    if client.folder_exists(folder):
        return
    try:
        client.create_folder(folder)
    except IMAPClient.Error:
        if not client.folder_exists(folder):
            raise


def _fetch_bodies(client: IMAPClient, *, uids: list[int]) -> dict[int, dict[bytes, Any]]:
    fetched: dict[int, dict[bytes, Any]] = client.fetch(uids, [b"BODY.PEEK[]"])
    return fetched


def _refresh_and_list(client: IMAPClient) -> list[int]:
    # NOOP first: a mailbox selected on a long-lived connection may not show new mail to SEARCH until
    # the view is refreshed, and a dead connection shows itself here, where reconnecting is safe.
    client.noop()
    return sorted(client.search("ALL"))


class ImapInbox:
    def __init__(
        self,
        settings: MailboxSettings,
        *,
        on_uidvalidity: Callable[[int], None] | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if not settings.host or not settings.user:
            raise ValueError("mailbox.kind is imap but mailbox.host or mailbox.user is not set")
        self.settings = settings
        self.ssl_context = ssl_context or ssl.create_default_context(cafile=settings.ca_file)
        self.on_uidvalidity = on_uidvalidity
        self.client: IMAPClient | None = None
        self.uidvalidity: int | None = None

    # -- connection ------------------------------------------------------------------------------------
    def connect(self) -> IMAPClient:
        if self.client is not None:
            return self.client
        s = self.settings
        client = IMAPClient(
            s.host, port=s.port, ssl=s.security == "tls", ssl_context=self.ssl_context, timeout=60
        )
        if s.security == "starttls":
            client.starttls(self.ssl_context)
        client.login(s.user or "", s.password.get_secret_value() if s.password else "")
        for folder in (s.processed_folder, s.quarantine_folder):
            ensure_folder(client, folder)
        selected = client.select_folder(s.folder)
        self.uidvalidity = int(selected[b"UIDVALIDITY"])
        if self.on_uidvalidity:
            self.on_uidvalidity(self.uidvalidity)
        self.client = client
        return client

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.logout()
            except Exception:  # the connection may already be gone; closing must not fail
                log.debug("IMAP logout failed", exc_info=True)
            self.client = None

    def _with_reconnect(self, action: Callable[[IMAPClient], Any], attempts: int = 4) -> Any:
        """Run `action`, reconnecting with back-off (1, 2, 4 s...) when the server went away."""
        delay = 1.0
        for attempt in range(attempts):
            try:
                return action(self.connect())
            except (OSError, IMAPClient.AbortError, IMAPClient.Error) as error:
                self.client = None
                if attempt == attempts - 1:
                    raise
                log.warning("IMAP connection lost (%s); reconnecting in %.0f s", error, delay)
                time.sleep(delay)
                delay *= 2
        return None

    # -- the inbox interface -----------------------------------------------------------------------------
    def fetch_new(self) -> Iterator[tuple[str, bytes]]:
        """Every message still in the inbox, oldest UID first, raw bytes; nothing marked as read."""
        uids: list[int] = self._with_reconnect(_refresh_and_list)
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start : start + FETCH_BATCH]
            fetched: dict[int, dict[bytes, Any]] = self._with_reconnect(partial(_fetch_bodies, uids=batch))
            for uid in batch:
                data = fetched.get(uid, {})
                raw = data.get(b"BODY[]")
                if raw is not None:
                    yield f"{self.uidvalidity}:{uid}", raw

    def settle(self, key: str, outcome: str) -> None:
        """Move one message to Processed or Quarantine, once its outcome is committed."""
        uidvalidity, _, uid_text = key.partition(":")
        if self.uidvalidity is not None and uidvalidity != str(self.uidvalidity):
            log.warning("UIDVALIDITY changed since %s was read; it will be read again and recognised", key)
            return
        folder = self.settings.processed_folder if outcome == "processed" else self.settings.quarantine_folder
        uid = int(uid_text)

        def move(client: IMAPClient) -> None:
            if client.has_capability("MOVE"):
                client.move([uid], folder)
            else:  # RFC 3501 servers without MOVE: copy, flag deleted, expunge that UID only
                client.copy([uid], folder)
                client.delete_messages([uid])
                client.uid_expunge([uid]) if client.has_capability("UIDPLUS") else client.expunge()

        self._with_reconnect(move)

    def wait(self, timeout: float) -> bool:
        """Block until the server announces new mail (IDLE) or `timeout` passes; True when mail came."""
        client = self.connect()
        if not client.has_capability("IDLE"):
            time.sleep(timeout)
            return True
        # Mail that arrived since the last command is announced in the answer to the next one, not once
        # IDLE starts: ask first (NOOP), and read what came with DONE too, so none is left for a timeout.
        _text, pending = client.noop()
        if _announces_mail(pending):
            return True
        client.idle()
        responses: list[Any] = []
        try:
            responses = list(client.idle_check(timeout=timeout))
        finally:
            _text, after = client.idle_done()
        return _announces_mail(responses + list(after))

    def append_sent(self, folder: str, message: EmailMessage) -> None:
        """Keep a copy of a sent message in the Sent folder: it also proves, after a crash, that it left."""

        def append(client: IMAPClient) -> None:
            ensure_folder(client, folder)
            client.append(folder, message.as_bytes(), flags=[b"\\Seen"])

        self._with_reconnect(append)

    def contains_sent(self, folder: str, message_id: str) -> bool:
        def search(client: IMAPClient) -> bool:
            if not client.folder_exists(folder):
                return False
            client.select_folder(folder, readonly=True)
            try:
                return bool(client.search(["HEADER", "Message-ID", message_id]))
            finally:
                client.select_folder(self.settings.folder)

        return bool(self._with_reconnect(search))


def _announces_mail(responses: list[Any]) -> bool:
    return any(
        isinstance(response, tuple) and len(response) > 1 and response[1] in (b"EXISTS", b"RECENT")
        for response in responses
    )
