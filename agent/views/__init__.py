"""Read models: what the CLI and the workspace show, as plain JSON-ready dicts. One module per subject;
`from agent import views` then `views.invoices(...)` keeps working for every caller.

lists.py      invoices (filtered, paginated), accounts, tasks, reminders, timeline, inbound, documents
schedule.py   the schedule page, one e-mail's preview, the CLI's dry run
invoice.py    one invoice: its document, what was read, money set against it, steps, changes, audit
review.py     the documents to check, and one document's values as the review form shows them
task_list.py  tasks by the state of their life (to do, awaiting reply, done, cancelled), one task
account_list.py  customers: what each owes, the contact written to, language and time zone and why
intake.py     inbound messages a page at a time, each with its files' status
audit_log.py  the audit trail filtered by entity, action, person and instants
invoice_filters.py  the invoice list's filters (those a number of the book links to), as SQL conditions
book.py, book_aging.py, book_weeks.py  the book at a glance with each figure's invoice ids (relance book)
book_sums.py  the same figures summed by the database, each with its invoice-list filter (the page)
charts.py     the book's charts as server-drawn SVG
payment_list.py  payments by import, matched or to allocate, and one payment with what it could pay
export.py     CSV a spreadsheet opens safely (formulas neutralised); the invoice list's columns
"""

from agent.views.invoice import invoice_detail
from agent.views.lists import (
    accounts,
    balances,
    count_invoices,
    documents,
    inbound,
    invoices,
    reminders,
    tasks,
    timeline,
)
from agent.views.schedule import ScheduleFilters, count_steps, email_preview, schedule, schedule_page

__all__ = [
    "ScheduleFilters",
    "accounts",
    "balances",
    "count_invoices",
    "count_steps",
    "documents",
    "email_preview",
    "inbound",
    "invoice_detail",
    "invoices",
    "reminders",
    "schedule",
    "schedule_page",
    "tasks",
    "timeline",
]
