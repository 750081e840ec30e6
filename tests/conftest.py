"""Shared fixtures: an isolated data directory, a fixed clock, the agent, and real servers."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from agent.clock import FixedClock
from agent.db import upgrade
from agent.flow.service import Agent
from agent.mail.maildir import MaildirOutbox
from agent.runtime import Runtime
from agent.settings import CompanySettings, Settings
from tests.servers.dovecot import DovecotServer
from tests.servers.postgres import PostgresServer
from tests.servers.smtp import SmtpServer

# The weekly digest is a task of its own and an e-mail every Monday: off unless a test turns it on
# (tests/test_digest_mail.py does), so the other tests' counts of tasks and e-mails stay theirs. Read by
# Settings from the environment, so `relance` run by a test in a subprocess has it off too.
os.environ.setdefault("RELANCE_DIGEST__ENABLED", "false")

SHARED_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FINANCE = "compta@supplier.example"
COMPANY = CompanySettings(
    name="Supplier Test SAS",
    vat_id="FR44732829320",
    country="FR",
    collections_address="ar@supplier.example",
    finance_address=FINANCE,
    timezone="Europe/Paris",
    default_language="fr",
)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 2, 8, 0, tzinfo=UTC))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", company=COMPANY)


@pytest.fixture
def runtime(settings: Settings, clock: FixedClock) -> Iterator[Runtime]:
    runtime = Runtime.open(settings, clock)
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def agent(runtime: Runtime) -> Iterator[Agent]:
    with Agent(runtime) as instance:
        yield instance


@pytest.fixture
def outbox(settings: Settings) -> MaildirOutbox:
    return MaildirOutbox(settings.outbox_path)


def make_email(
    *,
    sender: str = FINANCE,
    subject: str = "Fwd: invoice",
    body: str = "See attached.",
    files: list[tuple[str, bytes]] | None = None,
    in_reply_to: str | None = None,
    at: datetime | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "invoices@supplier.example", subject
    message["Date"] = format_datetime(at or datetime(2026, 11, 2, 8, 0, tzinfo=UTC))
    message["Message-ID"] = f"<{uuid.uuid4().hex}@test.example>"
    if in_reply_to:
        message["In-Reply-To"], message["References"] = in_reply_to, in_reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    for name, data in files or []:
        kind = {"xml": "application/xml", "png": "image/png", "jpg": "image/jpeg"}.get(name.rsplit(".")[-1])
        maintype, subtype = (kind or "application/pdf").split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server. Skipped where none can start, unless RELANCE_REQUIRE_POSTGRES=1 (CI)."""
    try:
        server = PostgresServer.start()
    except Exception as error:
        if os.environ.get("RELANCE_REQUIRE_POSTGRES") == "1":
            raise
        pytest.skip(f"PostgreSQL not available here: {error}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    """A real Dovecot IMAP server. Skipped where none can start, unless RELANCE_REQUIRE_DOVECOT=1 (CI)."""
    try:
        server = DovecotServer.start()
    except Exception as error:
        if os.environ.get("RELANCE_REQUIRE_DOVECOT") == "1":
            raise
        pytest.skip(f"Dovecot not available here: {error}")
    yield server
    server.remove()


@pytest.fixture(scope="session")
def ocr() -> None:
    """Debian's tesseract (with our seven languages) and pdftoppm. Skipped where they are not installed,
    unless RELANCE_REQUIRE_OCR=1 (CI, where scripts/test installs them)."""
    from agent.documents.ocr import LANGUAGES, installed_languages

    missing = [code for code in LANGUAGES if code not in installed_languages()]
    missing += [] if shutil.which("pdftoppm") else ["pdftoppm"]
    if missing:
        if os.environ.get("RELANCE_REQUIRE_OCR") == "1":
            raise RuntimeError(f"OCR tools missing: {missing}")
        pytest.skip(f"OCR tools missing here: {missing}")


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def pg_runtime(postgres: PostgresServer, tmp_path: Path, clock: FixedClock) -> Iterator[Runtime]:
    """The runtime on a fresh, migrated database of the real PostgreSQL server."""
    url = postgres.create_database(f"relance_{uuid.uuid4().hex[:10]}")
    upgrade(url)
    runtime = Runtime.open(Settings(data_dir=tmp_path / "data", company=COMPANY, database_url=url), clock)
    yield runtime
    runtime.engine.dispose()
