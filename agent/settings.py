"""One settings object for the whole agent.

Sources, highest priority first: keyword arguments (the CLI's `--data-dir`), environment variables
`RELANCE_*` (nested with `__`, e.g. `RELANCE_COMPANY__NAME`), a `relance.toml` file (the path in
`RELANCE_CONFIG`, else `./relance.toml`), then the defaults below. The defaults are the embedded
setup: a SQLite database, a Maildir inbox and a Maildir outbox inside the data directory, no LLM.
"""

from __future__ import annotations

import os
import string
from datetime import time
from decimal import Decimal
from email.headerregistry import Address
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "relance"


class CompanySettings(BaseModel):
    """Who we are: the supplier on every invoice, and the sender of every reminder."""

    name: str = "Relance Demo SAS"
    legal_names: list[str] = Field(default_factory=list, description="Other names the company invoices as")
    vat_id: str | None = None
    country: str = "FR"
    collections_address: str = "collections@relance.example"
    finance_address: str = "finance@relance.example"
    timezone: str = "Europe/Paris"
    default_language: str = "fr"
    iban: str | None = Field(
        default=None, description="Account customers pay into (shown in reminders, in the SEPA QR code)"
    )
    bic: str | None = Field(default=None, description="Its bank's BIC (optional for an IBAN in the EEA)")
    sender_name: str | None = Field(
        default=None,
        description="Who every e-mail is from, as the reader's mail program shows it "
        '(From: "Atelier Numérique – Comptabilité" <collections address>); unset: the company name',
    )

    def all_names(self) -> list[str]:
        return [self.name, *self.legal_names]

    def from_header(self) -> str:
        """The From of every e-mail: the display name (quoted when it must be; a non-ASCII one is
        RFC 2047-encoded when the message is written) and the collections address."""
        return str(Address(display_name=self.sender_name or self.name, addr_spec=self.collections_address))

    # A wrong IBAN printed on every reminder sends customers' money nowhere: refused when settings load.
    @field_validator("iban")
    @classmethod
    def _valid_iban(cls, value: str | None) -> str | None:
        if not value:
            return None
        try:
            return str(stdnum_iban.validate(value))
        except ValidationError as error:
            raise ValueError(f"company.iban {value!r} is not a valid IBAN: {error}") from error

    @field_validator("bic")
    @classmethod
    def _valid_bic(cls, value: str | None) -> str | None:
        if not value:
            return None
        try:
            return str(stdnum_bic.validate(value))
        except ValidationError as error:
            raise ValueError(f"company.bic {value!r} is not a valid BIC: {error}") from error


class MailboxSettings(BaseModel):
    """Where finance forwards documents. `maildir` is a local folder; `imap` a real mailbox."""

    kind: Literal["maildir", "imap"] = "maildir"
    path: Path | None = Field(default=None, description="Maildir folder; default <data_dir>/inbox")
    host: str | None = None
    port: int = 993
    security: Literal["tls", "starttls", "none"] = "tls"
    user: str | None = None
    password: SecretStr | None = None
    ca_file: Path | None = Field(
        default=None, description="CA certificates to trust, for a server with a private certificate"
    )
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    quarantine_folder: str = "Quarantine"
    sent_folder: str | None = Field(
        default="Sent", description="IMAP folder that keeps a copy of every sent e-mail (None: no copy)"
    )
    allowed_senders: list[str] = Field(
        default_factory=list,
        description="Addresses or @domains allowed to submit documents; empty = the finance address only",
    )
    require_authentication: bool = Field(
        default=False,
        description="Also require SPF or DKIM pass in Authentication-Results from the server below",
    )
    trusted_authserv_id: str | None = Field(
        default=None, description="authserv-id of your own mail server's Authentication-Results header"
    )
    max_message_bytes: int = Field(
        default=40_000_000,
        description="A bigger message is quarantined unread (a 25 MB file weighs ~34 MB in a message)",
    )
    max_attachment_bytes: int = Field(
        default=25_000_000, description="A bigger attachment is not read; the message says it was skipped"
    )
    max_messages_per_sender_per_hour: int = Field(
        default=20,
        description="From one correspondent outside the allowed senders: more are quarantined unread "
        "(an auto-reply storm or a loop)",
    )


class OutgoingSettings(BaseModel):
    """Where e-mails go. `outbox` writes them to a local Maildir; `smtp` sends them."""

    kind: Literal["outbox", "smtp"] = "outbox"
    path: Path | None = Field(default=None, description="Outbox Maildir; default <data_dir>/outbox")
    host: str | None = None
    port: int = 587
    security: Literal["tls", "starttls", "none"] = "starttls"
    user: str | None = None
    password: SecretStr | None = None
    ca_file: Path | None = Field(
        default=None, description="CA certificates to trust, for a server with a private certificate"
    )


class LlmSettings(BaseModel):
    """Any OpenAI-compatible endpoint. Unset means the deterministic extractor only."""

    base_url: str | None = None
    api_key: SecretStr | None = None
    model: str | None = None

    @property
    def configured(self) -> bool:
        return bool(self.base_url and self.model)


class ReminderSettings(BaseModel):
    default_plan: str = "standard"
    send_window_start: time = Field(default=time(9, 0), description="Reminders go out from this local hour")
    send_window_end: time = Field(
        default=time(11, 0), description="to this one, on the customer's business days"
    )
    balance_tolerance: Decimal = Field(
        default=Decimal("1.00"), description="Balances at or under this amount are never chased"
    )
    max_payment_sync_age_hours: int | None = Field(
        default=None,
        description="Hold reminders when payments were last synced longer ago than this (None: no check)",
    )
    promise_grace_days: int = Field(
        default=3, description="A promise to pay holds the plan until its date plus this many days"
    )
    reference_rate: Decimal | None = Field(
        default=Decimal("2.15"),
        description="ECB main refinancing rate in percent, for late-payment interest in final notices",
    )


class CsvFormat(BaseModel):
    """How to read a bank or accounting CSV export. What is left unset is detected from the file."""

    columns: dict[str, str] = Field(
        default_factory=dict,
        description="Header of each field in the file: date, amount, currency, reference, payer, "
        "payer_account, bank_reference (unset: recognised from common headers in several languages)",
    )
    delimiter: str | None = Field(default=None, description="';', ',' or a tab (unset: sniffed)")
    date_order: Literal["DMY", "MDY", "YMD"] = "DMY"
    decimal_separator: Literal[",", "."] | None = Field(
        default=None, description="unset: read from each amount (1 234,56 and 1,234.56 both work)"
    )
    encoding: str = "utf-8-sig"
    default_currency: str = "EUR"


class PaymentSettings(BaseModel):
    csv: CsvFormat = Field(default_factory=CsvFormat)
    api_token: SecretStr | None = Field(
        default=None, description="Bearer token for POST /api/payments (unset: the endpoint refuses)"
    )
    api_host: str = "127.0.0.1"
    api_port: int = 8765
    connectors: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="name -> options; 'kind' names a built-in connector or an entry point of the "
        "'relance.payment_connectors' group (see docs/payments.md)",
    )
    link_template: str | None = Field(
        default=None,
        description="Payment page for one invoice, e.g. "
        "https://pay.example.com/{invoice_number}?amount={amount} "
        "(fields: invoice_number, amount, currency, reference; unset: no payment link)",
    )

    @field_validator("link_template")
    @classmethod
    def _known_fields(cls, value: str | None) -> str | None:
        known = {"invoice_number", "amount", "currency", "reference"}
        for _, name, _, _ in string.Formatter().parse(value or ""):
            if name is not None and name not in known:
                raise ValueError(f"payments.link_template: unknown field {{{name}}} (known: {sorted(known)})")
        return value or None


class WebSettings(BaseModel):
    """The finance workspace (`relance web`): where it listens and how long a sign-in lasts."""

    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs the session cookies (unset: a random key kept in <data_dir>/web-secret)",
    )
    session_idle_minutes: int = Field(default=60, description="Signed out after this long without a request")
    session_max_hours: int = Field(default=12, description="Signed out this long after signing in, whatever")
    login_attempts_per_account: int = Field(
        default=5, description="Failed sign-ins per account in 15 minutes before it must wait"
    )
    login_attempts_per_address: int = Field(
        default=20, description="Failed sign-ins per client address in 15 minutes before it must wait"
    )


class StatementLinkSettings(BaseModel):
    """Links to a customer's statement page: signed, expiring, revocable, one account each."""

    url_template: str | None = Field(
        default=None,
        description="Public address of the statement page, with {token}, e.g. "
        "https://relance.example.com/statement/{token} (unset: reminders carry no statement link)",
    )
    lifetime_days: int = Field(
        default=60, ge=1, description="A link stops working this long after it is made"
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs the links (unset: the workspace's key, web.secret_key or <data_dir>/web-secret)",
    )

    @field_validator("url_template")
    @classmethod
    def _has_token(cls, value: str | None) -> str | None:
        if value and "{token}" not in value:
            raise ValueError("statement_links.url_template must contain {token}")
        return value or None


class WorkerSettings(BaseModel):
    """Several `relance run` processes on one PostgreSQL share the work through claims in the database."""

    lease_seconds: int = Field(
        default=300,
        ge=0,
        description="A claim (a message, a batch of steps, a payment file, the mailbox reader) lapses this "
        "long after it was taken or renewed: a worker that died loses its work to another after it",
    )
    name: str | None = Field(
        default=None, description="How this worker signs its claims (default: host name and process id)"
    )


class DigestSettings(BaseModel):
    """The weekly e-mail to finance: the week to come, what waits for them, last week (docs/digest.md)."""

    enabled: bool = Field(default=True, description="Send the weekly digest")
    weekday: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] = "monday"
    at: time = Field(default=time(8, 0), description="From this local time (the company's time zone)")
    recipients: list[str] = Field(
        default_factory=list,
        description="Who receives it (default: company.finance_address); each may answer",
    )


def config_file(init_settings: PydanticBaseSettingsSource) -> Path:
    """Which relance.toml to read: RELANCE_CONFIG, else the data directory's own, else ./relance.toml.

    A data directory carries its configuration, so `relance schedule --data-dir X` renders with X's
    company, not with whatever the current folder holds."""
    if os.environ.get("RELANCE_CONFIG"):
        return Path(os.environ["RELANCE_CONFIG"])
    given = getattr(init_settings, "init_kwargs", {}).get("data_dir") or os.environ.get("RELANCE_DATA_DIR")
    if given and (Path(given) / "relance.toml").exists():
        return Path(given) / "relance.toml"
    return Path("relance.toml")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="RELANCE_",
        env_nested_delimiter="__",
        extra="ignore",
    )

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = Field(default=None, description="Default: SQLite file in the data directory")
    company: CompanySettings = Field(default_factory=CompanySettings)
    mailbox: MailboxSettings = Field(default_factory=MailboxSettings)
    outgoing: OutgoingSettings = Field(default_factory=OutgoingSettings)
    llm: LlmSettings = Field(default_factory=LlmSettings)
    reminders: ReminderSettings = Field(default_factory=ReminderSettings)
    payments: PaymentSettings = Field(default_factory=PaymentSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    workers: WorkerSettings = Field(default_factory=WorkerSettings)
    statement_links: StatementLinkSettings = Field(default_factory=StatementLinkSettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    review_threshold: float = Field(
        default=0.8, description="An extraction whose weakest key field is under this goes to a person"
    )
    workflows_dir: Path = PROJECT_ROOT / "workflows"
    templates_dir: Path = PROJECT_ROOT / "templates"
    prompts_dir: Path = PROJECT_ROOT / "prompts"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file(init_settings))
        return (init_settings, env_settings, toml, file_secret_settings)

    # Derived locations: one place decides where the embedded parts live.
    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'relance.sqlite3'}"

    @property
    def inbox_path(self) -> Path:
        return self.mailbox.path or self.data_dir / "inbox"

    @property
    def outbox_path(self) -> Path:
        return self.outgoing.path or self.data_dir / "outbox"

    @property
    def raw_store_path(self) -> Path:
        return self.data_dir / "raw"

    @property
    def payments_dir(self) -> Path:
        """Drop folder for payment files: incoming/ is watched; files move to imported/ or failed/."""
        return self.data_dir / "payments"

    @property
    def checkpoint_path(self) -> Path:
        return self.data_dir / "checkpoints.sqlite3"

    def masked(self) -> dict[str, Any]:
        """The effective configuration as plain data, secrets masked (for `relance config show`)."""
        data = self.model_dump(mode="json")
        data["database_url"] = mask_url(self.effective_database_url)
        data["mailbox"]["path"] = str(self.inbox_path)
        data["outgoing"]["path"] = str(self.outbox_path)
        for options in data["payments"]["connectors"].values():  # connector options may hold API keys
            for key in options:
                if any(word in key.lower() for word in ("key", "token", "secret", "password")):
                    options[key] = "**********"
        return data


def mask_url(url: str) -> str:
    """Hide the password in a database URL such as postgresql://user:secret@host/db."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:**********@{host}" if ":" in credentials else url
