"""Reminder plans are data (YAML in workflows/) that finance can read; this module loads and checks them."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator


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


TASK_TEMPLATES = ("task_contact_request", "task_contact_confirmed", "task_reply_incomplete", "task_review")


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


def all_plans(workflows_dir: Path) -> list[Plan]:
    return [load_plan(workflows_dir, path.stem) for path in sorted(workflows_dir.glob("*.yaml"))]


def check_plans(workflows_dir: Path, templates_dir: Path, languages: set[str]) -> list[str]:
    """Every problem that would stop a plan from sending: a bad file, or a missing template/translation."""
    problems: list[str] = []
    for path in sorted(workflows_dir.glob("*.yaml")):
        try:
            plan = load_plan(workflows_dir, path.stem)
        except PlanError as error:
            problems.append(str(error))
            continue
        for step in plan.steps:
            for language in sorted(languages):
                if not (templates_dir / "email" / language / f"{step.template}.txt.j2").exists():
                    problems.append(
                        f"plan {plan.name}, step {step.name}: no {language} template {step.template!r}"
                    )
    # Task e-mails to finance go out in the company's language, which may be any supported one.
    for language in sorted(languages):
        for template in TASK_TEMPLATES:
            if not (templates_dir / "email" / language / f"{template}.txt.j2").exists():
                problems.append(f"task e-mails: no {language} template {template!r}")
    return problems
