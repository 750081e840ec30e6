"""Finance's reply to a task: a contact given (or not), or words kept on a review task.

The reply has passed the sender policy and `refuse_reply` (the person asked, the task's token) before any
of it is used. A contact answer adds the contact, or asks again when it has no address; a new address for
an account we already wrote to is held until finance confirms it (`contact_change`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from agent import audit
from agent.finance.contact_answers import (
    ContactAnswer,
    ContactReader,
    language_for_country,
    read_contact_answer,
)
from agent.finance.contact_change import hold_for_confirmation, is_address_change
from agent.finance.tasks import TaskReply, refuse_reply, send_task_mail
from agent.ledger.accounts import add_contact
from agent.mail.outgoing import Sender
from agent.models import Account
from agent.models.task import TaskKind, TaskStatus
from agent.reminders.greeting import salutation_of
from agent.settings import Settings
from agent.templating import Said


@dataclass(frozen=True)
class ReplyOutcome:
    status: str  # contact_created | incomplete | rejected | closed_already
    message: str
    task_id: int | None = None
    contact_id: int | None = None


def answer_task(
    reply: TaskReply,
    *,
    session: Session,
    sender: Sender,
    settings: Settings,
    model_reader: ContactReader | None = None,
) -> ReplyOutcome:
    """Act on finance's reply to one of our tasks, after checking it may. `model_reader` is the LLM's
    reading of a contact answer, when one is configured; the rules' reading comes first."""
    task, message, at = reply.task, reply.message, reply.at
    why = refuse_reply(session, task=task, message=message, at=at)
    if why:
        return ReplyOutcome("rejected", why, task.id)
    if task.status != TaskStatus.OPEN:
        return ReplyOutcome("closed_already", f"task {task.token} was already closed", task.id)
    if task.kind == TaskKind.CONTACT_REQUEST:
        answer = read_contact_answer(message.body_text, model_reader)
        return _answer_contact_request(reply, answer, session=session, sender=sender, settings=settings)
    # Review and payment tasks: the words are kept on the task; closing it is a person's decision.
    task.details = {**task.details, "replies": [*task.details.get("replies", []), message.body_text[:2000]]}
    session.add(task)
    audit.record(
        session,
        at=at,
        entity="task",
        entity_id=task.id,
        action="reply_noted",
        message=f"Reply from {message.sender} noted on task {task.token}",
        words=message.body_text[:500],
    )
    return ReplyOutcome("noted", f"reply noted on task {task.token}", task.id)


def _answer_contact_request(
    reply: TaskReply, answer: ContactAnswer, *, session: Session, sender: Sender, settings: Settings
) -> ReplyOutcome:
    task, message, inbound_key, at = reply.task, reply.message, reply.inbound_key, reply.at
    account = session.get(Account, task.account_id)
    assert account is not None
    if answer.automatic:  # an out-of-office or a ticket number: nobody answered, the task stays open
        audit.record(
            session, at=at, entity="task", entity_id=task.id, action="reply_automatic",
            message=f"Automatic reply from {message.sender} to task {task.token}: no answer, nothing asked",
            words=message.body_text[:500],
        )  # fmt: skip
        return ReplyOutcome("automatic", "an automatic reply is not an answer: the task stays open", task.id)
    if not answer.email:
        send_task_mail(
            session,
            sender,
            settings,
            task=task,
            template="task_reply_incomplete",
            context=lambda: {"account": account, "missing": Said("missing_email")},
            key=f"{task.id}.followup.{inbound_key}",
            at=at,
        )
        audit.record(
            session,
            at=at,
            entity="task",
            entity_id=task.id,
            action="reply_incomplete",
            message="Reply without an e-mail address; asked again",
            words=message.body_text[:500],
        )
        return ReplyOutcome(
            "incomplete", "the reply has no e-mail address; a follow-up question was sent", task.id
        )
    language, inferred = answer.language, False
    if language is None:
        language = language_for_country(account.country) or settings.company.default_language
        inferred = True
    change = is_address_change(session, account.id or 0, answer.email)
    contact = add_contact(
        session,
        account=account,
        email=answer.email,
        name=answer.name,
        language=language,
        language_inferred=inferred,
        at=at,
    )
    # "Herr", "Mme", "Ms" when finance gave one (the reader adds it to ContactAnswer): the greeting's
    # salutation; none, a neutral greeting (reminders/greeting.py).
    contact.salutation = salutation_of(getattr(answer, "salutation", None))
    task.status, task.closed_at = TaskStatus.DONE, at
    task.resolution = f"contact {answer.email} ({language})"
    session.add(task)
    if change:  # a new address for an account we wrote to: unused until finance confirms it
        task.resolution += ", awaiting confirmation"
        confirmation = hold_for_confirmation(
            session, sender, settings, account=account, contact=contact, at=at
        )
        audit.record(
            session, at=at, entity="task", entity_id=task.id, action="done",
            message=f"Contact {answer.email} given by {message.sender}: confirmation asked "
            f"(task {confirmation.token})", words=message.body_text[:500],
        )  # fmt: skip
        return ReplyOutcome("contact_pending", task.resolution, task.id, contact.id)
    send_task_mail(
        session,
        sender,
        settings,
        task=task,
        template="task_contact_confirmed",
        context=lambda: {"account": account, "contact": contact},
        key=f"{task.id}.confirmed",
        at=at,
    )
    audit.record(
        session,
        at=at,
        entity="task",
        entity_id=task.id,
        action="done",
        message=f"Contact {answer.email} given by {message.sender}",
        words=message.body_text[:500],
    )
    return ReplyOutcome("contact_created", task.resolution, task.id, contact.id)
