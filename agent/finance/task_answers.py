"""Finance settles a task without writing an e-mail: from the workspace or with `relance tasks`.

- A contact request answered with an address, a name, a language (and a salutation): the very path of
  the e-mail answer (`task_replies`), so the same checks hold: a new address for an account already
  written to is held until finance confirms it, the confirmation e-mail goes out, the task closes.
- A customer's dispute or "already paid" (a review task about an account's paused invoices), or the end
  of a plan, resolved with what happens to the invoices: `resume` (dispute settled), `keep_paused` (a
  credit note is to come), `cancel_invoice` (the customer was right), or `done` (nothing to change).
- Any other open task closed as done with a note, or cancelled, with who and why.

A document's review task is decided on the document (`document_review`), never closed from here: its
message's thread waits for that decision. Who closed a task is kept in `details["closed_by"]` (the task
table has no column for it) and in the audit event's `actor`.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from agent import audit
from agent.finance.contact_answers import EMAIL, ContactAnswer
from agent.finance.task_replies import ReplyOutcome, _answer_contact_request
from agent.finance.tasks import TaskReply
from agent.ledger.records import open_invoices
from agent.mail.outgoing import Sender
from agent.mail.parse import ParsedMessage
from agent.models import Contact, Invoice, Task
from agent.models.task import TaskKind, TaskStatus
from agent.reminders import steering
from agent.reminders.greeting import salutation_of
from agent.settings import Settings
from agent.templating import supported_languages

OUTCOMES = ("resume", "keep_paused", "cancel_invoice", "done")
OUTCOME_WORDS = {
    "resume": "dispute settled: reminders resumed",
    "keep_paused": "credit note to come: reminders kept paused",
    "cancel_invoice": "the customer was right: invoice cancelled",
    "done": "done",
}


class TaskRefused(ValueError):
    """The task cannot be settled as asked; the message says why, in words for finance."""


def closable(task: Task) -> bool:
    """A task a person may close from here (done or cancelled): not a document's review, which is decided
    on the document, not a contact request, which is answered with a contact, not the digest."""
    return (
        task.status == TaskStatus.OPEN
        and task.kind not in (TaskKind.CONTACT_REQUEST, TaskKind.DIGEST)
        and not (task.kind == TaskKind.REVIEW and task.document_id is not None)
        and not task.details.get("confirm_contact")
    )


def concerned_invoices(session: Session, task: Task) -> list[Invoice]:
    """The open invoices a resolution acts on: those the task names, else (a customer's dispute or "already
    paid", which names its account) the account's paused open invoices."""
    named = task.details.get("invoice_ids") or (
        [task.details["invoice_id"]] if task.details.get("invoice_id") else []
    )
    if named:
        found = session.exec(select(Invoice).where(col(Invoice.id).in_(named)).order_by(col(Invoice.id)))
        return [i for i in found if i.status in steering.OPEN]
    about_a_reply = (
        task.kind == TaskKind.REVIEW
        and task.account_id is not None
        and task.document_id is None
        and not task.details.get("confirm_contact")
        and not task.details.get("payment_id")
    )
    if not about_a_reply:
        return []
    return [i for i in open_invoices(session, task.account_id or 0) if i.paused]


def resolve_task(
    session: Session,
    settings: Settings,
    *,
    task: Task,
    outcome: str,
    note: str,
    by: str,
    at: datetime,
    invoice_ids: list[int] | None = None,
) -> str:
    """Close a task with what it decides for its invoices (`invoice_ids`: some of `concerned_invoices`,
    all of them when None). Returns the resolution, as kept on the task."""
    if not closable(task):
        raise TaskRefused(_why_not_closable(task))
    if outcome not in OUTCOMES:
        raise TaskRefused(f"{outcome!r} is not a resolution ({', '.join(OUTCOMES)})")
    concerned = concerned_invoices(session, task)
    chosen = concerned if invoice_ids is None else [i for i in concerned if i.id in set(invoice_ids)]
    if invoice_ids is not None and len(chosen) != len(set(invoice_ids)):
        raise TaskRefused("an invoice given is not one this task is about, or is no longer open")
    if outcome != "done" and not chosen:
        raise TaskRefused(f"task {task.token} concerns no open invoice to act on: close it as done")
    why = f"{note.strip() or OUTCOME_WORDS[outcome]} ({by})"
    for invoice in chosen:
        if outcome == "resume" and invoice.paused:
            steering.resume(session, invoice=invoice, settings=settings, at=at)
        elif outcome == "keep_paused":  # the pause now says what it waits for
            steering.pause(session, invoice=invoice, at=at, reason=f"credit note to come: {why}", until=None)
        elif outcome == "cancel_invoice":
            steering.cancel_invoice(session, invoice=invoice, at=at, reason=why)
    numbers = ", ".join(i.number for i in chosen)
    resolution = OUTCOME_WORDS[outcome] + (f" ({numbers})" if numbers and outcome != "done" else "")
    resolution += f": {note.strip()}" if note.strip() else ""
    _close(session, task, status=TaskStatus.DONE, resolution=resolution, by=by, at=at, action="resolved")
    return resolution


def cancel_task(session: Session, *, task: Task, reason: str, by: str, at: datetime) -> str:
    """Close a task as cancelled: the question no longer stands. Nothing else changes."""
    if not closable(task):
        raise TaskRefused(_why_not_closable(task))
    if not reason.strip():
        raise TaskRefused("say why the task is cancelled")
    resolution = f"cancelled: {reason.strip()}"
    _close(
        session, task, status=TaskStatus.CANCELLED, resolution=resolution, by=by, at=at, action="cancelled"
    )
    return resolution


def answer_contact(
    session: Session,
    sender: Sender,
    settings: Settings,
    *,
    task: Task,
    email: str,
    name: str,
    language: str,
    salutation: str,
    by: str,
    at: datetime,
) -> ReplyOutcome:
    """Answer a contact request as finance's e-mail would: the same function records the contact, holds a
    changed address for confirmation, e-mails the confirmation and closes the task."""
    if task.kind != TaskKind.CONTACT_REQUEST:
        raise TaskRefused(f"task {task.token} does not ask for a contact")
    if task.status != TaskStatus.OPEN:
        raise TaskRefused(f"task {task.token} is already {task.status}")
    address = email.strip().lower()
    if not EMAIL.fullmatch(address):
        raise TaskRefused(f"“{email.strip()}” is not an e-mail address")
    spoken = supported_languages(settings.templates_dir)
    if language and language not in spoken:
        raise TaskRefused(f"no reminder templates in {language!r} ({', '.join(sorted(spoken))})")
    if salutation and salutation_of(salutation) is None:
        raise TaskRefused(f"“{salutation}” is not a salutation (Mr, Ms, Herr, Mme…)")
    answer = ContactAnswer(
        email=address, name=name.strip() or None, language=language or None, salutation=salutation or None
    )
    # The e-mail path's own function, given the person instead of a message: no token to check here (the
    # person is signed in, with a role that allows it), everything after the reading is the same.
    said = f"answered by {by} without e-mail: {address}, {name.strip() or 'no name'}, {language or '-'}"
    message = ParsedMessage(
        message_id=f"<task-{task.id}-answered@relance.workspace>", sender=by, subject="", date=at,
        in_reply_to=None, references=[], body_text=said,
    )  # fmt: skip
    reply = TaskReply(task=task, message=message, inbound_key="workspace", at=at)
    outcome = _answer_contact_request(reply, answer, session=session, sender=sender, settings=settings)
    task.details = {**task.details, "closed_by": by}
    session.add(task)
    audit.record(
        session, at=at, entity="task", entity_id=task.id, action="answered",
        message=f"Task {task.token} answered by {by}, not by e-mail: {outcome.message}", actor=by,
    )  # fmt: skip
    return outcome


def confirm_address(session: Session, *, task: Task, by: str, at: datetime) -> str:
    """Confirm a changed address held for confirmation (`contact_change`), as finance's "OK" by e-mail
    does: the contact becomes the one written to."""
    contact_id = task.details.get("confirm_contact")
    contact = session.get(Contact, contact_id) if contact_id else None
    if contact is None or task.status != TaskStatus.OPEN:
        raise TaskRefused(f"task {task.token} holds no address waiting for confirmation")
    contact.valid, contact.source = True, "task_reply"
    resolution = f"confirmed {contact.email}"
    session.add(contact)
    audit.record(
        session, at=at, entity="account", entity_id=contact.account_id, action="contact_confirmed",
        message=f"New address {contact.email} confirmed by {by}", contact_id=contact.id, actor=by,
    )  # fmt: skip
    _close(session, task, status=TaskStatus.DONE, resolution=resolution, by=by, at=at, action="resolved")
    return resolution


def _why_not_closable(task: Task) -> str:
    if task.status != TaskStatus.OPEN:
        return f"task {task.token} is already {task.status}"
    if task.kind == TaskKind.CONTACT_REQUEST:
        return f"task {task.token} asks for a contact: answer it with one"
    if task.kind == TaskKind.REVIEW and task.document_id is not None:
        return f"task {task.token} is a document's check: confirm or set aside document {task.document_id}"
    if task.details.get("confirm_contact"):
        return f"task {task.token} asks to confirm a new address: confirm it"
    return f"task {task.token} cannot be closed by hand"


def _close(
    session: Session, task: Task, *, status: TaskStatus, resolution: str, by: str, at: datetime, action: str
) -> None:
    task.status, task.closed_at, task.resolution = status, at, resolution
    task.details = {**task.details, "closed_by": by}
    session.add(task)
    audit.record(
        session, at=at, entity="task", entity_id=task.id, action=action,
        message=f"Task {task.token} ({task.title}) {status} by {by}: {resolution}", actor=by,
    )  # fmt: skip
