"""relance: an open-source collections agent.

The package reads like the product's data flow (docs/architecture.md says more):

    mail       -> inbound messages kept raw, attachments split out; outgoing mail sent once
    documents  -> e-invoice XML, PDF text, OCR or LLM turned into one validated schema
    ledger     -> customers, contacts, invoices, credit notes, allocations and balances
    reminders  -> plans (data in workflows/) turned into stored steps, steered, dispatched once
    finance    -> questions to finance (missing contact, document check) and their e-mail replies
    customers  -> what a customer's reply, bounce or out-of-office says, and what it changes
    payments   -> imported payments allocated to invoices; paid invoices stop their steps
    flow       -> the LangGraph graph that runs one inbound message through all of the above, and
                  `tick(now)`: everything that is due at an instant (the clock is injected)
    views      -> read models for the CLI and the web pages
    cli, web   -> the faces
"""

__version__ = "0.1.0"
