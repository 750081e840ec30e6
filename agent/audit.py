"""Write the audit trail: what happened, to which entity, in words a person can read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from agent.models import AuditEvent


def record(
    session: Session,
    *,
    at: datetime,
    entity: str,
    entity_id: int | None,
    action: str,
    message: str,
    **detail: Any,
) -> AuditEvent:
    event = AuditEvent(
        at=at, entity=entity, entity_id=entity_id, action=action, message=message, detail=detail
    )
    session.add(event)
    return event
