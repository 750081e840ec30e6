"""One invoice, its source document, and what finance does to it (the list: `invoice_list.py`).

Every action is a form POST (finance role and up, checked on the server), done through the same
functions as the CLI (`agent.reminders.steering`): pause (optionally until a day), resume, skip a step,
change the plan. Each is recorded as the steering function records it (a change with its cause) and as
an audit event naming the person who did it. A refusal (an invoice already paid, no such step) shows the
invoice again with the reason, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from sqlmodel import Session
from starlette.responses import FileResponse, RedirectResponse, Response

from agent import audit, views
from agent.documents.corrections import FIELD_NAMES, SHOWN
from agent.models import Document, Invoice
from agent.reminders import steering
from agent.reminders.plans import PlanError
from agent.web import auth, document_view
from agent.web.pages.common import db, finance_form, render, runtime_of, viewer, viewer_of
from agent.web.security import CSP_FRAMED_DOCUMENT

router = APIRouter(include_in_schema=False)
NOTICES = ("paused", "resumed", "skipped", "plan", "corrected")  # ?done=... after an action (never free text)


def _invoice_page(
    request: Request, session: Session, invoice_id: int, *, error: str | None = None, status: int = 200
) -> Response:
    detail = views.invoice_detail(session, runtime_of(request).settings, invoice_id)
    if detail is None:
        return render(
            request, "error.html", status_code=404, message=viewer_of(request).gettext("No such invoice.")
        )
    done = request.query_params.get("done")
    found = _source_file(request, session, invoice_id)
    pages = 0
    if found and _is_pdf(found[0]) and document_view.can_render():
        pages = min(document_view.page_count(found[1]), document_view.MAX_PAGES)
    names = FIELD_NAMES.get(viewer_of(request).language, FIELD_NAMES["en"])
    return render(
        request,
        "invoice.html",
        status_code=status,
        d=detail,
        error=error,
        done=done if done in NOTICES else None,
        field_names=dict(zip(SHOWN, names, strict=False)),
        page_images=pages,
        actionable=detail["invoice"].status in steering.OPEN,
    )


@router.get("/invoices/{invoice_id}")
def invoice_page(
    request: Request, invoice_id: int, user: auth.SignedIn = Depends(viewer), session: Session = Depends(db)
) -> Response:
    return _invoice_page(request, session, invoice_id)


def _source_file(request: Request, session: Session, invoice_id: int) -> tuple[Document, Path] | None:
    invoice = session.get(Invoice, invoice_id)
    document = session.get(Document, invoice.document_id) if invoice and invoice.document_id else None
    path = runtime_of(request).store.path(document.raw_path) if document else None
    return (document, path) if document and path and path.is_file() else None


def _is_pdf(document: Document) -> bool:
    return document.content_type == "application/pdf" or document.filename.lower().endswith(".pdf")


@router.get("/invoices/{invoice_id}/document")
def invoice_document(
    request: Request, invoice_id: int, user: auth.SignedIn = Depends(viewer), session: Session = Depends(db)
) -> Response:
    """The source file. A PDF is shown inline, in a frame of this site only; anything else is a download
    (never rendered by the browser as a page of this site)."""
    found = _source_file(request, session, invoice_id)
    if found is None:
        return render(
            request,
            "error.html",
            status_code=404,
            message=viewer_of(request).gettext("No document for this invoice."),
        )
    document, path = found
    pdf = _is_pdf(document)
    return FileResponse(
        path,
        media_type="application/pdf" if pdf else "application/octet-stream",
        filename=document.filename,
        content_disposition_type="inline" if pdf else "attachment",
        headers={"Content-Security-Policy": CSP_FRAMED_DOCUMENT} if pdf else None,
    )


@router.get("/invoices/{invoice_id}/document/page-{page}.png")
def document_page(
    request: Request,
    invoice_id: int,
    page: int,
    user: auth.SignedIn = Depends(viewer),
    session: Session = Depends(db),
) -> Response:
    found = _source_file(request, session, invoice_id)
    image = document_view.page_png(found[1], page) if found and _is_pdf(found[0]) else None
    if image is None:
        return Response(status_code=404)
    return Response(image, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


def _act(
    request: Request, session: Session, invoice_id: int, user: auth.SignedIn, notice: str,
    action: Callable[[Invoice, datetime], str],
) -> Response:  # fmt: skip
    """Run one action on the invoice, audit who did it, and show the invoice again (or the refusal)."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        return render(
            request, "error.html", status_code=404, message=viewer_of(request).gettext("No such invoice.")
        )
    at = runtime_of(request).clock.now()
    try:
        what = action(invoice, at)
    except (steering.ReviewRefused, PlanError) as error:
        session.rollback()
        return _invoice_page(request, session, invoice_id, error=str(error), status=409)
    audit.record(
        session, at=at, entity="invoice", entity_id=invoice.id, action=f"workspace_{notice}",
        message=f"{user.user.email} {what} (invoice {invoice.number}, in the workspace)",
        actor=user.user.email,
    )  # fmt: skip
    session.commit()
    return RedirectResponse(f"/invoices/{invoice_id}?done={notice}", status_code=303)


def _reason(text: str, user: auth.SignedIn) -> str:
    return f"{text.strip() or 'no reason given'} ({user.user.email})"


@router.post("/invoices/{invoice_id}/pause")
def pause(
    request: Request, invoice_id: int, reason: str = Form(""), until: str = Form(""),
    user: auth.SignedIn = Depends(finance_form), session: Session = Depends(db),
) -> Response:  # fmt: skip
    zone = ZoneInfo(viewer_of(request).zone)
    try:
        day = date.fromisoformat(until) if until else None
    except ValueError:
        day = None
    until_at = datetime.combine(day, time(0), tzinfo=zone) if day else None

    def act(invoice: Invoice, at: datetime) -> str:
        if until and day is None:
            raise steering.ReviewRefused(f"{until!r} is not a date (YYYY-MM-DD)")
        if until_at is not None and until_at <= at:
            raise steering.ReviewRefused("the day to resume on must be in the future")
        held = steering.pause(session, invoice=invoice, at=at, reason=_reason(reason, user), until=until_at)
        return f"paused the reminders ({held} step(s) held)" + (f" until {day}" if day else "")

    return _act(request, session, invoice_id, user, "paused", act)


@router.post("/invoices/{invoice_id}/resume")
def resume(
    request: Request,
    invoice_id: int,
    user: auth.SignedIn = Depends(finance_form),
    session: Session = Depends(db),
) -> Response:
    settings = runtime_of(request).settings

    def act(invoice: Invoice, at: datetime) -> str:
        steps = steering.resume(session, invoice=invoice, settings=settings, at=at)
        return f"resumed the reminders ({len(steps)} step(s) back on the schedule)"

    return _act(request, session, invoice_id, user, "resumed", act)


@router.post("/invoices/{invoice_id}/skip")
def skip(
    request: Request, invoice_id: int, step: str = Form(""), reason: str = Form(""),
    user: auth.SignedIn = Depends(finance_form), session: Session = Depends(db),
) -> Response:  # fmt: skip
    def act(invoice: Invoice, at: datetime) -> str:
        steering.skip_step(session, invoice=invoice, step_name=step, at=at, reason=_reason(reason, user))
        return f"skipped the step {step}"

    return _act(request, session, invoice_id, user, "skipped", act)


@router.post("/invoices/{invoice_id}/plan")
def change_plan(
    request: Request, invoice_id: int, plan: str = Form(""),
    user: auth.SignedIn = Depends(finance_form), session: Session = Depends(db),
) -> Response:  # fmt: skip
    settings = runtime_of(request).settings

    def act(invoice: Invoice, at: datetime) -> str:
        steering.set_plan(session, plan=plan, settings=settings, at=at, invoice=invoice)
        return f"set the plan to {plan}"

    return _act(request, session, invoice_id, user, "plan", act)
