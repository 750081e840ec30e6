"""The HTTP edge: `app.py` builds the application (`POST /api/payments` today)."""
