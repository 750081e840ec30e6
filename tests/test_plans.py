"""Plans as data: what `relance plans check` refuses, and the plan rules the scheduler applies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from agent.db import session_scope
from agent.mail.maildir import MaildirOutbox
from agent.models import Reminder
from agent.reminders.dispatch import dispatch_due
from agent.reminders.plan_check import check_plans, overlapping_steps
from agent.reminders.plans import Plan
from agent.runtime import Runtime
from agent.settings import Settings
from agent.templating import supported_languages
from tests.helpers import planned_invoice

TEMPLATES = Path(__file__).parent.parent / "templates"
WORKFLOWS = Path(__file__).parent.parent / "workflows"


def plan(*steps: str) -> Plan:
    import yaml

    return Plan.model_validate(yaml.safe_load("name: p\nsteps:\n" + "".join(f"  - {s}\n" for s in steps)))


def test_the_shipped_plans_and_templates_pass() -> None:
    assert check_plans(WORKFLOWS, TEMPLATES, supported_languages(TEMPLATES), today=date(2026, 11, 21)) == []


def test_steps_a_weekend_brings_together_are_refused() -> None:
    # +7 and +8: for an invoice due on a Saturday both land on the Monday a week later
    problems = overlapping_steps(
        plan("{name: a, offset_days: 7, template: t}", "{name: b, offset_days: 8, template: t}"),
        first_due=date(2026, 11, 21),
    )
    assert problems == [
        "plan p: steps a and b overlap: for an invoice due on Saturday 2026-11-21, a goes out on 2026-11-30 "
        "and b on 2026-11-30"
    ]
    # a business-day step catching up with a calendar one: 3 business days after a Saturday is the
    # Wednesday, where 4 calendar days land too
    (overtaken,) = overlapping_steps(
        plan(
            "{name: a, offset_days: 3, days: business, template: t}", "{name: b, offset_days: 4, template: t}"
        ),
        first_due=date(2026, 11, 21),
    )
    assert "due on Saturday 2026-11-21, a goes out on 2026-11-25 and b on 2026-11-25" in overtaken
    three_apart = plan("{name: a, offset_days: 0, template: t}", "{name: b, offset_days: 3, template: t}")
    assert overlapping_steps(three_apart, first_due=date(2026, 11, 21)) == []


def test_a_template_that_fails_to_render_is_refused(tmp_path: Path) -> None:
    workflows, templates = tmp_path / "workflows", tmp_path / "templates"
    workflows.mkdir()
    (workflows / "odd.yaml").write_text(
        "name: odd\nsteps:\n  - {name: a, offset_days: 0, template: broken}\n"
    )
    (templates / "email" / "fr").mkdir(parents=True)
    (templates / "email" / "fr" / "broken.txt.j2").write_text(
        "{% block subject %}Facture {{ invoice.numbr }}{% endblock %}{% block body %}x{% endblock %}"
    )
    problems = check_plans(workflows, templates, {"fr"}, today=date(2026, 11, 21))
    assert "plan odd, step a: the fr template 'broken' fails for 1 invoice(s): UndefinedError" in problems[0]


def test_a_holiday_that_brings_two_steps_together_keeps_the_later_one(runtime: Runtime) -> None:
    # due Sun 27 Dec 2026: due_today moves back to Thu 24 (Fri 25 is Christmas), where courtesy (-3) is
    planned_invoice(runtime, due=date(2026, 12, 27))
    with session_scope(runtime.engine) as session:
        rows = {r.step_name: r for r in session.exec(select(Reminder))}
    assert rows["due_today"].state == "planned" and rows["due_today"].planned_at.date() == date(2026, 12, 24)
    assert rows["courtesy"].state == "skipped"
    assert "falls on 2026-12-24 with step due_today" in (rows["courtesy"].reason or "")


def test_only_if_still_unpaid_n_days_after_the_due_date(
    runtime: Runtime, settings: Settings, tmp_path: Path, outbox: MaildirOutbox
) -> None:
    workflows = tmp_path / "workflows"
    workflows.mkdir()
    (workflows / "standard.yaml").write_text(
        "name: standard\nsteps:\n"
        "  - {name: first_reminder, offset_days: 3, template: first_reminder}\n"
        "  - {name: final_notice, offset_days: 10, unpaid_after_days: 20, template: final_notice}\n"
    )
    settings.workflows_dir = workflows
    due = date(2026, 12, 2)
    planned_invoice(runtime, due=due)
    with session_scope(runtime.engine) as session:
        final = session.exec(select(Reminder).where(Reminder.step_name == "final_notice")).one()
        assert final.planned_at == datetime(2026, 12, 22, 8, 0, tzinfo=UTC)  # due + 20 days, 09:00 Paris
        final.planned_at = datetime(2026, 12, 14, 8, 0, tzinfo=UTC)  # as if a resumed plan brought it forward
        session.add(final)
    for day in (7, 14):
        dispatch_due(runtime.engine, settings, outbox, now=datetime(2026, 12, day, 8, 30, tzinfo=UTC))
    assert [m["Subject"].split(":")[0] for m in outbox.messages()] == ["Relance "]
    with session_scope(runtime.engine) as session:
        final = session.exec(select(Reminder).where(Reminder.step_name == "final_notice")).one()
        assert final.state == "planned" and final.planned_at == datetime(2026, 12, 22, 8, 0, tzinfo=UTC)
        assert "only if still unpaid 20 days after the due date" in (final.reason or "")
    dispatch_due(runtime.engine, settings, outbox, now=datetime(2026, 12, 22, 8, 5, tzinfo=UTC))
    assert len(outbox.messages()) == 2
    assert due + timedelta(days=20) == date(2026, 12, 22)
