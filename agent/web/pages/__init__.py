"""The workspace's pages, one module per subject; `common.py` holds what they share.

common.py     rendering (Jinja2 + the user's catalog and formats), who is signed in, roles, CSRF
login.py      sign in, sign out, the user's language
schedule.py   the schedule (home) and one e-mail's preview
invoice_list.py  the invoice list (search, status, the book's filters) and its CSV export
invoices.py   one invoice, its document, and finance's actions on it
corrections.py  correct a recorded invoice (amount, due date, number, customer) with the reason
payments.py   payments by import, matched or to allocate; allocate one by hand, record an offline one
book.py       the book at a glance: aging, DSO, cash expected, the last weeks, promises
documents.py  documents to check: the queue, one document beside its values, confirm / correct / set aside
tasks.py      tasks by state; answer a contact request, resolve a dispute, close or cancel a task
accounts.py   customers: what each owes, the contact (edit), pause or resume the whole account
intake.py     every inbound message with each file's status; the raw message as a download
audit.py      the audit log, filtered by entity, action, person and days
users.py      users and roles (administrators)

A new page: a module with a `router`, listed in `agent.web.app.PAGES`, and its entry in the navigation
(`templates/web/base.html`).
"""
