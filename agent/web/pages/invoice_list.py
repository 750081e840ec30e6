"""The invoice list (`/invoices`): search, status and the filters a number of the book page links to, a
page at a time; and its export as CSV with the current filters (finance role and up, audited).

The filters are query parameters (agent.views.invoice_filters): a filtered list is a link a person can
keep, and the page says in words what it shows. The export is a form POST (an action: its token and the
role checked, an audit event naming the person) carrying the same filters; every cell a spreadsheet
would run as a formula is neutralised (agent.views.export).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session
from starlette.responses import Response

from agent import audit, views
from agent.models import Account
from agent.settings import Settings
from agent.views.book_weeks import promises
from agent.views.export import invoices_csv
from agent.views.invoice_filters import STATUSES, InvoiceFilters, from_query
from agent.web import auth
from agent.web.pages.common import Viewer, db, finance_form, render, runtime_of, viewer, viewer_of

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
EXPORT_BATCH = 5_000
SHOWN = ("q", "status")  # the filters of the form; the others (from the book page) ride along hidden


def promised_ids(session: Session, filters: InvoiceFilters, settings: Settings, now: Any) -> list[int] | None:
    """The invoices of a promise filter (kept, broken, pending), as the book counts them."""
    if not filters.promise:
        return None
    ids: list[int] = []
    for summary in promises(session=session, now=now, settings=settings, currency=filters.currency):
        ids += getattr(summary, filters.promise).invoice_ids
    return ids


def describe(filters: InvoiceFilters, reader: Viewer, customer: str | None) -> list[str]:
    """The filters that came from elsewhere (a number of the book), in words."""
    gettext, f, day = reader.gettext, filters, reader.formats.day
    said = []
    if f.account_id is not None:
        said.append(gettext("Customer: %(name)s") % {"name": customer or f"#{f.account_id}"})
    if f.currency:
        said.append(gettext("Currency: %(code)s") % {"code": f.currency})
    if f.owed:
        said.append(gettext("Still owed"))
    if f.hold:
        said.append(
            {
                "aged": gettext("Neither disputed nor paused"),
                "disputed": gettext("Disputed by the customer"),
                "paused": gettext("Paused (not a dispute)"),
                "expected": gettext("Not disputed"),
            }[f.hold]
        )
    for low, high, words in (
        (f.due_from, f.due_to, gettext("Due")),
        (f.expected_from, f.expected_to, gettext("Expected (the promised date, else the due date)")),
        (f.issued_from, f.issued_to, gettext("Issued")),
        (f.sent_from, f.sent_to, gettext("A reminder sent")),
        (f.paid_from, f.paid_to, gettext("Paid by a payment received")),
    ):
        if low and high:
            said.append(
                gettext("%(what)s from %(first)s to %(last)s")
                % {"what": words, "first": day(low), "last": day(high)}
            )
        elif low:
            said.append(gettext("%(what)s on or after %(first)s") % {"what": words, "first": day(low)})
        elif high:
            said.append(gettext("%(what)s on or before %(last)s") % {"what": words, "last": day(high)})
    if f.promised is not None:
        said.append(gettext("With a promise to pay") if f.promised else gettext("Without a promise to pay"))
    if f.promise:
        said.append(
            {
                "kept": gettext("Promise kept"),
                "broken": gettext("Promise broken"),
                "pending": gettext("Promise pending"),
            }[f.promise]
        )
    return said


@router.get("/invoices")
def invoice_list(
    request: Request, user: auth.SignedIn = Depends(viewer), session: Session = Depends(db)
) -> Response:
    runtime = runtime_of(request)
    given = request.query_params
    filters = from_query(given)
    try:
        page = max(1, int(given.get("page") or 1))
    except ValueError:
        page = 1
    zone = runtime.settings.company.timezone
    ids = promised_ids(session, filters, runtime.settings, runtime.clock.now())
    total = views.count_invoices(session, filters=filters, zone=zone, promised_ids=ids)
    rows = views.invoices(
        session, filters=filters, zone=zone, promised_ids=ids, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    customer = session.get(Account, filters.account_id) if filters.account_id is not None else None
    query = filters.query()
    hidden = {key: value for key, value in query.items() if key not in SHOWN}
    return render(
        request,
        "invoices.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        query={"q": given.get("q", ""), "status": filters.status or "", **hidden},
        hidden=hidden,
        said=describe(filters, viewer_of(request), customer.name if customer else None),
        statuses=STATUSES,
    )


@router.post("/invoices/export")
async def export(
    request: Request, user: auth.SignedIn = Depends(finance_form), session: Session = Depends(db)
) -> Response:
    """The list with the filters of the form, every page of it, as a CSV file."""
    runtime = runtime_of(request)
    form = await request.form()
    filters = from_query({key: value for key, value in form.items() if isinstance(value, str)})
    zone, now = runtime.settings.company.timezone, runtime.clock.now()
    ids = promised_ids(session, filters, runtime.settings, now)
    rows: list[dict[str, Any]] = []
    while True:  # in batches: the balances of a batch are one statement with its ids
        batch = views.invoices(
            session, filters=filters, zone=zone, promised_ids=ids, limit=EXPORT_BATCH, offset=len(rows)
        )
        rows += batch
        if len(batch) < EXPORT_BATCH:
            break
    audit.record(
        session, at=now, entity="invoice", entity_id=None, action="invoices_exported",
        message=f"{user.user.email} exported {len(rows)} invoice(s) as CSV (in the workspace)",
        actor=user.user.email, filters=filters.query(),
    )  # fmt: skip
    session.commit()
    stamp = now.astimezone(ZoneInfo(zone)).strftime("%Y%m%d-%H%M")
    return Response(
        invoices_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="invoices-{stamp}.csv"'},
    )
