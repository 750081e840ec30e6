"""relance: an open-source collections agent.

The package reads like the product's data flow:

    mail       -> inbound messages kept raw, attachments split out
    documents  -> e-invoice XML or PDF text turned into one validated schema
    accounts   -> customers and their contacts
    ledger     -> invoices, credit notes, allocations and balances
    tasks      -> questions to finance (missing contact, review) and their e-mail replies
    plans      -> reminder plans (data in workflows/) turned into stored reminder steps
    dispatch   -> due steps re-checked, rendered in the contact's language, sent once
    payments   -> imported payments allocated to invoices; paid invoices stop their steps
    graph      -> the LangGraph graph that runs one inbound message through all of the above
    service    -> `tick(now)`: everything that is due at an instant (the clock is injected)
"""

__version__ = "0.1.0"
