"""Reminders: from a plan in `workflows/` to an e-mail sent once, on time, in the customer's language.

plans.py       reminder plans are data (YAML): load them
plan_check.py  check every plan and template before a step is planned from them
schedule.py    the stored schedule: one reminder row per step of an invoice's plan
changes.py     what a change did to an invoice's schedule, written down for review
steering.py    what finance does to the schedule: pause, resume, skip, change a plan
corrections.py correct a recorded invoice (amount, due date, number, customer): audited, steps replanned
steps.py       one step: what it needs, whether it may go now, its e-mail
greeting.py    how a reminder greets its reader: formal, gender-neutral unless the salutation is known
sendtime.py    when a reminder may reach a customer: time zone, business days, send window
legal.py       late-payment law: what a final notice states, and each country's statute
late_claim.py  the statutory claim of one invoice as of a date: interest per period and the flat sum
rates/         the dated reference-rate tables (ECB, Bundesbank, Bank of England) and finance's updates
payment_details.py  IBAN/BIC, the invoice's RF reference, the EPC QR code, the payment link
dispatch.py    send due steps at most once, and never after payment
"""
