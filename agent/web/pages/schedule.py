"""The schedule (home page): the steps to come, day by day, and the e-mail each will send.

Filters are query parameters (a filtered view is a link a person can keep). Dates in the filters are
days of the user's time zone. Fifty steps a page; the e-mail of a step is written only when its preview
is opened (`/schedule/preview/ID`), by the dispatcher's own code.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session, col, select
from starlette.responses import Response

from agent import views
from agent.models import Account, Invoice, Reminder
from agent.views.invoice import plan_names
from agent.views.schedule import SHOWN_STATES
from agent.web import auth
from agent.web.pages.common import db, render, runtime_of, viewer, viewer_of

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
MAX_DAYS = 366


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _number(text: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(text or default), low), high)
    except ValueError:
        return default


@router.get("/")
def schedule_page(
    request: Request, user: auth.SignedIn = Depends(viewer), session: Session = Depends(db)
) -> Response:
    runtime = runtime_of(request)
    now = runtime.clock.now()
    zone = ZoneInfo(viewer_of(request).zone)
    given = request.query_params
    days = _number(given.get("days"), 14, 1, MAX_DAYS)
    first, last = _day(given.get("from")), _day(given.get("to"))
    start = datetime.combine(first, time(0), tzinfo=zone) if first else None
    end = (
        datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
        if last
        else now + timedelta(days=days)
    )
    account = given.get("account", "")
    filters = views.ScheduleFilters(
        end=end,
        start=start,
        account_id=int(account) if account.isdigit() else None,
        language=given.get("language") or None,
        plan=given.get("plan") or None,
        state=given.get("state") or None,
        search=(given.get("q") or "").strip() or None,
    )
    page = _number(given.get("page"), 1, 1, 1_000_000)
    total = views.count_steps(session, filters)
    rows = views.schedule_page(
        session, runtime.settings, now=now, filters=filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    grouped = [
        (day, list(items))
        for day, items in groupby(rows, key=lambda r: r["planned_at"].astimezone(zone).date())
    ]
    choices = _choices(session, end)
    return render(
        request,
        "schedule.html",
        groups=grouped,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        query={
            key: given.get(key, "")
            for key in ("days", "from", "to", "account", "language", "plan", "state", "q")
        },
        days=days,
        end=end,
        now=now,
        today=now.astimezone(zone).date(),
        plans=plan_names(runtime.settings),
        states=[str(state) for state in SHOWN_STATES],
        **choices,
    )


def _choices(session: Session, end: datetime) -> dict[str, list[tuple[str, str]]]:
    """The customers and languages that have steps to come before `end`: what the filters offer (one
    statement each, whatever the number of steps)."""
    upcoming = (
        select(Account.id, Account.name, Reminder.language)
        .join(Invoice, col(Invoice.account_id) == col(Account.id))
        .join(Reminder, col(Reminder.invoice_id) == col(Invoice.id))
        .where(col(Reminder.state).in_(SHOWN_STATES), col(Reminder.planned_at) <= end)
        .distinct()
    )
    found = session.exec(upcoming).all()
    accounts = sorted({(str(i), name) for i, name, _ in found}, key=lambda pair: pair[1].lower())
    languages = sorted({(language, language) for _, _, language in found})
    return {"accounts": accounts, "step_languages": languages}


@router.get("/schedule/preview/{reminder_id}")
def preview(
    request: Request, reminder_id: int, user: auth.SignedIn = Depends(viewer), session: Session = Depends(db)
) -> Response:
    runtime = runtime_of(request)
    found = views.email_preview(session, runtime.settings, reminder_id=reminder_id, now=runtime.clock.now())
    if found is None:
        return render(
            request, "error.html", status_code=404, message=viewer_of(request).gettext("No such step.")
        )
    fragment = request.query_params.get("fragment") == "1"  # the schedule's inline preview (JavaScript)
    return render(request, "_preview.html" if fragment else "preview.html", step=found)
