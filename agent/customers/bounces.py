"""A bounce of one of our e-mails: which message, which contact, and what to do about it.

The bounce is tied to what we sent by our Message-ID when the report quotes it, and otherwise by the
failed address: real bounces often return no header of the original. A hard bounce marks the contact
invalid, holds the account's planned steps and asks finance for a new contact. A soft one (a full
mailbox, a busy server, a delay warning) changes nothing: the server retries, and our next step is the
next try; but a second soft bounce to the same address days after the first means it is not passing,
and finance gets a task (one while it is open).
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from agent import audit
from agent.db import session_scope
from agent.finance.tasks import request_contact, request_review
from agent.ledger.records import open_invoices
from agent.mail.bounce import Bounce, read_bounce
from agent.models import (
    Account,
    AuditEvent,
    Contact,
    InboundMessage,
    Invoice,
    OutboundMessage,
    Reminder,
    Task,
)
from agent.models.task import TaskStatus
from agent.reminders.schedule import hold_steps
from agent.runtime import Runtime

SOFT_AGAIN_AFTER = timedelta(days=2)  # a second soft bounce this long after the first is not passing


def _outbound(session: Session, bounce: Bounce) -> OutboundMessage | None:
    """Our message the bounce is about: by a Message-ID it quotes, else the last we sent to the address."""
    for message_id in [m for m in (bounce.original_message_id, *bounce.mentioned_ids) if m]:
        found = session.exec(select(OutboundMessage).where(OutboundMessage.message_id == message_id)).first()
        if found:
            return found
    for address in bounce.recipients or ((bounce.recipient,) if bounce.recipient else ()):
        found = session.exec(
            select(OutboundMessage)
            .where(col(OutboundMessage.recipient).ilike(address))
            .order_by(col(OutboundMessage.sent_at).desc(), col(OutboundMessage.id).desc())
        ).first()
        if found:
            return found
    return None


def _soft(session: Session, runtime: Runtime, *, inbound_id: int, bounce: Bounce, recipient: str) -> str:
    now = runtime.clock.now()
    earlier = [
        event
        for event in session.exec(select(AuditEvent).where(AuditEvent.action == "delivery_delayed"))
        if (event.detail or {}).get("recipient") == recipient and event.entity_id != inbound_id
    ]
    audit.record(
        session, at=now, entity="inbound", entity_id=inbound_id, action="delivery_delayed",
        message=f"Delivery to {recipient} delayed ({bounce.describe()}); the server keeps trying",
        recipient=recipient,
    )  # fmt: skip
    first = min((e.at for e in earlier), default=None)
    if first is None or now - first < SOFT_AGAIN_AFTER:
        return "delayed"
    title = f"e-mails to {recipient} keep failing"
    if session.exec(select(Task).where(Task.title == title, Task.status == TaskStatus.OPEN)).first() is None:
        request_review(
            session, runtime.sender, runtime.settings, at=now, title=title,
            addressee=runtime.settings.company.finance_address,
            reasons=[
                f"a first temporary failure on {first.date()}, another now: {bounce.describe()}",
                "the address works but its mailbox does not take our mail (full, or refusing): "
                "a phone call or another address may be needed",
            ],
        )  # fmt: skip
    return "delayed_again"


def handle_bounce(runtime: Runtime, inbound_id: int) -> str:
    """contact_invalid | delayed | delayed_again | task_mail_bounced | ignored (what was decided)."""
    now = runtime.clock.now()
    settings = runtime.settings
    with session_scope(runtime.engine) as session:
        inbound = session.get(InboundMessage, inbound_id)
        assert inbound is not None
        bounce = read_bounce((runtime.store.root / inbound.raw_path).read_bytes())
        outbound = _outbound(session, bounce) if bounce else None
        if bounce is None or outbound is None:
            why = (
                "a delivery report that names none of our messages nor of our addresses"
                if bounce
                else "a delivery report or receipt that is not a failure"
            )
            audit.record(
                session, at=now, entity="inbound", entity_id=inbound_id, action="bounce_unmatched",
                message=f"{why.capitalize()}: kept, nothing changed",
            )  # fmt: skip
            return "ignored"
        recipient = (bounce.recipient or outbound.recipient).lower()
        if not bounce.permanent:
            return _soft(session, runtime, inbound_id=inbound_id, bounce=bounce, recipient=recipient)
        reminder = session.exec(select(Reminder).where(Reminder.message_id == outbound.message_id)).first()
        invoice = session.get(Invoice, reminder.invoice_id) if reminder else None
        if invoice is None:  # one of our task e-mails to finance (or a copy) bounced: say so loudly
            audit.record(
                session, at=now, entity="inbound", entity_id=inbound_id, action="task_mail_bounced",
                message=f"Our {outbound.purpose} e-mail to {recipient} bounced: {bounce.describe()}",
            )  # fmt: skip
            return "task_mail_bounced"
        account = session.get(Account, invoice.account_id)
        assert account is not None
        contacts = session.exec(
            select(Contact).where(Contact.account_id == account.id, col(Contact.valid).is_(True))
        ).all()
        for contact in contacts:
            if contact.email.lower() == recipient:
                contact.valid = False
                session.add(contact)
        problem = f"{recipient} bounced: {bounce.describe()}"
        audit.record(
            session, at=now, entity="account", entity_id=account.id, action="contact_bounced",
            message=f"Reminder for invoice {invoice.number} to {recipient} bounced ({bounce.describe()}); "
            "the contact is marked invalid",
        )  # fmt: skip
        for owed in open_invoices(session, account.id or 0):
            hold_steps(
                session, invoice_id=owed.id or 0, at=now, reason=f"waiting for a new contact: {problem}"
            )
        request_contact(
            session, runtime.sender, settings, account=account, addressee=settings.company.finance_address,
            at=now, problem=problem,
        )  # fmt: skip
        return "contact_invalid"
