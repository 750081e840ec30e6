"""Who is signed in: passwords, sessions, roles, and the brake on guessing passwords.

- Passwords: argon2id (argon2-cffi, the reference implementation's binding) with its default
  parameters; a hash made with older parameters is replaced at the next sign-in.
- Sessions: a random 32-byte token in a cookie signed with the workspace's key (itsdangerous), kept on the
  server as its sha256 in `web_session`. Signing in always makes a new session (rotation: a token planted
  before sign-in is worth nothing after); signing out deletes the row. A session ends after
  `web.session_idle_minutes` without a request, or `web.session_max_hours` after sign-in, measured on the
  injected clock.
- Sign-in attempts: after `web.login_attempts_per_account` failures for one e-mail address, or
  `web.login_attempts_per_address` from one client address, in 15 minutes, sign-in is refused until the
  window passes, with the right password too (a guesser learns nothing). Counted in this process's memory:
  one `relance web` serves one company, and a restart forgets the counts, which costs a guesser nothing.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, delete, select

from agent.models.user import Role, User, WebSession
from agent.settings import WebSettings

HASHER = PasswordHasher()
# Checked when the address is unknown, so a wrong address takes as long as a wrong password.
_DUMMY_HASH = HASHER.hash(secrets.token_hex(16))
LOGIN_WINDOW = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10


class UserError(ValueError):
    """A user cannot be added or changed as asked; the message says why."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return HASHER.hash(password)


def normalized_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or " " in email or len(email) > 320:
        raise UserError(f"{email!r} is not an e-mail address")
    return email


def add_user(session: Session, *, email: str, password: str, role: Role, at: datetime) -> User:
    email = normalized_email(email)
    if session.exec(select(User).where(User.email == email)).first() is not None:
        raise UserError(f"{email} already has an account")
    user = User(email=email, password_hash=hash_password(password), role=role, created_at=at)
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, email: str) -> User:
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise UserError(f"no user {email}")
    return user


def end_sessions(session: Session, user_id: int) -> int:
    """Sign a user out everywhere (after a role change or a removal)."""
    result = session.exec(delete(WebSession).where(col(WebSession.user_id) == user_id))
    return int(result.rowcount or 0)


def check_password(session: Session, email: str, password: str) -> User | None:
    """The user, when this is their password; None otherwise, in about the same time either way."""
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    try:
        HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
        session.add(user)
    return user


def token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, *, user: User, at: datetime, replacing: str | None) -> str:
    """A new session for the user; the one the browser had before (if any) is deleted. Returns the token
    for the cookie (the table keeps only its hash)."""
    if replacing:
        session.exec(delete(WebSession).where(col(WebSession.id) == token_id(replacing)))
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id=token_id(token),
            user_id=user.id or 0,
            csrf_token=secrets.token_urlsafe(32),
            created_at=at,
            last_seen_at=at,
        )
    )
    user.last_login_at = at
    session.add(user)
    return token


@dataclass(frozen=True)
class Person:
    """Who is signed in, as plain values: a page may still be drawn after its transaction rolled back."""

    id: int
    email: str
    role: str
    language: str
    timezone: str | None


@dataclass(frozen=True)
class SignedIn:
    user: Person
    csrf_token: str
    session_id: str


def current(session: Session, *, token: str, at: datetime, settings: WebSettings) -> SignedIn | None:
    """The signed-in user of this token, or None when the session is unknown or has expired (then it is
    deleted). A request moves the idle deadline on."""
    row = session.get(WebSession, token_id(token))
    if row is None:
        return None
    idle = at - row.last_seen_at > timedelta(minutes=settings.session_idle_minutes)
    too_old = at - row.created_at > timedelta(hours=settings.session_max_hours)
    user = session.get(User, row.user_id)
    if idle or too_old or user is None:
        session.delete(row)
        return None
    if at - row.last_seen_at > timedelta(minutes=1):  # one write a minute at most, not one per request
        row.last_seen_at = at
        session.add(row)
    person = Person(user.id or 0, user.email, user.role, user.language, user.timezone)
    return SignedIn(user=person, csrf_token=row.csrf_token, session_id=row.id)


def close_session(session: Session, token: str) -> None:
    session.exec(delete(WebSession).where(col(WebSession.id) == token_id(token)))


class LoginThrottle:
    """Failed sign-ins per account and per client address, over a sliding window of the injected clock."""

    def __init__(self, *, per_account: int, per_address: int) -> None:
        self.limits = {"account": per_account, "address": per_address}
        self.failures: dict[tuple[str, str], deque[datetime]] = {}
        self.lock = threading.Lock()

    def _recent(self, key: tuple[str, str], at: datetime) -> deque[datetime]:
        times = self.failures.setdefault(key, deque())
        while times and at - times[0] > LOGIN_WINDOW:
            times.popleft()
        return times

    def blocked(self, *, email: str, address: str, at: datetime) -> bool:
        with self.lock:
            keys = (("account", email.strip().lower()), ("address", address))
            return any(len(self._recent(key, at)) >= self.limits[key[0]] for key in keys)

    def failed(self, *, email: str, address: str, at: datetime) -> None:
        with self.lock:
            for key in (("account", email.strip().lower()), ("address", address)):
                self._recent(key, at).append(at)

    def succeeded(self, *, email: str) -> None:
        with self.lock:
            self.failures.pop(("account", email.strip().lower()), None)
