"""The HTTP edge: the finance workspace (pages) and the API, one FastAPI application.

app.py            create_app(runtime): routers, static files, security headers, error pages
api/              the HTTP API: uploads and batches, invoices, schedule, accounts, payments; tokens
pages/            the workspace's pages, one module per subject (see its map)
auth.py           passwords (argon2), sessions (server-side rows, signed cookies), roles, sign-in throttle
security.py       security headers, cookie signing, CSRF checks
i18n.py           English and French catalogs (Babel), money and dates in the user's locale and zone
document_view.py  a PDF's pages as images for the invoice page (pdftoppm)
static/           the stylesheet and the few lines of script (no CDN, no build step)
locale/           the message catalogs (.po)

Templates: templates/web/. `relance web` serves it (agent/cli/operate.py).
"""
