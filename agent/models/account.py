"""The customer account and the people we write to."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from agent.models.base import utc_field


class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    normalized_name: str = Field(index=True, description="For matching: no case, accents or legal form")
    vat_id: str | None = Field(default=None, unique=True, max_length=40)
    address: str | None = None
    country: str | None = Field(default=None, max_length=2)
    currency: str | None = Field(default=None, max_length=3)
    language: str | None = Field(default=None, max_length=8, description="Overrides the country's language")
    timezone: str | None = Field(default=None, max_length=64, description="Overrides the country's time zone")
    plan: str | None = Field(default=None, max_length=60, description="Overrides the company's plan")
    email_domain: str | None = Field(default=None, max_length=255)
    created_at: datetime = utc_field()


class Contact(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    name: str | None = None
    salutation: str | None = Field(
        default=None, max_length=8, description="mr | ms when finance said so; unset: a neutral greeting"
    )
    email: str = Field(max_length=320)
    language: str = Field(max_length=8)
    language_inferred: bool = Field(default=False, description="True when finance did not say it")
    valid: bool = Field(default=True, description="False after a bounce: never written to")
    timezone: str | None = Field(default=None, max_length=64, description="Where the contact reads mail")
    source: str = Field(default="task_reply", max_length=30)
    created_at: datetime = utc_field()
