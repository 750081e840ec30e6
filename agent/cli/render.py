"""Human-readable output with rich: the demo's report and the CLI's tables."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape
from rich.table import Table

STATE_STYLE = {
    "sent": "green",
    "cancelled": "yellow",
    "skipped": "dim",
    "paused": "magenta",
    "planned": "cyan",
    "failed": "red",
    "ambiguous": "red",
    "done": "green",
    "open": "cyan",
}


def local(iso: str, timezone: str) -> str:
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def stamp(iso: str, timezone: str, *, utc: bool = False) -> str:
    """An instant as a person reads it, with its zone named: "2026-12-02 09:00 Europe/Paris", or
    "2026-12-02 08:00 UTC" when asked for UTC."""
    return f"{local(iso, 'UTC')} UTC" if utc else f"{local(iso, timezone)} {timezone}"


# Columns whose values a person copies or compares (two invoices "F-2026-0…" look the same): a narrow
# terminal wraps or shrinks the other columns, never these.
IDENTIFIER_COLUMNS = frozenset({"number", "invoice", "invoices", "token", "reference", "file"})


def table(title: str, rows: list[dict[str, Any]], columns: list[str]) -> Table:
    result = Table(title=title, title_justify="left", show_lines=False, expand=False)
    for column in columns:
        if column in IDENTIFIER_COLUMNS:
            longest = max((len(str(row.get(column) or "")) for row in rows), default=0)
            result.add_column(column.replace("_", " "), no_wrap=True, min_width=longest)
        else:
            result.add_column(column.replace("_", " "))
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column)
            text = "" if value is None else escape(str(value))  # data is never markup
            style = STATE_STYLE.get(text) if column in ("state", "status") else None
            cells.append(f"[{style}]{text}[/]" if style else text)
        result.add_row(*cells)
    return result


def demo_report(
    console: Console,
    *,
    inbound: list[dict[str, Any]],
    tasks: list[dict[str, Any]],
    reminders: list[dict[str, Any]],
    timeline: list[dict[str, Any]],
    timezone: str,
) -> None:
    console.rule(f"[bold]What arrived, and what was extracted ({timezone})")
    for message in inbound:
        console.print(
            f"[bold]{local(message['received_at'], timezone)}[/] {message['sender']}  "
            f"«{message['subject']}»  → [cyan]{message['kind']}[/], {message['status']}"
        )
        for doc in message["documents"]:
            console.print(
                f"    {doc['file']}: {doc['kind']} {doc['number']} for {doc['customer']}, "
                f"{doc['amount_due']} {doc['currency']}, due {doc['due_date'] or '-'} "
                f"([dim]{doc['method']}, confidence {doc['confidence']:.2f}[/]) → {doc['status']}"
            )
    console.rule("[bold]Tasks for finance")
    console.print(table("", tasks, ["token", "kind", "title", "status", "resolution"]))
    console.rule(f"[bold]Reminder steps (times in the company's time zone, {timezone})")
    shown = [{**r, "planned_at": local(r["planned_at"], timezone)} for r in reminders]
    console.print(table("", shown, ["invoice", "step", "planned_at", "language", "state", "reason"]))
    console.rule(f"[bold]Timeline ({timezone})")
    for event in told_once(timeline):
        console.print(f"[dim]{local(event['at'], timezone)}[/]  {escape(event['message'])}")


# A bank row's or a file's own identifier ("payment row:c7e3f0ce…"): a person knows the payment by its day.
PAYMENT_ID = re.compile(r"payment [a-z_]+:[0-9A-Za-z]{12,} \((\d{4}-\d\d-\d\d)\)")
CONTACT = re.compile(r"<([^<>\s]+@[^<>\s]+)>")


def told_once(timeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The audit trail as a story: each event once. The trail records a payment or a credit three times
    (the money applied, the steps cancelled, and the schedule's change, which says both with the
    balance before and after): the change is kept. A contact given in a reply is recorded on the account
    (with its name and language) and on the task: the account's is kept; a document confirmed by a reply
    is recorded on the document and on the task: the document's is kept. The trail itself (--json, the
    workspace's audit log) keeps every event."""
    changes = {(e["at"], e["message"]) for e in timeline if e["action"] == "schedule_changed"}
    cancelling = {
        e["at"] for e in timeline if e["action"] == "schedule_changed" and "→ cancelled" in e["message"]
    }
    contacts = {
        (e["at"], m)
        for e in timeline
        if e["action"] == "contact_added"
        for m in CONTACT.findall(e["message"])
    }
    confirmed = {e["at"] for e in timeline if e["entity"] == "document" and e["action"] == "confirmed"}
    story = []
    for event in timeline:
        message = event["message"]
        if event["action"] in ("credit_applied", "payment_applied") and any(
            at == event["at"] and said.startswith(message) for at, said in changes
        ):
            continue
        if event["action"] == "reminders_cancelled" and event["at"] in cancelling:
            continue
        if event["action"] == "reply_confirmed" and event["at"] in confirmed:  # the document's says it
            continue
        if (
            event["entity"] == "task"
            and event["action"] == "done"
            and any(at == event["at"] and f"Contact {email} given by" in message for at, email in contacts)
        ):
            continue
        story.append({**event, "message": PAYMENT_ID.sub(r"the payment of \1", message)})
    return story


def schedule_report(
    console: Console, rows: list[dict[str, Any]], *, timezone: str, full: bool, utc: bool = False
) -> None:
    """What will go out: one block per step, readable in any terminal width, each time with its zone."""
    if not rows:
        console.print("Nothing planned in this period.")
        return
    for row in rows:
        when = stamp(row["planned_at"], timezone, utc=utc)
        console.print(
            f"[bold]{when}[/]  {escape(row['invoice'])}  {escape(str(row['account']))}  "
            f"[cyan]{row['step']}[/] \\[{row['language']}]",
            soft_wrap=True,
        )
        if row["would_send"]:
            console.print(f"    to: {escape(row['to'])}", soft_wrap=True)
            console.print(f"    subject: {escape(row['subject'])}", soft_wrap=True)
            if row["same_email_as"]:
                also = ", ".join(escape(number) for number in row["same_email_as"])
                console.print(f"    in one e-mail with: {also}", soft_wrap=True)
        else:
            console.print(f"    [magenta]held:[/] {escape(str(row['hold_reason']))}", soft_wrap=True)
        console.print(f"    balance: {row['balance']} {row['currency']}")
        if full and row["would_send"]:
            for line in row["body"].splitlines():
                console.print(f"    │ {escape(line)}", soft_wrap=True)
        console.print()
