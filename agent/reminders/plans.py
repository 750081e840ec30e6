"""Reminder plans are data (YAML in workflows/) that finance can read; this module loads and checks them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

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
    on_exhausted: Literal["task", "nothing"] = Field(
        default="task",
        description="After the last step, an invoice still open: a task for finance (what next: hand "
        "over to collection, call, write off, extend), or nothing",
    )
    exhausted_after_days: int = Field(
        default=14, ge=0, description="How long after the last step the invoice must still be open"
    )

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
