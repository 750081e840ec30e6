"""Tasks as the workspace shows them: each in the state of its life, and one task with what it concerns.

A task is stored `open`, `done` or `cancelled`; the workspace tells two kinds of open apart:
- **awaiting reply**: its e-mail went out and nobody has answered since (a follow-up asked again after an
  unusable answer keeps it so);
- **open**: a person has something to do: an answer came and was noted (a customer's dispute, a reply
  that did not confirm), or no e-mail could be sent.
Worked out by the database (EXISTS on the e-mail sent and on a noted reply), so the list filters and
pages on it. The weekly digest's tasks are born closed and never listed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, exists
from sqlmodel import Session, col, func, or_, select

from agent.finance.task_answers import closable, concerned_invoices
from agent.ledger.accounts import valid_contact
from agent.models import Account, AuditEvent, Document, OutboundMessage, Task
from agent.models.task import TaskKind, TaskStatus
from agent.views.lists import balances

STATES = ("open", "awaiting_reply", "done", "cancelled")

_MAILED = exists().where(col(OutboundMessage.message_id) == col(Task.message_id))
_ANSWERED = exists().where(
    col(AuditEvent.entity) == "task",
    col(AuditEvent.entity_id) == col(Task.id),
    col(AuditEvent.action) == "reply_noted",
)
_AWAITING = and_(col(Task.status) == TaskStatus.OPEN, _MAILED, ~_ANSWERED)
STATE = case(
    (_AWAITING, "awaiting_reply"),
    else_=col(Task.status),
)


def _listed() -> Any:
    return col(Task.kind) != TaskKind.DIGEST


def _state_filter(state: str | None) -> Any:
    if state == "awaiting_reply":
        return _AWAITING
    if state == "open":
        return and_(col(Task.status) == TaskStatus.OPEN, ~_AWAITING)
    if state in ("done", "cancelled"):
        return col(Task.status) == state
    return col(Task.status) == TaskStatus.OPEN  # the default: everything still open, either way


def _search(statement: Any, search: str | None) -> Any:
    if not search:
        return statement
    pattern = f"%{search.strip().lower()}%"
    return statement.where(
        or_(
            func.lower(Task.title).like(pattern),
            func.lower(Task.token).like(pattern),
            func.lower(func.coalesce(Account.name, "")).like(pattern),
        )
    )


def state_counts(session: Session) -> dict[str, int]:
    """How many tasks in each state: one statement."""
    found = session.exec(select(STATE, func.count()).where(_listed()).group_by(STATE)).all()
    counts = dict.fromkeys(STATES, 0)
    counts.update({str(state): int(number) for state, number in found})
    return counts


def count_tasks(session: Session, *, state: str | None = None, search: str | None = None) -> int:
    statement = (
        select(func.count())
        .select_from(Task)
        .outerjoin(Account, col(Account.id) == col(Task.account_id))
        .where(_listed(), _state_filter(state))
    )
    return int(session.exec(_search(statement, search)).one())


def task_page(
    session: Session, *, state: str | None = None, search: str | None = None, limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    """One page of tasks in a state (the open ones, either way, by default), oldest first when open (the
    longest waiting on top), newest closed first otherwise: one statement."""
    newest_first = state in ("done", "cancelled")
    statement = (
        select(Task, Account.name, STATE)
        .outerjoin(Account, col(Account.id) == col(Task.account_id))
        .where(_listed(), _state_filter(state))
        .order_by(
            col(Task.closed_at).desc() if newest_first else col(Task.created_at),
            col(Task.id).desc() if newest_first else col(Task.id),
        )
        .offset(offset)
        .limit(limit)
    )
    return [_row(task, name, str(shown)) for task, name, shown in session.exec(_search(statement, search))]


def _row(task: Task, account: str | None, state: str) -> dict[str, Any]:
    return {
        "id": task.id,
        "kind": task.kind,
        "state": state,
        "token": task.token,
        "title": task.title,
        "account": account,
        "account_id": task.account_id,
        "document_id": task.document_id,
        "addressee": task.addressee,
        "created_at": task.created_at,
        "closed_at": task.closed_at,
        "closed_by": task.details.get("closed_by"),
        "resolution": task.resolution,
        "reasons": list(task.details.get("reasons", [])),
    }


def task_detail(session: Session, task_id: int) -> dict[str, Any] | None:
    """One task: what it asks and why, its state, who closed it and how, the invoices a resolution acts on
    (with their balance), the account's contact, the answers noted, and its audit trail."""
    found = session.exec(
        select(Task, Account.name, STATE)
        .outerjoin(Account, col(Account.id) == col(Task.account_id))
        .where(col(Task.id) == task_id, _listed())
    ).first()
    if found is None:
        return None
    task, name, state = found
    invoices = concerned_invoices(session, task) if task.status == TaskStatus.OPEN else []
    open_balances = balances(session, invoices)
    events = session.exec(
        select(AuditEvent)
        .where(AuditEvent.entity == "task", AuditEvent.entity_id == task.id)
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    ).all()
    document = session.get(Document, task.document_id) if task.document_id else None
    return {
        **_row(task, name, str(state)),
        "task": task,
        "closable": closable(task),
        "confirms_address": bool(task.details.get("confirm_contact")) and task.status == TaskStatus.OPEN,
        "document": document,
        "contact": valid_contact(session, task.account_id) if task.account_id else None,
        "invoices": [{"invoice": i, "balance": open_balances[i.id or 0]} for i in invoices],
        "replies": list(task.details.get("replies", [])),
        "events": list(events),
    }
