"""What happens to a message that answers us: finance's reply to a task (a contact, a document's check),
a customer's reply to a reminder, a bounce, an auto-reply. The bodies of the graph's reply nodes."""

from __future__ import annotations

from agent.customers.replies import (
    handle_auto_reply,
    handle_bounce,
    handle_customer_reply,
    resume_after_new_contact,
)
from agent.db import session_scope
from agent.documents.extract import ExtractOptions, text_reading
from agent.documents.placement import PageText
from agent.documents.schema import ExtractedDocument
from agent.finance.contact_answers import ContactAnswer, ContactReader
from agent.finance.contact_change import answer_confirmation
from agent.finance.document_review import answer_review
from agent.finance.task_replies import answer_task as act_on_task_reply
from agent.finance.tasks import TaskReply, find_task_for_reply, refuse_reply
from agent.flow.digest import answer_digest
from agent.flow.intake import load_message
from agent.llm import LlmContact, ask, load_prompt
from agent.mail.quoting import strip_quoted
from agent.models import Document
from agent.models.document import DocumentStatus
from agent.models.task import TaskKind
from agent.runtime import Runtime


def contact_reader(runtime: Runtime) -> ContactReader | None:
    """The LLM's reading of finance's answer to a contact request, when an endpoint is configured."""
    model = runtime.llm
    if model is None:
        return None
    system = load_prompt(
        runtime.settings.prompts_dir, "contact_answer", company=runtime.settings.company.name
    )

    def read(text: str) -> ContactAnswer | None:
        answer = ask(model, system=system, text=strip_quoted(text), schema=LlmContact)
        if not isinstance(answer.value, LlmContact):
            return None
        value = answer.value
        return ContactAnswer(email=value.email, name=value.name, language=value.language)

    return read


def answer_task(runtime: Runtime, inbound_id: int) -> str:
    inbound, message = load_message(runtime, inbound_id)
    now = runtime.clock.now()
    with session_scope(runtime.engine) as session:
        task = find_task_for_reply(session, message)
        assert task is not None
        reply = TaskReply(task=task, message=message, inbound_key=inbound.content_hash[:12], at=now)
        if task.kind == TaskKind.DIGEST:  # finance's orders in reply to the weekly digest
            why = refuse_reply(session, task=task, message=message, at=now)
            return "rejected" if why else answer_digest(reply, session=session, runtime=runtime)
        document = session.get(Document, task.document_id) if task.document_id else None
        if task.kind == TaskKind.REVIEW and document is not None and document.status == DocumentStatus.REVIEW:
            return answer_review(
                reply,
                session=session,
                sender=runtime.sender,
                settings=runtime.settings,
                read_page=lambda: stored_text_reading(runtime, document.raw_path),
            ).status
        account_id = task.account_id
        if task.kind == TaskKind.REVIEW and task.details.get("confirm_contact"):  # a changed address
            why = refuse_reply(session, task=task, message=message, at=now)
            status = "rejected" if why else answer_confirmation(reply, session=session)
        else:
            status = act_on_task_reply(
                reply,
                session=session,
                sender=runtime.sender,
                settings=runtime.settings,
                model_reader=contact_reader(runtime),
            ).status
    if status == "contact_created" and account_id is not None:
        resume_after_new_contact(runtime, account_id)  # steps held by a bounce or a missing contact
    return status


def stored_text_reading(runtime: Runtime, raw_path: str) -> tuple[ExtractedDocument, PageText] | None:
    """The text path's reading of a stored document and its page text: what a person's check teaches."""
    options = ExtractOptions(company_names=tuple(runtime.settings.company.all_names()))
    return text_reading((runtime.store.root / raw_path).read_bytes(), options)


def customer_reply(runtime: Runtime, inbound_id: int) -> str:
    _inbound, message = load_message(runtime, inbound_id)
    return handle_customer_reply(runtime, inbound_id, message)


def auto_reply(runtime: Runtime, inbound_id: int) -> str:
    _inbound, message = load_message(runtime, inbound_id)
    return handle_auto_reply(runtime, inbound_id, message)


def bounce(runtime: Runtime, inbound_id: int) -> str:
    return handle_bounce(runtime, inbound_id)
