"""The weekly digest to finance: the week to come, what waits for a person, and the week gone by.

    weekly_digest(session=..., settings=..., now=...)   every section at once, as plain values

What relance will send in the next seven days (per day, the largest balances, the final notices), what
waits for finance (open tasks, documents to check, unmatched payments, contacts that bounced), and last
week (reminders sent, payments received per currency, promises kept and broken, DSO per currency). Days
are those of the company's time zone. A handful of set-based statements whatever the size of the book;
the balances come from `views.book_aging.open_items`, the weekly figures from `views.book`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from agent.finance.tasks import task_title
from agent.models import Account, Contact, Document, Invoice, Payment, Reminder, Task
from agent.models.document import DocumentStatus
from agent.models.reminder import ReminderState
from agent.models.task import TaskStatus
from agent.settings import Settings
from agent.views.book import book
from agent.views.book_aging import local_today, open_items

LARGEST = 5  # the biggest balances a reminder goes out for next week: what finance would check first
LISTED = 20  # beyond this, a section says how many more there are


@dataclass(frozen=True)
class ComingStep:
    invoice_id: int
    number: str
    customer: str
    balance: Decimal
    currency: str
    step: str
    day: date
    final: bool  # the last step of its plan: after it, relance stops and asks finance


@dataclass(frozen=True)
class Waiting:
    """Something a person must do, shown with what identifies it."""

    what: str  # task | document | payment | contact
    label: Any  # words, or a `Said` the e-mail words in its reader's language (a task's title)
    since: date | None = None
    amount: Decimal | None = None
    currency: str | None = None
    reference: str | None = None  # a task's token


@dataclass
class Digest:
    as_of: datetime
    today: date  # as_of's date in the company's time zone
    timezone: str
    week: str  # the ISO week the digest is about, e.g. 2026-W50: one digest per week
    coming_per_day: list[tuple[date, int]]
    largest: list[ComingStep]
    final_notices: list[ComingStep]
    waiting: list[Waiting]
    waiting_more: int  # items beyond LISTED, not listed
    reminders_sent_last_week: int
    emails_sent_last_week: int
    received_last_week: dict[str, Decimal]  # per currency
    promises_kept: int
    promises_broken: int
    dso_days: dict[str, Decimal | None] = field(default_factory=dict)  # countback, per currency

    @property
    def steps_coming(self) -> int:
        return sum(count for _day, count in self.coming_per_day)


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weekly_digest(*, session: Session, settings: Settings, now: datetime) -> Digest:
    zone = settings.company.timezone
    today = local_today(now, zone)
    coming = coming_steps(session=session, now=now, timezone=zone)
    per_day = Counter(step.day for step in coming)
    waiting = waiting_for_finance(session=session, timezone=zone)
    figures = book(session=session, now=now, settings=settings)
    last_week = figures.reminders_sent[-2] if len(figures.reminders_sent) > 1 else None
    received = {
        currency: weeks[-2].received
        for currency, weeks in figures.payments_received.items()
        if len(weeks) > 1 and weeks[-2].received
    }
    return Digest(
        as_of=now,
        today=today,
        timezone=zone,
        week=iso_week(today),
        coming_per_day=[
            (today + timedelta(days=n), per_day.get(today + timedelta(days=n), 0)) for n in range(7)
        ],
        largest=largest_invoices(coming),
        final_notices=[step for step in coming if step.final],
        waiting=waiting[:LISTED],
        waiting_more=max(0, len(waiting) - LISTED),
        reminders_sent_last_week=last_week.steps if last_week else 0,
        emails_sent_last_week=last_week.emails if last_week else 0,
        received_last_week=received,
        promises_kept=sum(p.kept.count for p in figures.promises),
        promises_broken=sum(p.broken.count for p in figures.promises),
        dso_days={d.currency: d.countback_days for d in figures.dso},
    )


def largest_invoices(coming: list[ComingStep]) -> list[ComingStep]:
    """The invoices with the largest balances among next week's steps, each once (its first step)."""
    first_step: dict[int, ComingStep] = {}
    for step in coming:  # in send order: the first seen is the invoice's next step
        first_step.setdefault(step.invoice_id, step)
    return sorted(first_step.values(), key=lambda s: (-s.balance, s.day, s.number))[:LARGEST]


def coming_steps(*, session: Session, now: datetime, timezone: str) -> list[ComingStep]:
    """Every planned step of the next seven days, with its invoice's open balance (two statements)."""
    until = now + timedelta(days=7)
    last_step = (
        select(Reminder.invoice_id, Reminder.plan, func.max(Reminder.step).label("last"))
        .group_by(col(Reminder.invoice_id), col(Reminder.plan))
        .subquery()
    )
    statement = (
        select(Reminder, Invoice.number, Account.name, last_step.c.last)
        .join(Invoice, col(Invoice.id) == col(Reminder.invoice_id))
        .join(Account, col(Account.id) == col(Invoice.account_id))
        .join(
            last_step,
            (last_step.c.invoice_id == col(Reminder.invoice_id)) & (last_step.c.plan == col(Reminder.plan)),
        )
        .where(
            Reminder.state == ReminderState.PLANNED,
            col(Reminder.planned_at) >= now,
            col(Reminder.planned_at) < until,
        )
        .order_by(col(Reminder.planned_at), col(Reminder.id))
    )
    balances = {item.invoice_id: item for item in open_items(session=session)}
    zone = ZoneInfo(timezone)
    steps = []
    for reminder, number, customer, last in session.exec(statement):
        item = balances.get(reminder.invoice_id)
        if item is None:
            continue  # paid or credited since it was planned: the dispatcher will cancel it
        steps.append(
            ComingStep(
                invoice_id=reminder.invoice_id,
                number=number,
                customer=customer,
                balance=item.balance,
                currency=item.currency,
                step=reminder.step_name,
                day=reminder.planned_at.astimezone(zone).date(),
                final=reminder.step == last,
            )
        )
    return steps


def waiting_for_finance(*, session: Session, timezone: str) -> list[Waiting]:
    """Open tasks, documents in review, unmatched payments, contacts that bounced: oldest first."""
    zone = ZoneInfo(timezone)
    waiting = [
        Waiting("task", task_title(task), task.created_at.astimezone(zone).date(), reference=task.token)
        for task in session.exec(
            select(Task).where(Task.status == TaskStatus.OPEN).order_by(col(Task.created_at), col(Task.id))
        )
    ]
    waiting += [
        Waiting("document", filename, created_at.astimezone(zone).date())
        for filename, created_at in session.exec(
            select(Document.filename, Document.created_at)
            .where(Document.status == DocumentStatus.REVIEW)
            .order_by(col(Document.created_at), col(Document.id))
        )
    ]
    waiting += [
        Waiting("payment", reference, received_on, amount, currency)
        for reference, received_on, amount, currency in session.exec(
            select(
                col(Payment.external_id), col(Payment.received_on), col(Payment.amount), col(Payment.currency)
            )
            .where(col(Payment.status).in_(["unmatched", "needs_review"]))
            .order_by(col(Payment.received_on), col(Payment.id))
        )
    ]
    waiting += [
        Waiting("contact", f"{email} ({name})")
        for email, name in session.exec(
            select(Contact.email, Account.name)
            .join(Account, col(Account.id) == col(Contact.account_id))
            .where(Contact.valid == False, Contact.source != "awaiting_confirmation")  # noqa: E712
            .order_by(col(Contact.id))
        )
    ]
    return waiting
