"""The people who use the finance workspace, and their signed-in sessions.

A user has one role: viewer (reads everything), finance (acts on invoices), admin (also manages users).
The password is kept only as an argon2 hash. A session is a row: the cookie carries a random token
(signed), the table keeps only its sha256, so a stolen database does not sign anyone in, and signing out
or changing a role ends the session on the server, not just in the browser.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from agent.models.base import utc_field


class Role(StrEnum):
    VIEWER = "viewer"
    FINANCE = "finance"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        """An admin may do what finance may, and finance what a viewer may."""
        return self.rank >= needed.rank


class User(SQLModel, table=True):
    __tablename__ = "web_user"  # `user` is a reserved word in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=320, description="Lower case: the login")
    password_hash: str = Field(max_length=255, description="argon2id, with its parameters")
    role: str = Field(default=Role.VIEWER, max_length=20)
    language: str = Field(default="en", max_length=8, description="The workspace's language for this user")
    timezone: str | None = Field(default=None, max_length=64, description="None: the company's")
    created_at: datetime = utc_field()
    last_login_at: datetime | None = utc_field(nullable=True)


class WebSession(SQLModel, table=True):
    __tablename__ = "web_session"

    id: str = Field(primary_key=True, max_length=64, description="sha256 of the cookie's token")
    user_id: int = Field(foreign_key="web_user.id", index=True)
    csrf_token: str = Field(max_length=64, description="Every form of this session carries it")
    created_at: datetime = utc_field()
    last_seen_at: datetime = utc_field()
