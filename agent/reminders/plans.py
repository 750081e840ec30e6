"""Reminder plans are data (YAML in workflows/) that finance can read; this module loads and checks them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from agent.reminders.sendtime import add_business_days, is_business_day, next_business_day


class PlanStep(BaseModel):
    name: str
    offset_days: int = Field(description="Days from the due date; negative = before it")
    days: Literal["calendar", "business"] = Field(
        default="calendar", description="offset_days in calendar days, or in the customer's business days"
    )
    template: str
    tone: Literal["courteous", "professional", "firm"] = "courteous"
    min_amount: Decimal | None = Field(
        default=None, description="Skip the step when the balance is under this amount (invoice currency)"
    )
    unpaid_after_days: int | None = Field(
        default=None,
        ge=0,
        description="Only if still unpaid this many days after the due date: a step that comes up earlier "
        "(a business-day shift, a plan resumed after a pause) waits until then",
    )


class Plan(BaseModel):
    name: str
    description: str = ""
    steps: list[PlanStep]

    @model_validator(mode="after")
    def _ordered_distinct(self) -> Plan:
        offsets = [step.offset_days for step in self.steps]
        if not self.steps:
            raise ValueError("a plan needs at least one step")
        if offsets != sorted(offsets) or len(set(offsets)) != len(offsets):
            raise ValueError(f"steps must be in order with distinct offsets, got {offsets}")
        names = [step.name for step in self.steps]
        if len(set(names)) != len(names):
            raise ValueError(f"step names must be unique, got {names}")
        return self


def step_day(due_date: date, step: PlanStep, country: str | None) -> date:
    """The day a step goes out for an invoice due on `due_date`, on a business day of the customer's
    country. A step on or before the due date moves back to the previous business day (it must not
    arrive after the due date it announces); a later one moves forward, and never before its
    "unpaid after N days" condition holds."""
    if step.days == "business":
        day = add_business_days(due_date, step.offset_days, country)
    else:
        day = due_date + timedelta(days=step.offset_days)
    if step.offset_days <= 0 and step.unpaid_after_days is None:
        while not is_business_day(day, country):
            day -= timedelta(days=1)
        return day
    if step.unpaid_after_days is not None:
        day = max(day, due_date + timedelta(days=step.unpaid_after_days))
    return next_business_day(day, country)


TASK_TEMPLATES = (
    "task_contact_request",
    "task_contact_confirmed",
    "task_reply_incomplete",
    "task_review",
    "task_review_done",
    "task_review_unclear",
)


class PlanError(ValueError):
    pass


@lru_cache(maxsize=64)
def _load(path: Path, mtime: float) -> Plan:
    try:
        return Plan.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as error:
        raise PlanError(f"{path.name}: {error}") from error


def load_plan(workflows_dir: Path, name: str) -> Plan:
    path = workflows_dir / f"{name}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in workflows_dir.glob("*.yaml")))
        raise PlanError(f"no plan named {name!r} in {workflows_dir} (known: {known})")
    return _load(path, path.stat().st_mtime)


def find_step(workflows_dir: Path, plan_name: str, step_name: str) -> PlanStep | None:
    """The step of that name in that plan, or None when the plan or the step is gone (a plan edited
    after its steps were stored)."""
    try:
        plan = load_plan(workflows_dir, plan_name)
    except PlanError:
        return None
    return next((step for step in plan.steps if step.name == step_name), None)


def all_plans(workflows_dir: Path) -> list[Plan]:
    return [load_plan(workflows_dir, path.stem) for path in sorted(workflows_dir.glob("*.yaml"))]


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
    from agent.reminders.steps import Settled

    return (
        Settled("credit_note", "AV-0001", date(2026, 1, 20), Decimal("200.00")),
        Settled("payment", None, date(2026, 2, 3), Decimal("134.56")),
    )


def _sample_context(invoices: int) -> dict[str, Any]:
    """Made-up values with every attribute a reminder template may use: rendering with them finds a
    template that would fail on a real invoice (a typo, an unknown variable, a missing include)."""
    from agent.reminders.steps import reminder_variables

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
    from agent.templating import render_email  # templating is the I/O edge; plans stay importable alone

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
