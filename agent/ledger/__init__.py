"""The ledger: who owes what.

    accounts.py   customer accounts and contacts: matching, creation, the language we write to them in
    records.py    invoices and credit notes recorded from documents, allocations, open balances
    balances.py   accounts' net balances, many at once, in a fixed number of statements

The ledger knows nothing of reminders: a function that settles an invoice returns what it settled, and
its caller (the flow, the payment import) stops that invoice's reminder steps in the same transaction.
"""
