"""Tasks: what relance asked finance, in the state of its life (to do, awaiting reply, done, cancelled),
and what finance answers from the page instead of by e-mail.

Every answer goes through `agent.finance.task_answers`, the functions `relance tasks` uses too: a contact
request answered with a contact (the e-mail answer's own path and checks), a changed address confirmed,
a customer's dispute or "already paid" resolved (resume, keep paused, cancel the invoice), any other task
closed as done or cancelled with why. Each names the person (task `closed_by`, audit `actor`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Depends, Form, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from agent.finance import task_answers
from agent.models import Task
from agent.models.task import TaskKind
from agent.templating import supported_languages
from agent.views.task_list import STATES, count_tasks, state_counts, task_detail, task_page
from agent.web import auth
from agent.web.pages.common import (
    db,
    finance_form,
    not_found,
    page_number,
    render,
    resume_waiting,
    runtime_of,
    viewer,
    viewer_of,
)

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
NOTICES = ("answered", "pending", "resolved", "cancelled", "confirmed")


@router.get("/tasks")
def task_list(
    request: Request, user: auth.SignedIn = Depends(viewer), session: Session = Depends(db)
) -> Response:
    given = request.query_params
    state = given.get("state") if given.get("state") in STATES else None
    search = (given.get("q") or "").strip() or None
    page = page_number(given.get("page"))
    total = count_tasks(session, state=state, search=search)
    rows = task_page(session, state=state, search=search, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render(
        request,
        "tasks.html",
        rows=rows,
        total=total,
        counts=state_counts(session),
        state=state,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        query={"state": state or "", "q": given.get("q", "")},
    )


def _task_page(
    request: Request, session: Session, task_id: int, *, error: str | None = None, status: int = 200
) -> Response:
    detail = task_detail(session, task_id)
    if detail is None:
        return not_found(request, viewer_of(request).gettext("No such task."))
    done = request.query_params.get("done")
    return render(
        request,
        "task.html",
        status_code=status,
        t=detail,
        error=error,
        done=done if done in NOTICES else None,
        template_languages=sorted(supported_languages(runtime_of(request).settings.templates_dir)),
    )


@router.get("/tasks/{task_id}")
def task_view(
    request: Request, task_id: int, user: auth.SignedIn = Depends(viewer), session: Session = Depends(db)
) -> Response:
    return _task_page(request, session, task_id)


def _act(
    request: Request, session: Session, task_id: int, action: Callable[[Task, datetime], str]
) -> Response:
    """Run one answer on the task; a refusal shows the task again with why, and changes nothing."""
    task = session.get(Task, task_id)
    if task is None or task.kind == "digest":
        return not_found(request, viewer_of(request).gettext("No such task."))
    awaited = task.kind == TaskKind.CONTACT_REQUEST or bool(task.details.get("confirm_contact"))
    try:
        notice = action(task, runtime_of(request).clock.now())
    except task_answers.TaskRefused as error:
        session.rollback()
        return _task_page(request, session, task_id, error=str(error), status=409)
    session.commit()
    if awaited:  # a message's thread may wait for this contact
        resume_waiting(request)
    return RedirectResponse(f"/tasks/{task_id}?done={notice}", status_code=303)


@router.post("/tasks/{task_id}/contact")
def answer_contact(
    request: Request,
    task_id: int,
    email: str = Form(""),
    name: str = Form(""),
    language: str = Form(""),
    salutation: str = Form(""),
    user: auth.SignedIn = Depends(finance_form),
    session: Session = Depends(db),
) -> Response:
    runtime = runtime_of(request)

    def act(task: Task, at: datetime) -> str:
        outcome = task_answers.answer_contact(
            session, runtime.sender, runtime.settings, task=task, email=email, name=name, language=language,
            salutation=salutation, by=user.user.email, at=at,
        )  # fmt: skip
        return "pending" if outcome.status == "contact_pending" else "answered"

    return _act(request, session, task_id, act)


@router.post("/tasks/{task_id}/confirm-address")
def confirm_address(
    request: Request,
    task_id: int,
    user: auth.SignedIn = Depends(finance_form),
    session: Session = Depends(db),
) -> Response:
    def act(task: Task, at: datetime) -> str:
        task_answers.confirm_address(session, task=task, by=user.user.email, at=at)
        return "confirmed"

    return _act(request, session, task_id, act)


async def _ticked(request: Request) -> list[int]:
    """The invoices ticked in the form (a list: FastAPI's Form() reads one value)."""
    form = await request.form()
    return [int(value) for value in form.getlist("invoice") if str(value).isdigit()]


@router.post("/tasks/{task_id}/resolve")
def resolve(
    request: Request,
    task_id: int,
    outcome: str = Form(""),
    note: str = Form(""),
    chosen: list[int] = Depends(_ticked),
    user: auth.SignedIn = Depends(finance_form),
    session: Session = Depends(db),
) -> Response:
    settings = runtime_of(request).settings

    def act(task: Task, at: datetime) -> str:
        concerned = task_answers.concerned_invoices(session, task)
        if concerned and not chosen and outcome != "done":
            raise task_answers.TaskRefused("tick the invoices the decision is about")
        task_answers.resolve_task(
            session, settings, task=task, outcome=outcome, note=note, by=user.user.email, at=at,
            invoice_ids=chosen if concerned else None,
        )  # fmt: skip
        return "resolved"

    return _act(request, session, task_id, act)


@router.post("/tasks/{task_id}/cancel")
def cancel(
    request: Request,
    task_id: int,
    reason: str = Form(""),
    user: auth.SignedIn = Depends(finance_form),
    session: Session = Depends(db),
) -> Response:
    def act(task: Task, at: datetime) -> str:
        task_answers.cancel_task(session, task=task, reason=reason, by=user.user.email, at=at)
        return "cancelled"

    return _act(request, session, task_id, act)
