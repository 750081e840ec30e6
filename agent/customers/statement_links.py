"""Links to a customer's statement page, with no login: signed, expiring, revocable, one account each.

A link's token is the account id, the account's link generation and the expiry instant, signed with
HMAC-SHA256 by itsdangerous under a salt of its own (a token made for anything else never verifies
here). Nothing is stored per link: a token is checked against its signature, the clock, and the
account's current generation, kept in the `sync_state` table (`statement_links.generation.<account>`).
Revoking bumps the generation, which ends every link of that account at once (a link forwarded to the
wrong person, a contact who left): the next reminder carries a fresh one.

The key: `statement_links.secret_key`, else the workspace's (`web.secret_key`, else the random key in
`<data_dir>/web-secret`), so `relance run` and `relance web` on one data directory agree unconfigured.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session

from agent import audit
from agent.models import Invoice, SyncState
from agent.settings import Settings

SALT = "relance.statement-link"


class LinkStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    WRONG_ACCOUNT = "wrong_account"  # a genuine link, of another account than the one asked for
    INVALID = "invalid"  # not a token of ours: altered, cut short, or signed with another key


@dataclass(frozen=True)
class StatementLink:
    token: str
    url: str | None  # None when statement_links.url_template is unset
    account_id: int
    expires_at: datetime


@dataclass(frozen=True)
class LinkCheck:
    status: LinkStatus
    account_id: int | None = None  # the account the token was made for, when it is ours
    expires_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.status is LinkStatus.VALID


def link_key(settings: Settings) -> bytes:
    if settings.statement_links.secret_key is not None:
        return settings.statement_links.secret_key.get_secret_value().encode()
    if settings.web.secret_key is not None:
        return settings.web.secret_key.get_secret_value().encode()
    path = Path(settings.data_dir) / "web-secret"  # the same file agent/web/security.py creates
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: read theirs
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


def _serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(link_key(settings), salt=SALT, signer_kwargs={"digest_method": hashlib.sha256})


def _state_name(account_id: int) -> str:
    return f"statement_links.generation.{account_id}"


def generation(session: Session, account_id: int) -> int:
    state = session.get(SyncState, _state_name(account_id))
    return int(state.value) if state else 0


def make_link(
    *, session: Session, settings: Settings, account_id: int, at: datetime, lifetime_days: int | None = None
) -> StatementLink:
    """A new link to the account's statement page, valid `lifetime_days` (default: the settings')."""
    days = lifetime_days if lifetime_days is not None else settings.statement_links.lifetime_days
    expires_at = (at + timedelta(days=days)).astimezone(UTC).replace(microsecond=0)
    payload = {"a": account_id, "g": generation(session, account_id), "e": int(expires_at.timestamp())}
    token = str(_serializer(settings).dumps(payload))
    template = settings.statement_links.url_template
    url = template.replace("{token}", token) if template else None
    return StatementLink(token=token, url=url, account_id=account_id, expires_at=expires_at)


def verify_link(
    *, session: Session, settings: Settings, token: str, at: datetime, account_id: int | None = None
) -> LinkCheck:
    """What a presented token is worth at `at`; with `account_id`, only for that account."""
    try:
        payload = _serializer(settings).loads(token)
        owner, made_in, expiry = int(payload["a"]), int(payload["g"]), int(payload["e"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return LinkCheck(LinkStatus.INVALID)
    expires_at = datetime.fromtimestamp(expiry, UTC)
    if account_id is not None and owner != account_id:
        return LinkCheck(LinkStatus.WRONG_ACCOUNT, owner, expires_at)
    if made_in != generation(session, owner):
        return LinkCheck(LinkStatus.REVOKED, owner, expires_at)
    if at >= expires_at:
        return LinkCheck(LinkStatus.EXPIRED, owner, expires_at)
    return LinkCheck(LinkStatus.VALID, owner, expires_at)


def revoke_links(*, session: Session, account_id: int, at: datetime, reason: str) -> int:
    """End every link made so far for this account; returns the new generation."""
    name = _state_name(account_id)
    state = session.get(SyncState, name) or SyncState(name=name, value="0", updated_at=at)
    state.value, state.updated_at = str(int(state.value) + 1), at
    session.add(state)
    audit.record(
        session,
        at=at,
        entity="account",
        entity_id=account_id,
        action="statement_links_revoked",
        message=f"Statement links of account {account_id} revoked: {reason}",
    )
    return int(state.value)


def may_show_invoice(*, session: Session, check: LinkCheck, invoice_id: int) -> bool:
    """Whether a page opened with this link may show this invoice: only a valid link's own account's."""
    if not check.ok:
        return False
    invoice = session.get(Invoice, invoice_id)
    return invoice is not None and invoice.account_id == check.account_id
