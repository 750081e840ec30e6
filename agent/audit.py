"""Write the audit trail: what happened, to which entity, in words a person can read, and who did it.

Every event names its actor (`detail["actor"]`): the workspace user who acted, finance's address when
the event came from finance's reply, a person at the command line, or `relance` itself when nothing but
the agent decided (a payment matched, a step sent, a reply read). "By finance" is not an identity: a
caller acting for a person passes that person as `actor`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from agent.models import AuditEvent

RELANCE = "relance"  # the actor of what the agent did on its own


def record(
    session: Session,
    *,
    at: datetime,
    entity: str,
    entity_id: int | None,
    action: str,
    message: str,
    actor: str | None = None,
    **detail: Any,
) -> AuditEvent:
    event = AuditEvent(
        at=at,
        entity=entity,
        entity_id=entity_id,
        action=action,
        message=message,
        detail={**detail, "actor": actor or RELANCE},
    )
    session.add(event)
    return event
