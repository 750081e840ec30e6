"""`GET /api/schedule`: the reminder steps to come, as the workspace's schedule page shows them (scope read).

The page comes from `views.schedule_page` (the dispatcher's own checks: whether each step will go out and
why not, which invoices share its e-mail), without writing any e-mail. Its order is the send order, and
steps leave the list as they go out, so its cursor is a position in the list *as of the request*: a
client reading the whole schedule reads it in one go (up to 500 steps a page) rather than across hours.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse

from agent import views
from agent.db import session_scope
from agent.models.api_token import Scope
from agent.runtime import Runtime
from agent.web.api.tokens import authorize, errors, refusal

MAX_PAGE = 500


class Contact(BaseModel):
    name: str | None
    email: str


class ScheduledStep(BaseModel):
    reminder_id: int
    invoice_id: int
    invoice: str
    account_id: int
    account: str
    contact: Contact | None
    language: str
    plan: str
    step: str
    planned_at: datetime  # UTC
    customer_zone: str  # the time zone the customer reads it in
    state: str  # planned | paused
    reason: str | None
    balance: Decimal
    currency: str
    due_date: date
    would_send: bool  # as the dispatcher would decide now
    hold_reason: str | None
    same_email_as: list[str]  # the other invoices its e-mail carries


class SchedulePage(BaseModel):
    items: list[ScheduledStep]
    next_cursor: str | None


def schedule_router(runtime: Runtime) -> APIRouter:
    def get_schedule(
        request: Request,
        days: Annotated[
            int, Query(ge=1, le=366, description="Steps planned up to this many days ahead")
        ] = 30,
        account: Annotated[int | None, Query(description="An account id")] = None,
        language: str | None = None,
        plan: str | None = None,
        state: Literal["planned", "paused"] | None = None,
        cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    ) -> SchedulePage | JSONResponse:
        caller = authorize(request, runtime, Scope.READ)
        if isinstance(caller, JSONResponse):
            return caller
        if cursor is not None and not cursor.isdigit():
            return refusal(422, "bad_cursor", "this cursor was not given by this API")
        offset = int(cursor or 0)
        now = runtime.clock.now()
        filters = views.ScheduleFilters(
            end=now + timedelta(days=days), account_id=account, language=language, plan=plan, state=state
        )
        with session_scope(runtime.engine) as session:
            rows = views.schedule_page(
                session, runtime.settings, now=now, filters=filters, limit=limit + 1, offset=offset
            )
        items = [
            ScheduledStep(**{name: row[name] for name in ScheduledStep.model_fields}) for row in rows[:limit]
        ]
        return SchedulePage(items=items, next_cursor=str(offset + limit) if len(rows) > limit else None)

    router = APIRouter()
    router.add_api_route(
        "/schedule",
        get_schedule,
        methods=["GET"],
        response_model=SchedulePage,
        responses=errors(401, 403, 422),
        summary="The reminder steps to come, in send order, and whether each will go out (scope read)",
    )
    return router
