"""The audit log: every event relance recorded, newest first, filtered by what it is about (entity and
its id), what happened (action), who did it (actor: part of an address) and between two days of the
reader's time zone. A filtered view is a link a person can keep."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session
from starlette.responses import Response

from agent.views.audit_log import AuditFilters, audit_choices, audit_page, count_audit
from agent.web import auth
from agent.web.pages.common import db, page_number, render, viewer, viewer_of

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 100
LINKED = {"invoice": "/invoices/", "account": "/accounts/", "task": "/tasks/", "document": "/documents/",
          "inbound": "/intake/"}  # fmt: skip


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@router.get("/audit")
def audit_log(
    request: Request, user: auth.SignedIn = Depends(viewer), session: Session = Depends(db)
) -> Response:
    given = request.query_params
    zone = ZoneInfo(viewer_of(request).zone)
    first, last = _day(given.get("from")), _day(given.get("to"))
    entity_id = given.get("id", "")
    filters = AuditFilters(
        entity=given.get("entity") or None,
        entity_id=int(entity_id) if entity_id.isdigit() else None,
        action=given.get("action") or None,
        actor=(given.get("actor") or "").strip() or None,
        start=datetime.combine(first, time(0), tzinfo=zone) if first else None,
        end=datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone) if last else None,
    )
    page = page_number(given.get("page"))
    total = count_audit(session, filters)
    rows = audit_page(session, filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render(
        request,
        "audit.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        linked=LINKED,
        query={key: given.get(key, "") for key in ("entity", "id", "action", "actor", "from", "to")},
        **audit_choices(session),
    )
