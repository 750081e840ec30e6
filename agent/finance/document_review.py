"""A person's decision on a doubtful document: confirmed (perhaps corrected), or set aside.

A document in review drives nothing. Finance decides by replying to the review e-mail ("OK", "Due date:
15/12/2026", "ignore") or with `relance documents confirm | reject`. Confirmed, the checked values
replace the extractor's reading (each one shown is now vouched for), the layout learns from it
(`layouts.learn_from_person`), and the review task closes; the message's thread, which waits for that
task, then records the invoice and plans its reminders (graph.py). Set aside, the document is kept and
recorded nowhere. A correction that fails a check is refused with the reason, and the task stays open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from agent import audit
from agent.documents import layouts
from agent.documents.corrections import (
    Value,
    apply_corrections,
    field_labels,
    read_review_answer,
    shown_fields,
)
from agent.documents.locations import field_value
from agent.documents.placement import PageText
from agent.documents.schema import ExtractedDocument
from agent.finance.tasks import TaskReply, company_language, refuse_reply, send_task_mail
from agent.mail.outgoing import Sender
from agent.mail.quoting import strip_quoted
from agent.models import Document, Task
from agent.models.document import DocumentStatus
from agent.models.task import TaskKind, TaskStatus
from agent.settings import Settings

# The stored file's text reading (extract.text_reading), read only when a confirmation can learn from it
PageReader = Callable[[], tuple[ExtractedDocument, PageText] | None]
MONTH_FIRST_COUNTRIES = {"US", "PH", "FM", "MH", "PW"}  # where 03/04 is the fourth of March


class ReviewRefused(ValueError):
    """The decision cannot be taken; the message says why."""


@dataclass(frozen=True)
class ReviewOutcome:
    status: str  # confirmed | rejected | refused | unclear | ignored
    message: str
    problems: list[str] = field(default_factory=list)
    taught: list[str] = field(default_factory=list)  # corrected fields the layout now reads where shown
    unplaced: list[str] = field(default_factory=list)  # corrected fields no label on the page leads to


def review_task_of(session: Session, document_id: int) -> Task | None:
    return session.exec(
        select(Task).where(Task.kind == TaskKind.REVIEW, Task.document_id == document_id)
    ).first()


def month_first(settings: Settings) -> bool:
    return settings.company.country.upper() in MONTH_FIRST_COUNTRIES


def confirm_document(
    session: Session,
    *,
    document: Document,
    corrections: dict[str, Value],
    by: str,
    at: datetime,
    read_page: PageReader | None = None,
) -> ReviewOutcome:
    """Vouch for a document in review, with the person's corrections; refused when a check fails."""
    _must_be_in_review(document)
    reading = ExtractedDocument.model_validate(document.extraction)
    checked, problems = apply_corrections(reading, corrections)
    if problems:
        return ReviewOutcome("refused", "; ".join(problems), problems)
    taught: list[str] = []
    unplaced: list[str] = []
    lesson_note = "nothing to learn from (no text layer)"
    text_reading = read_page() if read_page is not None and document.method in ("text", "llm") else None
    if text_reading is not None:
        page_reading, page = text_reading
        lesson = layouts.learn_from_person(
            session, reading=page_reading, checked=checked, page=page, document_id=document.id, at=at
        )
        taught = [name for name in corrections if name in lesson.places]
        unplaced = list(lesson.unplaced)
        checked.layout = lesson.layout
        lesson_note = _lesson_note(lesson)
    document.extraction, document.kind = checked.as_json(), checked.document_type
    document.confidence, document.status = checked.overall_confidence, DocumentStatus.EXTRACTED
    session.add(document)
    changed = {name: str(value) for name, value in corrections.items()}
    resolution = f"confirmed by {by}" + (f", corrected: {', '.join(changed)}" if changed else "")
    _close_task(session, document, resolution=resolution, at=at)
    audit.record(
        session,
        at=at,
        entity="document",
        entity_id=document.id,
        action="confirmed",
        message=f"Document {checked.number} {resolution}; layout: {lesson_note}",
        actor=by,
        before={name: str(field_value(reading, name)) for name in corrections},
        after=changed,
    )
    return ReviewOutcome("confirmed", resolution, taught=taught, unplaced=unplaced)


def reject_document(
    session: Session, *, document: Document, by: str, reason: str, at: datetime
) -> ReviewOutcome:
    """Set a document in review aside: kept, never recorded, nothing sent about it."""
    _must_be_in_review(document)
    document.status, document.error = DocumentStatus.REJECTED, f"set aside by {by}: {reason}"
    session.add(document)
    _close_task(session, document, resolution=f"set aside by {by}: {reason}", at=at)
    audit.record(
        session,
        at=at,
        entity="document",
        entity_id=document.id,
        action="rejected",
        message=f"Document {document.filename} set aside by {by}: {reason}",
        actor=by,
    )
    return ReviewOutcome("rejected", document.error)


def answer_review(
    reply: TaskReply,
    *,
    session: Session,
    sender: Sender,
    settings: Settings,
    read_page: PageReader | None = None,
) -> ReviewOutcome:
    """Act on finance's reply to a document's review e-mail. What cannot be read or used is asked again,
    with the reason; the document stays in review until a reply settles it."""
    task, message, inbound_key, at = reply.task, reply.message, reply.inbound_key, reply.at
    why = refuse_reply(session, task=task, message=message, at=at)
    if why:
        return ReviewOutcome("ignored", why)
    document = session.get(Document, task.document_id) if task.document_id else None
    if task.status != TaskStatus.OPEN or document is None or document.status != DocumentStatus.REVIEW:
        return ReviewOutcome("ignored", f"task {task.token} was already settled")
    words = strip_quoted(message.body_text)
    answer = read_review_answer(words, month_first=month_first(settings))
    if answer.decision == "reject":
        said = next((line.strip() for line in words.splitlines() if line.strip()), "")
        outcome = reject_document(session, document=document, by=message.sender, reason=f"“{said}”", at=at)
    elif answer.decision == "confirm":
        outcome = confirm_document(
            session,
            document=document,
            corrections=answer.corrections,
            by=message.sender,
            at=at,
            read_page=read_page,
        )
    else:
        outcome = ReviewOutcome("unclear", "; ".join(answer.problems), answer.problems)
    audit.record(
        session,
        at=at,
        entity="task",
        entity_id=task.id,
        action=f"reply_{outcome.status}",
        message=f"Reply from {message.sender} on task {task.token}: {outcome.message}",
        words=words[:500],
    )
    _tell(session, sender, settings, task=task, document=document, outcome=outcome, key=inbound_key, at=at)
    return outcome


def _tell(
    session: Session,
    sender: Sender,
    settings: Settings,
    *,
    task: Task,
    document: Document,
    outcome: ReviewOutcome,
    key: str,
    at: datetime,
) -> None:
    """Say what was done with the reply, in the thread of the review e-mail: what will be recorded (a
    misread correction shows here, before any reminder), or why nothing was."""
    language = company_language(settings)
    reading = ExtractedDocument.model_validate(document.extraction)
    done = outcome.status in ("confirmed", "rejected")
    names = field_labels(language)
    send_task_mail(
        session,
        sender,
        settings,
        task=task,
        template="task_review_done" if done else "task_review_unclear",
        context=lambda: {
            "outcome": outcome.status,
            "problems": outcome.problems,
            "fields": shown_fields(reading, language),
            "taught": [names.get(name, name) for name in outcome.taught],
            "unplaced": [names.get(name, name) for name in outcome.unplaced],
        },
        key=f"{task.id}.review.{key}",
        at=at,
    )


def _must_be_in_review(document: Document) -> None:
    if document.status != DocumentStatus.REVIEW:
        raise ReviewRefused(f"document {document.id} is not waiting for a check (it is {document.status})")


def _close_task(session: Session, document: Document, *, resolution: str, at: datetime) -> None:
    task = review_task_of(session, document.id or 0)
    if task is not None and task.status == TaskStatus.OPEN:
        task.status, task.closed_at, task.resolution = TaskStatus.DONE, at, resolution
        session.add(task)


def _lesson_note(lesson: layouts.Lesson) -> str:
    if lesson.layout is None:
        return "not remembered (too few fields found by a label to recognise the layout)"
    taught = ", ".join(f"{name} at “{how}”" for name, how in lesson.places.items())
    unplaced = f"; no label leads to {', '.join(lesson.unplaced)}" if lesson.unplaced else ""
    return f"remembered ({taught}){unplaced}"
