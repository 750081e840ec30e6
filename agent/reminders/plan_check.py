"""Check every plan and template before a step is planned from them: `relance plans check` and CI.

A plan that would send two steps on one day, a template missing in one language or one that fails to
render with an invoice's values is found here, on made-up values, not on a customer's invoice.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from agent.reminders.plans import TASK_TEMPLATES, Plan, PlanError, load_plan, step_day
from agent.reminders.steps import Settled, reminder_variables
from agent.templating import render_email


def overlapping_steps(plan: Plan, *, first_due: date, days: int = 28) -> list[str]:
    """Steps that go out on the same day, or in the wrong order, in an ordinary week once weekends are
    applied: two calendar offsets a day apart across a weekend, a business-day step overtaking a
    calendar one. (A public holiday can still bring two steps together; the scheduler then keeps the
    later one and says why: that is the calendar, not a fault of the plan.)"""
    problems: dict[tuple[str, str], str] = {}
    for shift in range(days):
        due = first_due + timedelta(days=shift)
        sent_on = [(step, step_day(due, step, None)) for step in plan.steps]
        for (before, day_before), (after, day_after) in pairwise(sent_on):
            if day_after <= day_before and (before.name, after.name) not in problems:
                problems[(before.name, after.name)] = (
                    f"plan {plan.name}: steps {before.name} and {after.name} overlap: for an invoice due on "
                    f"{due:%A %Y-%m-%d}, {before.name} goes out on {day_before} "
                    f"and {after.name} on {day_after}"
                )
    return list(problems.values())


def _sample_settled() -> tuple[Any, ...]:
    """A credit note and a part payment: the lines a reminder shows between the invoice and its balance."""
    return (
        Settled("credit_note", "AV-0001", date(2026, 1, 20), Decimal("200.00")),
        Settled("payment", None, date(2026, 2, 3), Decimal("134.56")),
    )


def _sample_context(invoices: int) -> dict[str, Any]:
    """Made-up values with every attribute a reminder template may use: rendering with them finds a
    template that would fail on a real invoice (a typo, an unknown variable, a missing include)."""
    items = [
        {
            "invoice": SimpleNamespace(
                number=f"F-{n:04d}",
                issue_date=date(2026, 1, 2),
                due_date=date(2026, 2, 1),
                currency="EUR",
                total_gross=Decimal("1234.56"),
                amount_due=Decimal("1234.56"),
            ),
            "balance": Decimal("1234.56") - (Decimal("334.56") if n == 1 else 0),
            "days_overdue": 12,
            "settled": _sample_settled() if n == 1 else (),
        }
        for n in range(1, invoices + 1)
    ]
    return reminder_variables(
        items,
        locale="en",
        company=SimpleNamespace(name="Example SAS", country="FR", collections_address="ar@example.com"),
        account=SimpleNamespace(name="Customer SARL", country="FR"),
        contact_name="Camille Martin",
        legal=SimpleNamespace(
            applies=True, interest_rate=Decimal("12.15"), fixed_fee=Decimal("40"), fee_currency="EUR"
        ),
    )


def check_plans(workflows_dir: Path, templates_dir: Path, languages: set[str], *, today: date) -> list[str]:
    """Every problem that would stop a plan from sending: a bad file, overlapping steps, a missing
    template or translation, or a template that fails to render (for one invoice or for several)."""
    problems: list[str] = []
    for path in sorted(workflows_dir.glob("*.yaml")):
        try:
            plan = load_plan(workflows_dir, path.stem)
        except PlanError as error:
            problems.append(str(error))
            continue
        problems += overlapping_steps(plan, first_due=today)
        for step in plan.steps:
            for language in sorted(languages):
                if not (templates_dir / "email" / language / f"{step.template}.txt.j2").exists():
                    problems.append(
                        f"plan {plan.name}, step {step.name}: no {language} template {step.template!r}"
                    )
                    continue
                for count in (1, 3):
                    try:
                        render_email(templates_dir, step.template, language, _sample_context(count))
                    except Exception as error:  # any failure is a finding, reported with its words
                        problems.append(
                            f"plan {plan.name}, step {step.name}: the {language} template {step.template!r} "
                            f"fails for {count} invoice(s): {type(error).__name__}: {error}"
                        )
    # Task e-mails to finance go out in the company's language, which may be any supported one.
    for language in sorted(languages):
        for template in TASK_TEMPLATES:
            if not (templates_dir / "email" / language / f"{template}.txt.j2").exists():
                problems.append(f"task e-mails: no {language} template {template!r}")
    return problems
