"""A plan does not end in silence: its last step sent and the invoice still open 14 days later, finance
gets one task with the history and the choices; `relance invoices --state exhausted` lists them, and a
reply to the task is noted on it (never read as a contact)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlmodel import col, select
from typer.testing import CliRunner

from agent.cli import app
from agent.db import session_scope
from agent.finance.plan_end import hand_over_exhausted
from agent.flow.service import Agent
from agent.mail.maildir import MaildirOutbox
from agent.models import Contact, Reminder, Task
from agent.models.task import TaskKind
from agent.reminders.dispatch import dispatch_due
from agent.runtime import Runtime
from agent.settings import Settings
from tests.conftest import FINANCE, make_email
from tests.helpers import planned_invoice


def send_every_step(runtime: Runtime, settings: Settings, outbox: MaildirOutbox) -> datetime:
    """Each step of the invoice's plan sent on its day; the last one's instant."""
    with session_scope(runtime.engine) as session:
        days = [r.planned_at for r in session.exec(select(Reminder).order_by(col(Reminder.step)))]
    for day in days:
        dispatch_due(runtime.engine, settings, outbox, now=day + timedelta(minutes=5))
    with session_scope(runtime.engine) as session:
        assert {r.state for r in session.exec(select(Reminder))} == {"sent"}
    return days[-1] + timedelta(minutes=5)


def test_an_invoice_open_after_its_final_notice_goes_to_finance_once(
    agent: Agent, runtime: Runtime, settings: Settings, outbox: MaildirOutbox
) -> None:
    planned_invoice(runtime, number="F-2026-0900", amount="3260.00")
    last = send_every_step(runtime, settings, outbox)
    sent = len(outbox.messages())
    assert hand_over_exhausted(runtime.engine, settings, outbox, now=last + timedelta(days=13)) == []
    runner, data_dir = CliRunner(), ["--data-dir", str(settings.data_dir)]
    listed = runner.invoke(app, ["invoices", "--state", "exhausted", "--json", *data_dir])
    assert [row["number"] for row in json.loads(listed.output)] == ["F-2026-0900"]  # ended, not yet asked
    assert hand_over_exhausted(runtime.engine, settings, outbox, now=last + timedelta(days=14)) == [
        "F-2026-0900"
    ]
    assert hand_over_exhausted(runtime.engine, settings, outbox, now=last + timedelta(days=30)) == []  # once
    assert len(outbox.messages()) == sent + 1
    (mail,) = [message for message in outbox.messages() if message["To"] == FINANCE]
    text = mail.get_body().get_content()
    assert "F-2026-0900" in mail["Subject"] and "fin du plan" in mail["Subject"]
    assert "La mise en demeure est partie il y a 14 jours, et 3\u202f260,00\u00a0€ restent dus" in text
    assert "Envoyé jusqu'ici :" in text and "9 décembre 2026 : la première relance" in text
    assert "recouvrement" in text
    wrong = runner.invoke(app, ["invoices", "--state", "forgotten", *data_dir])
    assert wrong.exit_code == 2 and "not a state" in wrong.output

    with session_scope(runtime.engine) as session:
        task = session.exec(select(Task).where(Task.kind == TaskKind.PLAN_END)).one()
        token, contacts = task.token, len(session.exec(select(Contact)).all())
    runtime.inbox().deliver(
        make_email(subject=f"Re: [relance {token}]", body="Marie Martin, marie@acme.example, français")
    )
    agent.tick(last + timedelta(days=15))
    with session_scope(runtime.engine) as session:
        task = session.exec(select(Task).where(Task.kind == TaskKind.PLAN_END)).one()
        assert task.status == "open" and len(task.details["replies"]) == 1  # noted on the task
        assert len(session.exec(select(Contact)).all()) == contacts  # not read as a contact


def test_a_paused_or_paid_invoice_is_not_handed_over(
    runtime: Runtime, settings: Settings, outbox: MaildirOutbox
) -> None:
    from agent.models import Invoice

    planned_invoice(runtime, number="F-2026-0901")
    last = send_every_step(runtime, settings, outbox)
    with session_scope(runtime.engine) as session:
        invoice = session.exec(select(Invoice)).one()
        invoice.paused = True
    assert hand_over_exhausted(runtime.engine, settings, outbox, now=last + timedelta(days=20)) == []
    with session_scope(runtime.engine) as session:
        invoice = session.exec(select(Invoice)).one()
        invoice.paused, invoice.status = False, "paid"
    assert hand_over_exhausted(runtime.engine, settings, outbox, now=last + timedelta(days=20)) == []
