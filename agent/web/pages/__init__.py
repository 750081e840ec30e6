"""The workspace's pages, one module per subject; `common.py` holds what they share.

common.py     rendering (Jinja2 + the user's catalog and formats), who is signed in, roles, CSRF
login.py      sign in, sign out, the user's language
schedule.py   the schedule (home) and one e-mail's preview
invoices.py   the invoice list, one invoice, its document, and finance's actions on it

A new page: a module with a `router`, listed in `agent.web.app.PAGES`, and its entry in the navigation
(`templates/web/base.html`).
"""
