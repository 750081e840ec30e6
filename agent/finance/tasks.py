"""Tasks: questions to finance, e-mailed, and answered by e-mail.

A task e-mail carries a token in its subject and a deterministic Message-ID; a reply counts only when
it comes from the person asked and carries the token (in the subject, the body, or by replying to our
Message-ID). Anything else is ignored and logged: a forged reply must not create a contact.

A task's title and reasons are words for a person: given as `Said` (a key and its values), they are
stored as such (`details["said"]`) and said in finance's language by each e-mail; the English text stays
in `title` and `details["reasons"]` for the audit trail, the CLI and the workspace.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from agent import audit
from agent.documents.corrections import field_labels
from agent.mail.compose import domain_of, message_id_for
from agent.mail.outgoing import Sender
from agent.mail.parse import ParsedMessage
from agent.mail.send import already_sent, send_once
from agent.models import Account, Document, Invoice, Task
from agent.models.task import TaskKind, TaskStatus
from agent.settings import Settings
from agent.templating import Said, render_email, said_from_json, said_to_json, supported_languages

log = logging.getLogger(__name__)


def new_token() -> str:
    """96 random bits: a reply must quote it (or answer our Message-ID, which carries it too), so it
    must not be guessable."""
    return "RL-" + secrets.token_hex(12).upper()


def task_message_id(task: Task, key: str, settings: Settings) -> str:
    """The Message-ID of one e-mail of a task: stable for a retry (derived from the task's stored token)
    but unguessable (the token is random), so a forged reply cannot name it in In-Reply-To."""
    if key == str(task.id) and task.message_id:
        return task.message_id  # the first e-mail's id, stored on the task
    secret = task.token.removeprefix("RL-").lower()
    return message_id_for("task", f"{key}.{secret}", domain_of(settings.company.collections_address))


def company_language(settings: Settings) -> str:
    language = settings.company.default_language
    return language if language in supported_languages(settings.templates_dir) else "en"


def send_task_mail(
    session: Session,
    sender: Sender,
    settings: Settings,
    *,
    task: Task,
    template: str,
    context: Callable[[], dict[str, Any]],
    key: str,
    at: datetime,
) -> bool:
    """Render and send one task e-mail unless its Message-ID went out already. The context is built only
    when the e-mail is really sent (a resumed node calls this again, and must stay cheap)."""
    message_id = task_message_id(task, key, settings)
    if already_sent(session, message_id):
        return False
    language = company_language(settings)
    rendered = render_email(
        settings.templates_dir,
        template,
        language,
        {
            "company": settings.company,
            "task": task,
            "title": task_title(task),
            "labels": field_labels(language),
            **context(),
        },
    )
    return send_once(
        session,
        sender,
        message_id=message_id,
        purpose=template,
        from_address=settings.company.from_header(),
        recipient=task.addressee,
        rendered=rendered,
        at=at,
        # Follow-ups and confirmations answer the task's first e-mail, so finance sees one thread.
        in_reply_to=None if key == str(task.id) else task.message_id,
    )


def task_title(task: Task) -> str:
    """What the task is about, as its e-mails' subjects say it: the stored `Said` when there is one."""
    said = task.details.get("said", {}).get("title")
    return said_from_json(said) if said is not None else task.title


def task_reasons(task: Task) -> list[str]:
    """Why the task was asked, each reason a `Said` when it was given as one."""
    said = task.details.get("said", {}).get("reasons")
    if said is None:
        return list(task.details.get("reasons", []))
    return [said_from_json(reason) for reason in said]


def request_contact(
    session: Session,
    sender: Sender,
    settings: Settings,
    *,
    account: Account,
    addressee: str,
    at: datetime,
    problem: str | None = None,
) -> Task:
    """The open contact request for this account, created and e-mailed once. `problem` says what is wrong
    with the contact we had (a bounce), when there was one."""
    task = session.exec(
        select(Task).where(
            Task.account_id == account.id,
            Task.kind == TaskKind.CONTACT_REQUEST,
            Task.status == TaskStatus.OPEN,
        )
    ).first()
    if task is None:
        task = Task(
            kind=TaskKind.CONTACT_REQUEST,
            token=new_token(),
            account_id=account.id,
            addressee=addressee,
            title=f"Contact needed for {account.name}",
            created_at=at,
            details={"problem": problem} if problem else {},
        )
        session.add(task)
        session.flush()
        task.message_id = task_message_id(task, f"{task.id}.first", settings)
        audit.record(
            session,
            at=at,
            entity="task",
            entity_id=task.id,
            action="created",
            message=f"Asked {addressee} for a contact at {account.name}",
            token=task.token,
        )

    def context() -> dict[str, Any]:
        invoices = session.exec(
            select(Invoice).where(Invoice.account_id == account.id).order_by(col(Invoice.due_date))
        ).all()
        return {"account": account, "invoices": invoices, "problem": task.details.get("problem")}

    send_task_mail(
        session,
        sender,
        settings,
        task=task,
        template="task_contact_request",
        context=context,
        key=str(task.id),
        at=at,
    )
    return task


def request_review(
    session: Session,
    sender: Sender,
    settings: Settings,
    *,
    title: str,
    reasons: list[str],
    addressee: str,
    at: datetime,
    document_id: int | None = None,
    account_id: int | None = None,
    kind: TaskKind = TaskKind.REVIEW,
    details: dict[str, Any] | None = None,
    shown: list[tuple[str, str]] | None = None,
) -> Task:
    """A review task for a doubtful document, reply or payment; one per document. `shown`: the values
    read from a document, labelled, which finance confirms or corrects by replying. `title` and each of
    `reasons` may be a `Said`; a document's task is titled by the document when `title` is not one."""
    if document_id is not None:
        existing = session.exec(
            select(Task).where(Task.kind == TaskKind.REVIEW, Task.document_id == document_id)
        ).first()
        if existing:
            return existing
    said_title = title if isinstance(title, Said) else _document_title(session, document_id)
    said = {
        "title": said_to_json(said_title) if said_title is not None else None,
        "reasons": [said_to_json(reason) for reason in reasons],
    }
    task = Task(
        kind=kind,
        token=new_token(),
        addressee=addressee,
        title=str(title),
        created_at=at,
        document_id=document_id,
        account_id=account_id,
        details={"reasons": [str(reason) for reason in reasons], "said": said, **(details or {})},
    )
    session.add(task)
    session.flush()
    task.message_id = task_message_id(task, f"{task.id}.first", settings)
    audit.record(
        session,
        at=at,
        entity="task",
        entity_id=task.id,
        action="created",
        message=f"Review asked of {addressee}: {title}",
        reasons=[str(reason) for reason in reasons],
    )
    send_task_mail(
        session,
        sender,
        settings,
        task=task,
        template="task_review",
        context=lambda: {"reasons": task_reasons(task), "fields": shown or []},
        key=str(task.id),
        at=at,
    )
    return task


def _document_title(session: Session, document_id: int | None) -> Said | None:
    """ "document F-2026-0468": the document's number as read, else its file name."""
    document = session.get(Document, document_id) if document_id is not None else None
    if document is None:
        return None
    return Said("document_title", document=(document.extraction or {}).get("number") or document.filename)


def find_task_for_reply(session: Session, message: ParsedMessage) -> Task | None:
    """The task a message answers: by our Message-ID in its thread headers, else by a token it quotes."""
    thread_ids = [message.in_reply_to, *message.references]
    for message_id in filter(None, thread_ids):
        task = session.exec(select(Task).where(Task.message_id == message_id)).first()
        if task:
            return task
    for task in session.exec(select(Task).where(Task.status == TaskStatus.OPEN)):
        if task.token in message.subject:
            return task
    return None


@dataclass(frozen=True)
class TaskReply:
    """Finance's reply to one of our tasks, as every path that answers a task reads it."""

    task: Task
    message: ParsedMessage
    inbound_key: str  # the inbound message's short content hash: the key of what we send back, once
    at: datetime


def reply_refusal(task: Task, message: ParsedMessage) -> str | None:
    """Why a reply may not act on a task (wrong sender, no token), or None when it may."""
    if message.sender.lower() != task.addressee.lower():
        return (
            f"reply to task {task.token} from {message.sender}, who was not asked ({task.addressee}): ignored"
        )
    carries_token = (
        task.token in message.subject
        or task.token in message.body_text
        or (task.message_id is not None and task.message_id in [message.in_reply_to, *message.references])
    )
    if not carries_token:
        return f"reply from {message.sender} does not carry task token {task.token}: ignored"
    return None


def refuse_reply(session: Session, *, task: Task, message: ParsedMessage, at: datetime) -> str | None:
    """Why a reply may not act on a task, logged and audited; None when it may."""
    why = reply_refusal(task, message)
    if why:
        log.warning(why)
        audit.record(session, at=at, entity="task", entity_id=task.id, action="reply_rejected", message=why)
    return why
