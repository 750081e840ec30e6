"""The schema is Alembic's: an empty database upgrades to head on SQLite and PostgreSQL, and the
model's promises hold on both (exact money, UTC instants, one reminder per invoice step)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

import agent.models  # noqa: F401
from agent.db import current_revision, head_revision, make_engine, upgrade
from agent.models import Account, Invoice, Reminder
from tests.servers.postgres import PostgresServer


def _exercise_schema(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables

    at = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    with Session(engine) as session:
        account = Account(name="Acme SARL", normalized_name="acme", created_at=at)
        session.add(account)
        session.flush()
        invoice = Invoice(
            account_id=account.id or 0,
            number="F-1",
            issue_date=date(2026, 3, 1),
            due_date=date(2026, 3, 31),
            currency="EUR",
            total_gross=Decimal("0.10") + Decimal("0.20"),
            amount_due=Decimal("1234567890.12"),
            created_at=at,
        )
        session.add(invoice)
        session.flush()
        paris = timezone(timedelta(hours=2))
        session.add(
            Reminder(
                invoice_id=invoice.id or 0,
                plan="standard",
                step=0,
                step_name="courtesy",
                template="courtesy",
                planned_at=datetime(2026, 3, 29, 9, 0, tzinfo=paris),
                language="fr",
                created_at=at,
            )
        )
        session.commit()

    with Session(engine) as session:
        stored = session.exec(select(Invoice)).one()
        assert stored.total_gross == Decimal("0.30")  # 0.1 + 0.2 in floats would be 0.30000000000000004
        assert stored.amount_due == Decimal("1234567890.12")
        reminder = session.exec(select(Reminder)).one()
        assert reminder.planned_at == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)
        assert reminder.planned_at.tzinfo is not None

    with Session(engine) as session:
        session.add(
            Reminder(
                invoice_id=stored.id or 0,
                plan="standard",
                step=0,
                step_name="again",
                template="courtesy",
                planned_at=at,
                language="fr",
                created_at=at,
            )
        )
        with pytest.raises(IntegrityError):
            session.commit()  # (invoice, step) is unique: the same step can never be planned twice
    engine.dispose()


def test_empty_sqlite_database_upgrades_to_head(tmp_path: Path) -> None:
    _exercise_schema(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")


def test_upgrade_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'twice.sqlite3'}"
    upgrade(url)
    upgrade(url)
    assert current_revision(make_engine(url)) == head_revision()


def test_money_refuses_floats(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'float.sqlite3'}"
    upgrade(url)
    with Session(make_engine(url)) as session:
        session.add(Account(name="A", normalized_name="a", created_at=datetime.now(UTC)))
        session.flush()
        session.add(
            Invoice(
                account_id=1,
                number="1",
                issue_date=date.today(),
                due_date=date.today(),
                currency="EUR",
                total_gross=0.3,
                amount_due=Decimal("0.3"),  # type: ignore[arg-type]
                created_at=datetime.now(UTC),
            )
        )
        with pytest.raises(Exception, match="money must be a Decimal"):
            session.flush()


@pytest.mark.postgres
def test_empty_postgres_database_upgrades_to_head(postgres: PostgresServer) -> None:
    _exercise_schema(postgres.create_database("relance_schema"))


def test_migrations_create_exactly_the_models(tmp_path: Path) -> None:
    """A model changed without its migration would pass on a fresh test database and fail on the
    production one: Alembic's own comparison must find nothing to do."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    url = f"sqlite:///{tmp_path / 'compare.sqlite3'}"
    upgrade(url)
    with make_engine(url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, SQLModel.metadata)
    ours = [d for d in differences if "checkpoint" not in str(d) and "writes" not in str(d)]
    assert ours == []
