"""The weekly digest: sent once a week by the tick, and finance's orders in reply acted on once.

Sending: on the configured weekday, from the configured local time (the company's zone), each recipient
gets one e-mail about the week (`views.digest`), once per ISO week whatever the number of ticks or
workers: the e-mail is a task of kind `digest` per week and recipient (born closed, so it never waits
in the task list), whose Message-ID is fixed when it is made and is sent once (`mail.send.send_once`).

Answering: a reply reaches here through the same gate as any reply to a task (the sender policy, the
addressee, the token or our Message-ID: `flow.inbound_policy.triage`). Each line is an order ("pause
FA-2026-118", in seven languages: `finance.digest_commands`), carried out through the same functions as
`relance pause | resume | skip`; what was done and what was refused (with the reason) is confirmed by
e-mail and audited. A reply is acted on once: what it did is written on the task, keyed by the reply, in
the transaction of the orders, so a re-run only re-sends the confirmation (itself sent once).
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from agent import audit
from agent.db import session_scope
from agent.finance.digest_commands import Order, candidate_numbers, read_orders
from agent.finance.tasks import TaskReply, new_token, send_task_mail
from agent.mail.compose import domain_of, message_id_for
from agent.mail.send import already_sent
from agent.models import Invoice, Reminder, Task
from agent.models.ledger import InvoiceStatus
from agent.models.reminder import PENDING_STATES
from agent.models.task import TaskKind, TaskStatus
from agent.reminders.steering import ReviewRefused, find_invoice, pause, resume, skip_step
from agent.runtime import Runtime
from agent.views.digest import iso_week, weekly_digest

log = logging.getLogger(__name__)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def digest_due(runtime: Runtime, now: datetime) -> str | None:
    """The ISO week a digest is due for at `now`, or None (off, another day, too early)."""
    settings = runtime.settings.digest
    local = now.astimezone(ZoneInfo(runtime.settings.company.timezone))
    if not settings.enabled or WEEKDAYS[local.weekday()] != settings.weekday or local.time() < settings.at:
        return None
    return iso_week(local.date())


def send_weekly_digest(runtime: Runtime, *, now: datetime) -> list[str]:
    """Send this week's digest to each recipient who has not had it; the addresses it went to."""
    week = digest_due(runtime, now)
    if week is None:
        return []
    settings = runtime.settings
    recipients = settings.digest.recipients or [settings.company.finance_address]
    sent = []
    for recipient in recipients:
        with session_scope(runtime.engine) as session:
            task = _digest_task(session, runtime, week=week, recipient=recipient, now=now)
            if already_sent(session, task.message_id or ""):
                continue
            digest = weekly_digest(session=session, settings=settings, now=now)
            if send_task_mail(
                session, runtime.sender, settings, task=task, template="digest",
                context=partial(dict, digest=digest), key=str(task.id), at=now,
            ):  # fmt: skip
                sent.append(recipient)
                audit.record(
                    session, at=now, entity="task", entity_id=task.id, action="digest_sent",
                    message=f"Weekly digest {week} sent to {recipient}: {digest.steps_coming} reminder(s) "
                    f"this week, {len(digest.waiting) + digest.waiting_more} item(s) waiting for finance",
                )  # fmt: skip
    return sent


def _digest_task(session: Session, runtime: Runtime, *, week: str, recipient: str, now: datetime) -> Task:
    """This week's digest task for one recipient: found, or made with its Message-ID fixed at once."""
    for task in session.exec(
        select(Task).where(Task.kind == TaskKind.DIGEST, Task.addressee == recipient).order_by(col(Task.id))
    ):
        if task.details.get("week") == week:
            return task
    task = Task(
        kind=TaskKind.DIGEST,
        status=TaskStatus.DONE,  # nothing to answer: it never waits in the task list
        token=new_token(),
        addressee=recipient,
        title=f"weekly digest {week}",
        details={"week": week, "applied": {}},
        created_at=now,
        closed_at=now,
    )
    session.add(task)
    session.flush()
    domain = domain_of(runtime.settings.company.collections_address)
    task.message_id = message_id_for("digest", f"{week}.{task.token.removeprefix('RL-').lower()}", domain)
    return task


def answer_digest(reply: TaskReply, *, session: Session, runtime: Runtime) -> str:
    """Carry out finance's orders in a reply to the digest, once; confirm what was done and refused."""
    task, message, key, at = reply.task, reply.message, reply.inbound_key, reply.at
    applied: dict[str, Any] = dict(task.details.get("applied", {}))
    if key not in applied:
        named = [number.casefold() for number in candidate_numbers(message.body_text)]
        known = session.exec(select(Invoice.number).where(func.lower(Invoice.number).in_(named))).all()
        read = read_orders(message.body_text, known)
        done, refused = [], [{"line": r.line, "why": r.why, "number": r.number} for r in read.refused]
        for order in read.orders:
            try:
                step = _carry_out(session, runtime, order, by=message.sender, at=at)
                done.append({"line": order.line, "verb": order.verb, "number": order.number, "step": step})
            except NotNow as refusal:
                refused.append({"line": order.line, "why": refusal.why, "number": order.number})
        applied[key] = {"done": done, "refused": refused}
        task.details = {**task.details, "applied": applied}
        session.add(task)
        audit.record(
            session, at=at, entity="task", entity_id=task.id, action="digest_orders",
            message=f"Reply from {message.sender} to digest {task.details.get('week')}: {len(done)} order(s) "
            f"carried out, {len(refused)} refused", words=message.body_text[:500],
        )  # fmt: skip
    outcome = applied[key]
    send_task_mail(
        session, runtime.sender, runtime.settings, task=task, template="digest_orders",
        context=lambda: {"done": outcome["done"], "refused": outcome["refused"]},
        key=f"{task.id}.orders.{key}", at=at,
    )  # fmt: skip
    return "orders_carried_out" if outcome["done"] else "orders_refused"


class NotNow(Exception):
    """An order that cannot be carried out now, with a key the confirmation words in each language."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why  # not_open | not_paused | already_paused | no_step | refused


def _carry_out(session: Session, runtime: Runtime, order: Order, *, by: str, at: datetime) -> str | None:
    """One order, through the functions `relance pause | resume | skip` use; the step skipped, if any."""
    invoice = find_invoice(session, order.number)
    reason = f"asked by {by} in reply to the digest"
    if invoice.status not in (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID):
        raise NotNow("not_open")
    try:
        if order.verb == "pause":
            if invoice.paused:
                raise NotNow("already_paused")
            pause(session, invoice=invoice, at=at, reason=reason, until=None)
            return None
        if order.verb == "resume":
            if not invoice.paused:
                raise NotNow("not_paused")
            resume(session, invoice=invoice, settings=runtime.settings, at=at)
            return None
        step = session.exec(
            select(Reminder.step_name)
            .where(Reminder.invoice_id == invoice.id, col(Reminder.state).in_(PENDING_STATES))
            .order_by(col(Reminder.planned_at), col(Reminder.step))
        ).first()
        if step is None:
            raise NotNow("no_step")
        skip_step(session, invoice=invoice, step_name=step, at=at, reason=reason)
        return step
    except ReviewRefused as error:  # a rule of the schedule said no: the reason stays in the audit trail
        log.info("digest order %r refused: %s", order.line, error)
        raise NotNow("refused") from error
