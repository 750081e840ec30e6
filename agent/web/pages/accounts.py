"""Customer accounts: what each owes, who we write to, in which language and time zone; finance edits the
contact and pauses or resumes a whole account.

A contact edit made here is a signed-in finance user's (not a reply that could be forged), so it applies
at once: a new address becomes the contact written to (the old one is never written to again, even if
the new one bounces), and the account's waiting steps follow the new language and time zone
(`steering.readdress`, recorded as a change of each invoice). An account without a contact is answered
through its open contact request (the task), so the message waiting for it goes on.
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from fastapi import APIRouter, Depends, Form, Request
from sqlmodel import Session, select
from starlette.responses import RedirectResponse, Response

from agent import audit
from agent.finance.contact_answers import EMAIL
from agent.ledger.accounts import add_contact
from agent.ledger.records import open_invoices
from agent.models import Account, Contact, Task
from agent.models.task import TaskKind, TaskStatus
from agent.reminders import steering
from agent.reminders.greeting import SALUTATIONS
from agent.reminders.schedule import recipient_of
from agent.templating import supported_languages
from agent.views import invoices as invoice_rows
from agent.views.account_list import account_detail, account_page, count_accounts
from agent.web import auth
from agent.web.pages.common import (
    db,
    finance_form,
    not_found,
    page_number,
    render,
    runtime_of,
    viewer,
    viewer_of,
)

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
NOTICES = ("contact", "paused", "resumed")


@lru_cache(maxsize=1)
def zones() -> list[str]:
    return sorted(zone for zone in available_timezones() if "/" in zone and not zone.startswith("Etc/"))


@router.get("/accounts")
def account_list(
    request: Request, user: auth.SignedIn = Depends(viewer), session: Session = Depends(db)
) -> Response:
    given = request.query_params
    search = (given.get("q") or "").strip() or None
    page = page_number(given.get("page"))
    total = count_accounts(session, search=search)
    rows = account_page(session, search=search, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render(
        request,
        "accounts.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        query={"q": given.get("q", "")},
    )


def _account_page(
    request: Request, session: Session, account_id: int, *, error: str | None = None, status: int = 200
) -> Response:
    settings = runtime_of(request).settings
    detail = account_detail(session, settings, account_id)
    if detail is None:
        return not_found(request, viewer_of(request).gettext("No such account."))
    asking = session.exec(
        select(Task).where(
            Task.account_id == account_id,
            Task.kind == TaskKind.CONTACT_REQUEST,
            Task.status == TaskStatus.OPEN,
        )
    ).first()
    done = request.query_params.get("done")
    return render(
        request,
        "account.html",
        status_code=status,
        a=detail,
        invoices=invoice_rows(session, account_id=account_id, limit=200),
        asking=asking,
        error=error,
        done=done if done in NOTICES else None,
        template_languages=sorted(supported_languages(settings.templates_dir)),
        zones=zones(),
    )


@router.get("/accounts/{account_id}")
def account_view(
    request: Request, account_id: int, user: auth.SignedIn = Depends(viewer), session: Session = Depends(db)
) -> Response:
    return _account_page(request, session, account_id)


@router.post("/accounts/{account_id}/contact")
def edit_contact(
    request: Request,
    account_id: int,
    email: str = Form(""),
    name: str = Form(""),
    salutation: str = Form(""),
    language: str = Form(""),
    timezone: str = Form(""),
    user: auth.SignedIn = Depends(finance_form),
    session: Session = Depends(db),
) -> Response:
    runtime = runtime_of(request)
    settings, at, by = runtime.settings, runtime.clock.now(), user.user.email
    account = session.get(Account, account_id)
    if account is None:
        return not_found(request, viewer_of(request).gettext("No such account."))
    current = session.exec(
        select(Contact).where(Contact.account_id == account_id, Contact.valid == True)  # noqa: E712
        .order_by(Contact.id.desc())  # type: ignore[union-attr]
    ).first()  # fmt: skip
    address, zone = email.strip().lower(), timezone.strip()
    problem = None
    if current is None:
        problem = "the account has no contact yet: answer its contact request"
    elif not EMAIL.fullmatch(address):
        problem = f"“{email.strip()}” is not an e-mail address"
    elif language not in supported_languages(settings.templates_dir):
        problem = f"no reminder templates in {language!r}"
    elif salutation and salutation not in SALUTATIONS:
        problem = f"{salutation!r} is not a salutation"
    elif zone and not _zone_exists(zone):
        problem = f"{zone!r} is not a time zone (Europe/Paris, America/New_York…)"
    if problem is not None or current is None:
        return _account_page(request, session, account_id, error=problem, status=409)
    previous_zone = recipient_of(account, current, settings).zone
    before = f"{current.name or ''} <{current.email}> {current.language} {current.timezone or '-'}"
    if address != current.email:  # a new address: a new contact; the old one is never written to again
        current.valid = False
        session.add(current)
        contact = add_contact(
            session, account=account, email=address, language=language, at=at, name=name.strip() or None,
            source="workspace",
        )  # fmt: skip
    else:
        contact = current
        contact.name, contact.language = name.strip() or None, language
    contact.salutation, contact.timezone, contact.language_inferred = salutation or None, zone or None, False
    session.add(contact)
    session.flush()
    after = f"{contact.name or ''} <{contact.email}> {contact.language} {contact.timezone or '-'}"
    reason = f"contact edited by {by}"
    moved = sum(
        steering.readdress(
            session, invoice=invoice, settings=settings, at=at, reason=reason, previous_zone=previous_zone
        )
        for invoice in open_invoices(session, account_id)
    )
    audit.record(
        session, at=at, entity="account", entity_id=account_id, action="workspace_contact",
        message=f"{by} edited the contact of {account.name}: {before} -> {after} ({moved} waiting step(s) "
        "readdressed)", actor=by, contact_id=contact.id,
    )  # fmt: skip
    session.commit()
    return RedirectResponse(f"/accounts/{account_id}?done=contact", status_code=303)


def _zone_exists(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@router.post("/accounts/{account_id}/pause")
def pause_account(
    request: Request,
    account_id: int,
    reason: str = Form(""),
    until: str = Form(""),
    user: auth.SignedIn = Depends(finance_form),
    session: Session = Depends(db),
) -> Response:
    runtime = runtime_of(request)
    account = session.get(Account, account_id)
    if account is None:
        return not_found(request, viewer_of(request).gettext("No such account."))
    at, by = runtime.clock.now(), user.user.email
    try:
        day = date.fromisoformat(until) if until else None
    except ValueError:
        return _account_page(request, session, account_id, error=f"{until!r} is not a date", status=409)
    until_at = datetime.combine(day, time(0), tzinfo=ZoneInfo(viewer_of(request).zone)) if day else None
    if until_at is not None and until_at <= at:
        return _account_page(
            request, session, account_id, error="the day to resume on must be in the future", status=409
        )
    try:
        paused = steering.pause_account(
            session,
            account=account,
            at=at,
            reason=f"{reason.strip() or 'no reason given'} ({by})",
            until=until_at,
        )
    except steering.ReviewRefused as error:
        session.rollback()
        return _account_page(request, session, account_id, error=str(error), status=409)
    _audit(session, account, by, at, "paused", f"paused {len(paused)} invoice(s)")
    session.commit()
    return RedirectResponse(f"/accounts/{account_id}?done=paused", status_code=303)


@router.post("/accounts/{account_id}/resume")
def resume_account(
    request: Request,
    account_id: int,
    user: auth.SignedIn = Depends(finance_form),
    session: Session = Depends(db),
) -> Response:
    runtime = runtime_of(request)
    account = session.get(Account, account_id)
    if account is None:
        return not_found(request, viewer_of(request).gettext("No such account."))
    at, by = runtime.clock.now(), user.user.email
    try:
        resumed = steering.resume_account(session, account=account, settings=runtime.settings, at=at)
    except steering.ReviewRefused as error:
        session.rollback()
        return _account_page(request, session, account_id, error=str(error), status=409)
    _audit(session, account, by, at, "resumed", f"resumed {len(resumed)} invoice(s)")
    session.commit()
    return RedirectResponse(f"/accounts/{account_id}?done=resumed", status_code=303)


def _audit(session: Session, account: Account, by: str, at: datetime, action: str, what: str) -> None:
    audit.record(
        session, at=at, entity="account", entity_id=account.id, action=f"workspace_{action}",
        message=f"{by} {what} of {account.name} (in the workspace)", actor=by,
    )  # fmt: skip
