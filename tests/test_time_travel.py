"""A whole plan, hour by hour, for customers in three countries and languages, across the end of summer
time and a national holiday: every e-mail once, at nine in the customer's morning, on a business day of
the customer's country, in the customer's language."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from agent.db import session_scope
from agent.mail.maildir import MaildirOutbox
from agent.models import Reminder
from agent.reminders.dispatch import dispatch_due
from agent.runtime import Runtime
from agent.settings import Settings
from tests.helpers import planned_invoice

DUE = date(2026, 10, 27)  # a Tuesday, two days after Europe leaves summer time (25 October)
CUSTOMERS = {  # name: (country, language, time zone)
    "Dupont": ("FR", "fr", "Europe/Paris"),
    "Muster": ("DE", "de", "Europe/Berlin"),
    "Smith": ("GB", "en", "Europe/London"),
}


def test_a_whole_plan_across_summer_time_and_a_holiday(
    runtime: Runtime, settings: Settings, outbox: MaildirOutbox
) -> None:
    runtime.clock.set(datetime(2026, 10, 1, tzinfo=UTC))
    for number, (name, (country, language, _zone)) in enumerate(CUSTOMERS.items(), 1):
        planned_invoice(
            runtime, name=name, number=f"INV-{number}", due=DUE, country=country, language=language
        )
    instant = datetime(2026, 10, 15, tzinfo=UTC)
    while instant < datetime(2026, 12, 5, tzinfo=UTC):
        dispatch_due(runtime.engine, settings, outbox, now=instant)
        instant += timedelta(hours=1)

    with session_scope(runtime.engine) as session:
        rows = session.exec(select(Reminder).order_by(Reminder.invoice_id, Reminder.step)).all()
        assert {r.state for r in rows} == {"sent"} and len(rows) == 15
        sent = {(r.invoice_id, r.step_name): r.sent_at for r in rows}
    messages = outbox.messages()
    assert len(messages) == 15 and len({m["Message-ID"] for m in messages}) == 15  # each once

    local = {}
    for invoice_id, (name, (_country, language, zone)) in enumerate(CUSTOMERS.items(), 1):
        for step in ("courtesy", "due_today", "first_reminder", "second_reminder", "final_notice"):
            at = sent[(invoice_id, step)]
            assert at is not None
            local[(name, step)] = at.astimezone(ZoneInfo(zone))
            assert local[(name, step)].hour == 9 and local[(name, step)].minute == 0, (name, step, at)
        languages = {m["Content-Language"] for m in messages if m["To"] == f"ap@{name.lower()}.example"}
        assert languages == {language}

    # Courtesy: Fri 23 Oct, still summer time (07:00 UTC in Paris); due day: Tue 27 Oct, winter time
    assert sent[(1, "courtesy")] == datetime(2026, 10, 23, 7, 0, tzinfo=UTC)
    assert sent[(1, "due_today")] == datetime(2026, 10, 27, 8, 0, tzinfo=UTC)
    assert sent[(3, "due_today")] == datetime(2026, 10, 27, 9, 0, tzinfo=UTC)  # 09:00 in London
    # +15 days is Wed 11 November: Armistice Day in France only
    assert local[("Dupont", "second_reminder")].date() == date(2026, 11, 12)
    assert local[("Muster", "second_reminder")].date() == date(2026, 11, 11)
    assert local[("Smith", "second_reminder")].date() == date(2026, 11, 11)
    subjects = sorted(str(m["Subject"]) for m in messages if m["To"] == "ap@muster.example")
    assert any(s.startswith("Letzte Mahnung") for s in subjects)
