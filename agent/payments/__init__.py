"""Payments: every source becomes `PaymentLine`s, one importer records and matches them.

    csv_file, camt, connectors, web API  ->  PaymentLine  ->  importing  ->  matching  ->  ledger
    manual (a person names the invoices)  ----------------------------------------------> ledger

A paid invoice's pending reminder steps are cancelled in the transaction that pays it (ledger).
"""

from agent.payments.importing import import_file, import_lines, mark_synced, read_payment_file
from agent.payments.lines import ImportReport, PaymentLine, PaymentOutcome
from agent.payments.manual import AllocationRefused, allocate_payment, record_manual_payment
from agent.payments.matching import match_payment, mentions

__all__ = [
    "AllocationRefused",
    "ImportReport",
    "PaymentLine",
    "PaymentOutcome",
    "allocate_payment",
    "import_file",
    "import_lines",
    "mark_synced",
    "match_payment",
    "mentions",
    "read_payment_file",
    "record_manual_payment",
]
