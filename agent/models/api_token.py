"""API tokens: what a program may do in a user's name over the HTTP API (`/api/...`).

A token belongs to one workspace user and carries one or more scopes: `read` (invoices, schedule,
accounts, batches), `documents` (upload files), `payments` (push payments). The role rules of the
workspace apply: a scope needs the role that may do the same in the pages (`Scope.needed_role`), checked
when the token is made and again on every request, so lowering a user's role narrows their tokens at once.

The token itself is shown once, when it is made; the table keeps only its sha256 (`secret_hash`) and its
first characters (`hint`, to tell tokens apart in a list). Removing a user deletes their tokens (ON DELETE
CASCADE); revoking one keeps the row, with its last use, for the audit.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from agent.models.base import utc_field
from agent.models.user import Role


class Scope(StrEnum):
    READ = "read"
    DOCUMENTS = "documents"
    PAYMENTS = "payments"

    @property
    def needed_role(self) -> Role:
        """A viewer reads; uploading documents or pushing payments changes the book: finance's work."""
        return Role.VIEWER if self is Scope.READ else Role.FINANCE


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="web_user.id", ondelete="CASCADE", index=True)
    name: str = Field(default="", max_length=100, description="What it is for, as its maker said")
    scopes: str = Field(max_length=60, description="Space-separated scopes: read documents payments")
    secret_hash: str = Field(unique=True, max_length=64, description="sha256 of the token, hex")
    hint: str = Field(max_length=16, description="The token's first characters, to recognise it")
    created_at: datetime = utc_field()
    last_used_at: datetime | None = utc_field(nullable=True)
    revoked_at: datetime | None = utc_field(nullable=True)

    @property
    def scope_set(self) -> frozenset[Scope]:
        return frozenset(Scope(name) for name in self.scopes.split())
