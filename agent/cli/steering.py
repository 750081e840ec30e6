"""`relance pause | resume | skip | set-plan | history`: finance reviews and steers the schedule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.markup import escape

from agent.cli.common import (
    DataDir,
    JsonFlag,
    NowOption,
    UtcFlag,
    console,
    day_value,
    emit,
    err,
    fail,
    group,
    open_runtime,
    refuse,
)

if TYPE_CHECKING:
    from sqlmodel import Session

    from agent.runtime import Runtime

AccountOption = Annotated[
    str | None, typer.Option("--account", help="The customer, when two have an invoice with this number")
]
Reason = Annotated[str, typer.Option("--reason", help="Why, in words: kept with the change")]
InvoiceNumber = Annotated[str, typer.Argument(help="The invoice's number, e.g. F-2026-0412")]


def _act(data_dir: Any, now: str | None, action: Callable[[Session, Runtime], str]) -> None:
    from agent.db import session_scope
    from agent.reminders import steering as review

    runtime = open_runtime(data_dir, now)
    try:
        with session_scope(runtime.engine) as session:
            done = action(session, runtime)
    except review.ReviewRefused as error:
        _refused(error)
    console.print(done, soft_wrap=True)


def _refused(error: Exception) -> NoReturn:
    """A refusal in one line: exit code 2 when what was typed names nothing (no invoice F-…, no such step
    or plan), 1 when the action is refused as the invoice stands."""
    from agent.reminders.steering import Unknown

    (fail if isinstance(error, Unknown) else refuse)(str(error))


def pause(
    invoice: InvoiceNumber,
    reason: Reason,
    until: Annotated[
        str | None,
        typer.Option(
            callback=day_value, help="YYYY-MM-DD: resume by itself on that day (default: until you resume)"
        ),
    ] = None,
    account: AccountOption = None,
    data_dir: DataDir = None,
    now: NowOption = None,
) -> None:
    """Hold an invoice's reminders until you resume them (or until a date)."""
    from agent.reminders import steering as review

    until_at = datetime.combine(date.fromisoformat(until), time(0, 0), tzinfo=UTC) if until else None

    def act(session: Session, runtime: Runtime) -> str:
        found = review.find_invoice(session, invoice, account=account)
        held = review.pause(session, invoice=found, at=runtime.clock.now(), reason=reason, until=until_at)
        return f"invoice {found.number} paused: {held} step(s) held"

    _act(data_dir, now, act)


def resume(
    invoice: InvoiceNumber, account: AccountOption = None, data_dir: DataDir = None, now: NowOption = None
) -> None:
    """Put a paused invoice's reminders back on the schedule: the next one at the next send window."""
    from agent.reminders import steering as review

    def act(session: Session, runtime: Runtime) -> str:
        found = review.find_invoice(session, invoice, account=account)
        steps = review.resume(session, invoice=found, settings=runtime.settings, at=runtime.clock.now())
        first = f"; next: {steps[0].step_name} at {steps[0].planned_at:%Y-%m-%d %H:%M} UTC" if steps else ""
        return f"invoice {found.number} resumed: {len(steps)} step(s){first}"

    _act(data_dir, now, act)


def skip(
    invoice: InvoiceNumber,
    step: Annotated[str, typer.Argument(help="The step's name, as `relance history` shows it")],
    reason: Reason,
    account: AccountOption = None,
    data_dir: DataDir = None,
    now: NowOption = None,
) -> None:
    """Skip one step of an invoice's plan (the others keep their dates)."""
    from agent.reminders import steering as review

    def act(session: Session, runtime: Runtime) -> str:
        found = review.find_invoice(session, invoice, account=account)
        review.skip_step(session, invoice=found, step_name=step, at=runtime.clock.now(), reason=reason)
        return f"invoice {found.number}: step {step} skipped"

    _act(data_dir, now, act)


def set_plan(
    plan: Annotated[str, typer.Argument(help="The plan's name (a file of workflows/ without .yaml)")],
    invoice: Annotated[str | None, typer.Option("--invoice", help="One invoice")] = None,
    account: Annotated[str | None, typer.Option("--account", help="A customer: all its invoices")] = None,
    data_dir: DataDir = None,
    now: NowOption = None,
) -> None:
    """Choose the reminder plan of an invoice or of a customer; their waiting steps are replanned."""
    from agent.reminders import steering as review

    def act(session: Session, runtime: Runtime) -> str:
        from agent.reminders.plans import PlanError

        try:
            found_invoice = review.find_invoice(session, invoice, account=account) if invoice else None
            found_account = review.find_account(session, account) if account and not invoice else None
            replanned = review.set_plan(
                session, plan=plan, settings=runtime.settings, at=runtime.clock.now(),
                invoice=found_invoice, account=found_account,
            )  # fmt: skip
        except PlanError as error:
            raise review.ReviewRefused(str(error)) from error
        numbers = ", ".join(i.number for i in replanned) or "no open invoice"
        return f"plan {plan} set; replanned: {numbers}"

    _act(data_dir, now, act)


def history(
    invoice: InvoiceNumber,
    account: AccountOption = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
    utc: UtcFlag = False,
) -> None:
    """One invoice's reminders (sent and to come) and every change made to them, with its cause. Times
    in the company's time zone (named), or in UTC with --utc; JSON has ISO 8601 times with offsets."""
    from sqlmodel import col, select

    from agent.cli.render import stamp
    from agent.db import session_scope
    from agent.ledger.records import open_balance
    from agent.models import Account, Reminder
    from agent.reminders import steering as review
    from agent.reminders.changes import describe, schedule_changes

    runtime = open_runtime(data_dir)
    try:
        with session_scope(runtime.engine) as session:
            found = review.find_invoice(session, invoice, account=account)
            customer = session.get(Account, found.account_id)
            steps = session.exec(
                select(Reminder).where(Reminder.invoice_id == found.id).order_by(col(Reminder.step))
            ).all()
            data = {
                "invoice": found.number,
                "account": customer.name if customer else None,
                "status": found.status,
                "balance": str(open_balance(session, found)),
                "currency": found.currency,
                "paused": found.paused,
                "pause_reason": found.pause_reason,
                "steps": [
                    {
                        "step": r.step_name,
                        "plan": r.plan,
                        "planned_at": r.planned_at.isoformat(),
                        "language": r.language,
                        "state": r.state,
                        "reason": r.reason,
                        "sent_at": r.sent_at.isoformat() if r.sent_at else None,
                    }
                    for r in steps
                ],
                "changes": schedule_changes(session, found.id or 0),
            }
    except review.ReviewRefused as error:
        _refused(error)
    if as_json:
        emit(data)
        return
    console.print(
        f"[bold]{escape(data['invoice'])}[/]  {escape(str(data['account']))}  {data['status']}  "
        f"balance {data['balance']} {data['currency']}" + ("  [magenta]paused[/]" if data["paused"] else "")
    )
    zone = runtime.settings.company.timezone
    for row in data["steps"]:
        console.print(
            f"  {stamp(row['planned_at'], zone, utc=utc)}  [cyan]{row['step']}[/] ({row['plan']}) "
            f"\\[{row['language']}] "
            f"{row['state']}: {escape(str(row['reason']))}",
            soft_wrap=True,
        )
    if data["changes"]:
        console.print("[bold]changes[/]")
    for change in data["changes"]:
        console.print(
            f"  {stamp(change['at'], zone, utc=utc)}  {escape(str(change['cause']))}\n"
            f"    {escape(describe(change['changes']))}",
            soft_wrap=True,
        )


def salutation(
    email: Annotated[str, typer.Argument(help="The contact's e-mail address")],
    words: Annotated[
        str, typer.Argument(metavar="SALUTATION", help="mr, ms (or Herr, Frau, M., Mme, Sr., Sra.…), or none")
    ],
    data_dir: DataDir = None,
    now: NowOption = None,
) -> None:
    """Set how reminders greet a contact: "Guten Tag Herr Müller", or a neutral greeting with none."""
    from sqlmodel import col, select

    from agent import audit
    from agent.models import Contact
    from agent.reminders import steering as review
    from agent.reminders.greeting import salutation_of

    kind = None if words.strip().lower() in ("none", "-", "") else salutation_of(words)
    if kind is None and words.strip().lower() not in ("none", "-", ""):
        err.print(f"“{escape(words)}” is not a salutation: mr, ms or none", soft_wrap=True)
        raise typer.Exit(2)

    def act(session: Session, runtime: Runtime) -> str:
        found = session.exec(select(Contact).where(col(Contact.email) == email.strip().lower())).all()
        if not found:
            raise review.Unknown(f"no contact {email}")
        for contact in found:
            contact.salutation = kind
            session.add(contact)
            audit.record(
                session, at=runtime.clock.now(), entity="account", entity_id=contact.account_id,
                action="contact_salutation", message=f"Salutation of {contact.email} set to {kind}",
            )  # fmt: skip
        return f"{email}: salutation {kind or 'none (a neutral greeting)'}"

    _act(data_dir, now, act)


app = group()
for command in (pause, resume, skip, history, salutation):
    app.command()(command)
app.command("set-plan")(set_plan)
