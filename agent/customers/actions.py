"""What relance does with the things a customer's reply says besides a promise or a dispute.

"Already paid" is checked against the payments we have recorded: a payment that fits what the customer
says (their amount, or the amount due; their date, give or take ten days; their reference or the
invoice's number in the remittance text) means the money is there and only waits to be allocated, so
the reminders wait a week and no one is bothered; a claim no payment fits goes to finance. A request
for a copy is answered with the invoice's own PDF, once per invoice (a deterministic Message-ID, so a
re-run or a second request never sends it twice: the second goes to finance), to the account's
contact and never to an address only the reply names. A new address in a reply is kept unused and
finance confirms it (`finance.contact_change`), as for any change of address.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlmodel import Session, col, or_, select

from agent import audit
from agent.customers.reading import Finding
from agent.finance.contact_change import hold_for_confirmation, is_address_change
from agent.ledger.accounts import add_contact, valid_contact
from agent.mail.compose import Attached, compose, domain_of, message_id_for
from agent.mail.send import already_sent
from agent.models import Account, Document, Invoice, OutboundMessage, Payment, Task
from agent.runtime import Runtime
from agent.templating import render_email, supported_languages

PAYMENT_DAYS = 10  # a payment "made on the 3rd" may be booked by the bank some days later


def matching_payment(session: Session, *, invoice: Invoice, said: Finding, due: Decimal) -> Payment | None:
    """A recorded payment that fits what the customer says of their payment, or None."""
    since = said.paid_on - timedelta(days=PAYMENT_DAYS) if said.paid_on else invoice.issue_date
    until = said.paid_on + timedelta(days=PAYMENT_DAYS) if said.paid_on else date.max
    payments = session.exec(
        select(Payment).where(
            or_(col(Payment.account_id) == invoice.account_id, col(Payment.account_id).is_(None)),
            Payment.currency == invoice.currency,
            col(Payment.received_on) >= since,
            col(Payment.received_on) <= until,
        )
    ).all()
    amounts = {a for a in (said.amount, due, invoice.amount_due) if a is not None}
    for payment in payments:
        remittance = re.sub(r"\s", "", payment.reference or "").lower()
        named = [r for r in (said.reference, invoice.number) if r]
        if any(re.sub(r"\s", "", r).lower() in remittance for r in named) or payment.amount in amounts:
            return payment
    return None


def send_invoice_copy(
    session: Session, runtime: Runtime, *, invoice: Invoice, at: datetime, in_reply_to: str | None
) -> str | None:
    """Send the invoice's PDF to the account's contact once; why not, when it cannot be (a person then)."""
    document = session.get(Document, invoice.document_id) if invoice.document_id else None
    contact = valid_contact(session, invoice.account_id)
    if document is None or contact is None:
        return "no stored document or no valid contact to send the copy to"
    settings = runtime.settings
    message_id = message_id_for(
        "copy", str(invoice.id), domain_of(settings.company.collections_address)
    )  # one copy per invoice, ever
    if already_sent(session, message_id):
        return "a copy of this invoice was sent already"
    language = contact.language if contact.language in supported_languages(settings.templates_dir) else "en"
    rendered = render_email(
        settings.templates_dir, "invoice_copy", language, {"company": settings.company, "invoice": invoice}
    )
    data = (runtime.store.root / document.raw_path).read_bytes()
    message = compose(
        sender=settings.company.collections_address,
        recipient=contact.email,
        subject=rendered.subject,
        text=rendered.text,
        message_id=message_id,
        sent_at=at,
        in_reply_to=in_reply_to,
        references=[in_reply_to] if in_reply_to else None,
        attachments=[Attached(document.filename, document.content_type, data)],
        language=language,
    )
    runtime.sender.send(message)
    session.add(
        OutboundMessage(
            message_id=message_id, purpose="invoice_copy", recipient=contact.email,
            subject=rendered.subject, language=language, sent_at=at,
        )
    )  # fmt: skip
    audit.record(
        session, at=at, entity="invoice", entity_id=invoice.id, action="invoice_copy_sent",
        message=f"Copy of invoice {invoice.number} sent to {contact.email}, as the customer asked",
        message_id=message_id,
    )  # fmt: skip
    return None


def propose_new_contact(
    session: Session, runtime: Runtime, *, account: Account, address: str, words: str, at: datetime
) -> Task | None:
    """A reply that says "write to ap@...": the address is kept unused and finance confirms it."""
    if not is_address_change(session, account.id or 0, address):
        return None  # already one of the account's addresses (or the account has none yet)
    current = valid_contact(session, account.id or 0)
    contact = add_contact(
        session, account=account, email=address, at=at, language=current.language if current else "en",
        language_inferred=current is None, source="customer_reply",
    )  # fmt: skip
    session.flush()
    audit.record(
        session, at=at, entity="account", entity_id=account.id, action="contact_change_proposed",
        message=f"A reply asks to write to {address} from now on: finance is asked to confirm", words=words,
    )  # fmt: skip
    return hold_for_confirmation(
        session, runtime.sender, runtime.settings, account=account, contact=contact, at=at
    )
