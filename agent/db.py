"""The database edge: engine, sessions and migrations.

The same code runs on SQLite (embedded default) and PostgreSQL (production). The schema is owned by
Alembic; `upgrade()` brings any database to the newest revision. The embedded SQLite database is
upgraded automatically when opened; a PostgreSQL database must be upgraded on purpose
(`relance db upgrade`), because migrating a shared production database is a decision, not a side effect.

Leases (`claim_lease`): several workers share the work through rows of `work_lease`, never through
memory or a local file; see docs/deploy.md.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, delete, event, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlmodel import Session

from agent.settings import Settings

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class SchemaOutOfDate(RuntimeError):
    pass


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")  # readers (the CLI) never block the service
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str) -> Config:
    from alembic.config import Config  # Alembic only where a schema changes: every command starts faster

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


_REVISION = re.compile(r"^(down_revision|revision)\b[^=]*=\s*(None|[\"']([^\"']+)[\"'])", re.MULTILINE)


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest revision of the migration scripts: the one no other script follows. Read from the
    scripts' own `revision` and `down_revision` lines, without importing Alembic (a test checks it
    against Alembic's answer), since every command opens the database and few of them migrate it."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for name, _value, revision in _REVISION.findall(script.read_text(encoding="utf-8")):
            if revision:
                (revisions if name == "revision" else followed).add(revision)
    heads = revisions - followed
    if len(heads) > 1:
        raise RuntimeError(f"the migrations have several heads: {sorted(heads)}")
    return next(iter(heads), None)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (Alembic's own table), None for a new database."""
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError):  # no such table: nothing was ever migrated
        return None


def open_database(settings: Settings) -> Engine:
    """An engine on an up-to-date schema, or a clear error saying what to run."""
    url = settings.effective_database_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    if current_revision(engine) != head_revision():
        if engine.dialect.name == "sqlite":
            upgrade(url)
        else:
            raise SchemaOutOfDate(
                f"the database schema is not at revision {head_revision()}: run `relance db upgrade`"
            )
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def worker_name(settings: Settings) -> str:
    """A new signature for claims: the configured name (else the host name), the process id and a random
    part (two agents, or two dispatch runs, in one process are two holders). A restarted worker is a new
    holder: it never takes a dead predecessor's claim for its own, it waits for the lease like any other."""
    return f"{settings.workers.name or socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def lease_seconds(settings: Settings) -> int:
    """How long a claim lasts before another worker may take its work over (`workers.lease_seconds`)."""
    return settings.workers.lease_seconds


def claim_lease(engine: Engine, name: str, *, holder: str, now: datetime, seconds: int) -> bool:
    """Take the lease `name` until now + seconds, or renew it when `holder` has it already. False when
    another holder's lease has not lapsed. One upsert whose update only happens when the row is free or
    ours: atomic on PostgreSQL (the row is locked by the conflict) and on SQLite (one writer)."""
    from sqlalchemy.dialects import postgresql, sqlite

    from agent.models.audit import WorkLease

    # Both dialects' INSERT ... ON CONFLICT DO UPDATE, spelt alike but typed apart: one name for either.
    insert: Any = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    table = WorkLease.__table__  # type: ignore[attr-defined]
    until = now + timedelta(seconds=seconds)
    statement = insert(table).values(name=name, holder=holder, until=until, taken_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.name],
        set_={"holder": holder, "until": until, "taken_at": now},
        where=(table.c.until <= now) | (table.c.holder == holder),
    ).returning(table.c.name)
    with engine.begin() as connection:
        return connection.execute(statement).first() is not None


def release_lease(engine: Engine, name: str, *, holder: str) -> None:
    """Give the lease back at once (the work is done): the next worker need not wait for it to lapse."""
    from agent.models.audit import WorkLease

    with engine.begin() as connection:
        connection.execute(
            delete(WorkLease).where(
                WorkLease.name == name,  # type: ignore[arg-type]
                WorkLease.holder == holder,  # type: ignore[arg-type]
            )
        )
