"""Documents to check: the review queue, and one document beside the values read from it.

Finance confirms the values (correcting any field in the form), or sets the document aside with a
reason: the same functions as a reply to the review e-mail and `relance documents confirm | reject`
(`agent.finance.document_review`), so the corrected values are checked the same way (refused with the
reason, nothing recorded), and the layout memory learns from the page's text the same way. Only the
fields whose value the person changed count as corrections. Like the command, a decision then resumes
the message's waiting thread at once, so the invoice is recorded and planned before the page answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from sqlmodel import Session, select
from starlette.responses import FileResponse, RedirectResponse, Response

from agent import audit
from agent.documents.corrections import SHOWN, CorrectionError, field_labels, read_value
from agent.finance.document_review import (
    ReviewRefused,
    confirm_document,
    month_first,
    reject_document,
    review_task_of,
)
from agent.flow.reply_nodes import stored_text_reading
from agent.models import Document, Invoice
from agent.views.review import count_review, review_detail, review_queue
from agent.web import auth, document_view
from agent.web.pages.common import (
    db,
    finance_form,
    not_found,
    page_number,
    render,
    resume_waiting,
    runtime_of,
    said,
    viewer,
    viewer_of,
)
from agent.web.security import CSP_FRAMED_DOCUMENT

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
NOTICES = ("confirmed", "rejected")


@router.get("/documents")
def queue(
    request: Request, user: auth.SignedIn = Depends(viewer), session: Session = Depends(db)
) -> Response:
    page = page_number(request.query_params.get("page"))
    total = count_review(session)
    rows = review_queue(session, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render(
        request,
        "documents.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        query={},
    )


def _page(
    request: Request,
    session: Session,
    document_id: int,
    *,
    problems: list[str] | None = None,
    given: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    detail = review_detail(session, document_id)
    if detail is None:
        return not_found(request, viewer_of(request).gettext("No such document."))
    found = _file(request, detail["document"])
    pages = 0
    if found and _is_pdf(detail["document"]) and document_view.can_render():
        pages = min(document_view.page_count(found), document_view.MAX_PAGES)
    invoice = session.exec(select(Invoice).where(Invoice.document_id == document_id)).first()
    done = request.query_params.get("done")
    return render(
        request,
        "document.html",
        status_code=status,
        d=detail,
        labels=field_labels(viewer_of(request).language),
        given=given or {},
        problems=problems or [],
        page_images=pages,
        has_file=found is not None,
        invoice=invoice,
        done=done if done in NOTICES else None,
    )


@router.get("/documents/{document_id}")
def document_page(
    request: Request, document_id: int, user: auth.SignedIn = Depends(viewer), session: Session = Depends(db)
) -> Response:
    return _page(request, session, document_id)


def _file(request: Request, document: Document) -> Path | None:
    path = runtime_of(request).store.path(document.raw_path)
    return path if path.is_file() else None


def _is_pdf(document: Document) -> bool:
    return document.content_type == "application/pdf" or document.filename.lower().endswith(".pdf")


@router.get("/documents/{document_id}/file")
def document_file(
    request: Request, document_id: int, user: auth.SignedIn = Depends(viewer), session: Session = Depends(db)
) -> Response:
    """The file as received: a PDF shown inline (framed by this site only), anything else downloaded."""
    document = session.get(Document, document_id)
    path = _file(request, document) if document else None
    if document is None or path is None:
        return not_found(request, viewer_of(request).gettext("No such document."))
    pdf = _is_pdf(document)
    return FileResponse(
        path,
        media_type="application/pdf" if pdf else "application/octet-stream",
        filename=document.filename,
        content_disposition_type="inline" if pdf else "attachment",
        headers={"Content-Security-Policy": CSP_FRAMED_DOCUMENT} if pdf else None,
    )


@router.get("/documents/{document_id}/page-{page}.png")
def document_page_image(
    request: Request,
    document_id: int,
    page: int,
    user: auth.SignedIn = Depends(viewer),
    session: Session = Depends(db),
) -> Response:
    document = session.get(Document, document_id)
    path = _file(request, document) if document and _is_pdf(document) else None
    image = document_view.page_png(path, page) if path else None
    if image is None:
        return Response(status_code=404)
    return Response(image, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {name: str(form.get(f"f_{name}", "")) for name in SHOWN if f"f_{name}" in form}


@router.post("/documents/{document_id}/confirm")
def confirm(
    request: Request,
    document_id: int,
    given: dict[str, str] = Depends(_form),
    user: auth.SignedIn = Depends(finance_form),
    session: Session = Depends(db),
) -> Response:
    runtime = runtime_of(request)
    detail = review_detail(session, document_id)
    if detail is None:
        return not_found(request, viewer_of(request).gettext("No such document."))
    document = detail["document"]
    shown = {row["field"]: row["typed"] for row in detail["fields"]}
    corrections: dict[str, Any] = {}
    problems: list[str] = []
    for name, text in given.items():
        if text.strip() == shown.get(name, "").strip():
            continue  # untouched: what was read, vouched for as it is
        try:
            corrections[name] = read_value(name, text, month_first=month_first(runtime.settings))
        except CorrectionError as error:
            problems.append(said(request, error.said))
    if problems:
        return _page(request, session, document_id, problems=problems, given=given, status=409)
    try:
        outcome = confirm_document(
            session,
            document=document,
            corrections=corrections,
            by=user.user.email,
            at=runtime.clock.now(),
            read_page=lambda: stored_text_reading(runtime, document.raw_path),
        )
    except ReviewRefused as error:
        session.rollback()
        return _page(request, session, document_id, problems=[str(error)], status=409)
    if outcome.status == "refused":
        session.rollback()
        refused = [said(request, problem) for problem in outcome.problems]
        return _page(request, session, document_id, problems=refused, given=given, status=409)
    _audit(session, document, user, "confirmed", outcome.message, runtime.clock.now())
    return _settled(request, session, document_id)


@router.post("/documents/{document_id}/reject")
def reject(
    request: Request,
    document_id: int,
    reason: str = Form(""),
    user: auth.SignedIn = Depends(finance_form),
    session: Session = Depends(db),
) -> Response:
    runtime = runtime_of(request)
    document = session.get(Document, document_id)
    if document is None:
        return not_found(request, viewer_of(request).gettext("No such document."))
    if not reason.strip():
        message = viewer_of(request).gettext("Say why the document is set aside.")
        return _page(request, session, document_id, problems=[message], status=409)
    try:
        outcome = reject_document(
            session, document=document, by=user.user.email, reason=reason.strip(), at=runtime.clock.now()
        )
    except ReviewRefused as error:
        session.rollback()
        return _page(request, session, document_id, problems=[str(error)], status=409)
    _audit(session, document, user, "rejected", outcome.message, runtime.clock.now())
    return _settled(request, session, document_id, done="rejected")


def _audit(
    session: Session, document: Document, user: auth.SignedIn, what: str, message: str, at: Any
) -> None:
    """The decision names the person: on the audit trail (`actor`) and on the review task it closed."""
    task = review_task_of(session, document.id or 0)
    if task is not None:
        task.details = {**task.details, "closed_by": user.user.email}
        session.add(task)
    audit.record(
        session, at=at, entity="document", entity_id=document.id, action=f"workspace_{what}",
        message=f"{user.user.email}: document {document.filename} {message} (in the workspace)",
        actor=user.user.email,
    )  # fmt: skip


def _settled(request: Request, session: Session, document_id: int, done: str = "confirmed") -> Response:
    """Commit the decision, then resume the message's thread that waited for it (as the command does):
    the invoice is recorded and its reminders planned before the page answers."""
    session.commit()
    resume_waiting(request)
    return RedirectResponse(f"/documents/{document_id}?done={done}", status_code=303)
