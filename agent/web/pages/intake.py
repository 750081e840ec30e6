"""Intake: every message that arrived, with each file's status (recorded, to check, unreadable, set aside…)
and, for a message quarantined or failed, why; and the raw message as received, for a signed-in reader
only, always as a download (`message/rfc822` with `Content-Disposition: attachment`: a browser never
renders a stranger's mail as a page of this site).

Upload batches of the HTTP API appear here once `agent.web.api` records them as inbound messages; until
then the API's own `/api/batches` answers for them.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session
from starlette.responses import FileResponse, Response

from agent.models import InboundMessage
from agent.views.intake import STATUSES, count_inbound, inbound_detail, inbound_page
from agent.web import auth
from agent.web.pages.common import db, not_found, page_number, render, runtime_of, viewer, viewer_of

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/intake")
def intake(
    request: Request, user: auth.SignedIn = Depends(viewer), session: Session = Depends(db)
) -> Response:
    given = request.query_params
    status = given.get("status") if given.get("status") in STATUSES else None
    search = (given.get("q") or "").strip() or None
    page = page_number(given.get("page"))
    total = count_inbound(session, status=status, search=search)
    rows = inbound_page(session, status=status, search=search, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render(
        request,
        "intake.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        statuses=STATUSES,
        query={"status": status or "", "q": given.get("q", "")},
    )


@router.get("/intake/{inbound_id}")
def message(
    request: Request, inbound_id: int, user: auth.SignedIn = Depends(viewer), session: Session = Depends(db)
) -> Response:
    detail = inbound_detail(session, inbound_id)
    if detail is None:
        return not_found(request, viewer_of(request).gettext("No such message."))
    return render(request, "intake_message.html", msg=detail)


@router.get("/intake/{inbound_id}/raw")
def raw_message(
    request: Request, inbound_id: int, user: auth.SignedIn = Depends(viewer), session: Session = Depends(db)
) -> Response:
    found = session.get(InboundMessage, inbound_id)
    path = runtime_of(request).store.path(found.raw_path) if found else None
    if path is None or not path.is_file():
        return not_found(request, viewer_of(request).gettext("No such message."))
    return FileResponse(
        path,
        media_type="message/rfc822",
        filename=f"message-{inbound_id}.eml",
        content_disposition_type="attachment",
    )
