"""The audit trail as the workspace's audit page shows it: filtered by entity, action, actor and a range of
instants, newest first, a page at a time (one statement for the page, one for the count).

The actor is the person named on the event (`detail.actor`: a workspace user, or finance's address when
the event came from a reply); an event without one was relance's own doing. It is read from the JSON
detail with SQLAlchemy's JSON accessor, which both SQLite and PostgreSQL evaluate in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from agent.models import AuditEvent


@dataclass(frozen=True)
class AuditFilters:
    entity: str | None = None
    action: str | None = None
    actor: str | None = None  # part of the address, any case
    start: datetime | None = None
    end: datetime | None = None  # excluded
    entity_id: int | None = None


def _actor() -> Any:
    return AuditEvent.__table__.c.detail["actor"].as_string()  # type: ignore[attr-defined]


def _filtered(statement: Any, filters: AuditFilters) -> Any:
    if filters.entity:
        statement = statement.where(AuditEvent.entity == filters.entity)
    if filters.entity_id is not None:
        statement = statement.where(AuditEvent.entity_id == filters.entity_id)
    if filters.action:
        statement = statement.where(AuditEvent.action == filters.action)
    if filters.actor:
        statement = statement.where(func.lower(_actor()).like(f"%{filters.actor.strip().lower()}%"))
    if filters.start is not None:
        statement = statement.where(col(AuditEvent.at) >= filters.start)
    if filters.end is not None:
        statement = statement.where(col(AuditEvent.at) < filters.end)
    return statement


def count_audit(session: Session, filters: AuditFilters) -> int:
    return int(session.exec(_filtered(select(func.count()).select_from(AuditEvent), filters)).one())


def audit_page(
    session: Session, filters: AuditFilters, *, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    statement = _filtered(
        select(AuditEvent).order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()), filters
    )
    return [
        {
            "id": e.id,
            "at": e.at,
            "entity": e.entity,
            "entity_id": e.entity_id,
            "action": e.action,
            "actor": (e.detail or {}).get("actor"),
            "message": e.message,
        }
        for e in session.exec(statement.offset(offset).limit(limit))
    ]


def audit_choices(session: Session) -> dict[str, list[str]]:
    """The entities and actions the trail holds: what the filters offer (two statements)."""
    entities = session.exec(select(AuditEvent.entity).distinct().order_by(col(AuditEvent.entity))).all()
    actions = session.exec(select(AuditEvent.action).distinct().order_by(col(AuditEvent.action))).all()
    return {"entities": list(entities), "actions": list(actions)}
