"""A contact's address changed by a reply is confirmed by finance before any reminder goes to it.

The first contact of an account comes from finance's answer to our question (a reply that must carry
the task's random token). A *change* of address (after a bounce) is a bigger lever: a forged reply
that got through would redirect every reminder of the account. So the new address is kept but not used
(`valid` false, source `awaiting_confirmation`) and finance gets a confirmation task with a new token,
e-mailed to finance's own address: a forger never sees it, so cannot confirm it. "OK" (or "oui", "ja",
"yes"…) in the reply makes the contact valid and the account's held steps resume.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session, select

from agent import audit
from agent.finance.tasks import TaskReply, request_review
from agent.mail.outgoing import Sender
from agent.mail.quoting import strip_quoted
from agent.models import Account, Contact, Task
from agent.models.task import TaskStatus
from agent.settings import Settings
from agent.templating import Said

AWAITING = "awaiting_confirmation"
CONFIRMED = re.compile(
    r"^\W*(?:ok(?:ay)?|oui|yes|ja|s[ií]|sim|d'accord|correct|confirm\w*|bestätig\w*|bevestig\w*)\b",
    re.IGNORECASE,
)


def is_address_change(session: Session, account_id: int, email: str) -> bool:
    """The account had a contact already, and this address is new to it."""
    known = {c.email.lower() for c in session.exec(select(Contact).where(Contact.account_id == account_id))}
    return bool(known) and email.lower() not in known


def hold_for_confirmation(
    session: Session, sender: Sender, settings: Settings, *, account: Account, contact: Contact, at: datetime
) -> Task:
    """Keep the new address unused and ask finance to confirm it."""
    contact.valid, contact.source = False, AWAITING
    session.add(contact)
    return request_review(
        session,
        sender,
        settings,
        title=Said("new_address_title", email=contact.email, account=account.name),
        reasons=[
            Said("address_changed", account=account.name, email=contact.email),
            Said("confirm_before_use"),
        ],
        addressee=settings.company.finance_address,
        at=at,
        account_id=account.id,
        details={"confirm_contact": contact.id},
    )


def answer_confirmation(reply: TaskReply, *, session: Session) -> str:
    """contact_created when finance confirmed the new address; noted otherwise (the task stays open)."""
    task, message, at = reply.task, reply.message, reply.at
    contact = session.get(Contact, task.details["confirm_contact"])
    words = strip_quoted(message.body_text)
    if task.status != TaskStatus.OPEN or contact is None:
        return "closed_already"
    if not CONFIRMED.match(words):
        audit.record(
            session, at=at, entity="task", entity_id=task.id, action="reply_noted",
            message=f"Reply from {message.sender} does not confirm {contact.email}", words=words[:500],
        )  # fmt: skip
        return "noted"
    contact.valid, contact.source = True, "task_reply"
    task.status, task.closed_at, task.resolution = TaskStatus.DONE, at, f"confirmed {contact.email}"
    session.add_all([contact, task])
    audit.record(
        session, at=at, entity="account", entity_id=contact.account_id, action="contact_confirmed",
        message=f"New address {contact.email} confirmed by {message.sender}", contact_id=contact.id,
    )  # fmt: skip
    return "contact_created"
