"""The end of a plan: its last step went out, the invoice is still open, and a person decides what next.

A plan says what happens after its last step (`on_exhausted`, in the plan's YAML): `task` (the
default) asks finance, once, when the invoice is still open `exhausted_after_days` after that step,
with the history ("final notice sent 14 days ago, 3 260,00 € still open") and the choices: hand over to
collection, call the customer, write off, or extend the plan. Run by each tick (`hand_over_exhausted`).
An invoice paused, paid or credited meanwhile is left alone; a reply to the task is noted on it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from agent.db import session_scope
from agent.finance.tasks import request_review
from agent.ledger.records import open_balance
from agent.mail.outgoing import Sender
from agent.models import Account, Invoice, Reminder, Task
from agent.models.ledger import InvoiceStatus
from agent.models.reminder import PENDING_STATES, ReminderState
from agent.models.task import TaskKind
from agent.reminders.plans import PlanError, load_plan
from agent.settings import Settings
from agent.templating import Said

OPEN = (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID)


def exhausted_invoices(
    session: Session, settings: Settings, *, now: datetime, waited: bool = True
) -> list[tuple[Invoice, Reminder]]:
    """Open, unpaused invoices whose plan's last step was sent (at least `exhausted_after_days` ago
    when `waited`) and that have no step left to send, each with that last step; whether or not
    finance was asked."""
    found = []
    invoices = session.exec(
        select(Invoice).where(col(Invoice.status).in_(OPEN), col(Invoice.paused).is_(False))
    )
    for invoice in invoices:
        steps = session.exec(
            select(Reminder).where(Reminder.invoice_id == invoice.id).order_by(col(Reminder.step))
        ).all()
        if not steps or any(step.state in (*PENDING_STATES, ReminderState.SENDING) for step in steps):
            continue
        last = steps[-1]
        try:
            plan = load_plan(settings.workflows_dir, last.plan)
        except PlanError:
            continue  # a plan removed since: nothing to say about its end
        if last.state != ReminderState.SENT or last.sent_at is None or plan.on_exhausted != "task":
            continue
        if last.step != len(plan.steps) - 1:
            continue  # the plan grew a step since: it is not at its end
        if waited and now - last.sent_at < timedelta(days=plan.exhausted_after_days):
            continue
        if open_balance(session, invoice) <= settings.reminders.balance_tolerance:
            continue
        found.append((invoice, last))
    return found


def asked_already(session: Session) -> set[int]:
    """The invoices finance was asked about at the end of their plan (open or closed: asked once)."""
    tasks = session.exec(select(Task).where(Task.kind == TaskKind.PLAN_END)).all()
    return {task.details.get("invoice_id", 0) for task in tasks}


def hand_over_exhausted(engine: Engine, settings: Settings, sender: Sender, *, now: datetime) -> list[str]:
    """A task for finance for each invoice at the end of its plan, once; the numbers of those asked now."""
    asked: list[str] = []
    with session_scope(engine) as session:
        done = asked_already(session)
        for invoice, last in exhausted_invoices(session, settings, now=now):
            if invoice.id in done:
                continue
            _ask(session, settings, sender, invoice=invoice, last=last, now=now)
            asked.append(invoice.number)
    return asked


def _ask(
    session: Session, settings: Settings, sender: Sender, *, invoice: Invoice, last: Reminder, now: datetime
) -> Task:
    account = session.get(Account, invoice.account_id)
    balance: Decimal = open_balance(session, invoice)
    sent = session.exec(
        select(Reminder)
        .where(Reminder.invoice_id == invoice.id, Reminder.state == ReminderState.SENT)
        .order_by(col(Reminder.step))
    ).all()
    history = [{"step": r.template, "sent_at": r.sent_at.isoformat() if r.sent_at else None} for r in sent]
    assert last.sent_at is not None
    days = (now - last.sent_at).days
    return request_review(
        session,
        sender,
        settings,
        kind=TaskKind.PLAN_END,
        title=Said("plan_end_title", invoice=invoice.number, account=account.name if account else "?"),
        reasons=[
            Said("plan_end_open", step=last.template, days=days, amount=balance, currency=invoice.currency),
            Said("plan_end_history"),
            *(Said("plan_end_sent", step=r.template, sent_on=r.sent_at) for r in sent if r.sent_at),
            Said("plan_end_choices"),
        ],
        addressee=settings.company.finance_address,
        at=now,
        account_id=invoice.account_id,
        details={"invoice_id": invoice.id, "balance": str(balance), "history": history},
    )
