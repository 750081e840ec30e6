"""Which invoices a received payment pays, most certain first, and never a silent guess.

0. The RF creditor reference that relance gave the invoice (reminders/payment_details.py), quoted in
   the remittance text or the structured reference, with or without spaces, in any case: its check
   digits make it certain, so it is decisive and no other rule is tried when it names a known invoice.
1. Invoice numbers: given in structured form, or found in the remittance text (tolerant to spaces,
   dashes and prefixes such as "FACT" or "INV", several numbers in one line).
2. The payer's account (recognised by an IBAN it paid from before, else by its normalized name) and
   exactly one open invoice of exactly this amount.
3. The same account and exactly one set of its open invoices adding up to the amount (one transfer
   paying several invoices).
Anything else is no match: the payment goes to a person with the candidates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations

from sqlmodel import Session, col, select

from agent.ledger.accounts import normalize_name
from agent.ledger.records import open_balance, open_invoices
from agent.models import Account, Invoice, Payment
from agent.models.ledger import InvoiceStatus
from agent.reminders.payment_details import invoice_ids_in

GROUP_SEARCH_LIMIT = 16  # open invoices tried in sets (2**16 sums); beyond that a person decides
MIN_NUMBER_LENGTH = 3  # shorter numbers ("12") appear by chance in any remittance text


@dataclass
class Match:
    invoices: list[Invoice]  # to pay, in this order; empty when a person must decide
    reason: str
    candidates: list[Invoice] = field(default_factory=list)  # what that person should look at
    account: Account | None = None


def _compact(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def mentions(reference: str, number: str) -> bool:
    """Does the remittance text name this invoice number? Windows of up to four consecutive tokens
    are compared with the number, separators ignored ("FA 2026 118" names "FA-2026-118"); a letter
    prefix on either side is tolerated ("INV1001" names "1001", "2026-0042" names "F2026-0042"),
    but never extra digits ("10011" does not name "1001")."""
    target = _compact(number)
    if len(target) < MIN_NUMBER_LENGTH:
        return False
    tokens = [_compact(t) for t in re.split(r"[^0-9A-Za-z]+", reference) if t]
    for start in range(len(tokens)):
        window = ""
        for token in tokens[start : start + 4]:
            window += token
            if window == target:
                return True
            for longer, shorter in ((window, target), (target, window)):
                prefix = longer[: len(longer) - len(shorter)]
                if longer.endswith(shorter) and prefix.isalpha() and sum(c.isdigit() for c in shorter) >= 3:
                    return True
            if len(window) >= len(target) + 8:
                break
    return False


def _invoices_named(session: Session, reference: str, numbers: tuple[str, ...]) -> list[Invoice]:
    wanted = {_compact(n) for n in numbers}
    compact_reference = _compact(reference)
    named_ids = []
    for invoice_id, number in session.exec(select(Invoice.id, Invoice.number)):
        compact = _compact(number)
        digits = max(re.findall(r"\d+", compact), key=len, default=compact)
        # Cheap test first: a statement line is compared with every invoice number on file.
        if compact in wanted or (digits in compact_reference and mentions(reference, number)):
            named_ids.append(invoice_id)
    if not named_ids:
        return []
    statement = select(Invoice).where(col(Invoice.id).in_(named_ids))
    return list(session.exec(statement.order_by(col(Invoice.due_date), col(Invoice.id))))


def payer_account(session: Session, payment: Payment) -> Account | None:
    """The customer who paid: an IBAN seen on an earlier matched payment, else a unique name."""
    if payment.payer_account:
        known = session.exec(
            select(Payment.account_id)
            .where(Payment.payer_account == payment.payer_account, col(Payment.account_id).is_not(None))
            .where(Payment.id != payment.id)
        ).all()
        if len(set(known)) == 1:
            return session.get(Account, known[0])
    if payment.payer:
        normalized = normalize_name(payment.payer)
        accounts = session.exec(select(Account).where(Account.normalized_name == normalized)).all()
        if len(accounts) == 1:
            return accounts[0]
    return None


def _cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def _sets_adding_up(balances: list[tuple[Invoice, int]], target: int) -> list[list[Invoice]]:
    """Every set of two or more invoices whose balances add up to the target, up to two (two already
    means it is ambiguous)."""
    found: list[list[Invoice]] = []
    for size in range(2, len(balances) + 1):
        for combo in combinations(balances, size):
            if sum(cents for _, cents in combo) == target:
                found.append([invoice for invoice, _ in combo])
                if len(found) > 1:
                    return found
    return found


def _invoices_referenced(session: Session, reference: str, numbers: tuple[str, ...]) -> list[Invoice]:
    """Invoices whose RF creditor reference the payment quotes; a valid RF of no invoice of ours is
    someone else's reference and names nothing."""
    ids = invoice_ids_in(" ".join([reference, *numbers]))
    found = [session.get(Invoice, invoice_id) for invoice_id in ids]
    return [invoice for invoice in found if invoice is not None]


def _named_match(session: Session, payment: Payment, named: list[Invoice], *, how: str, who: str) -> Match:
    """The invoices a payment names (by RF reference or by number): paid when they are open, in its
    currency and of one customer; otherwise a person decides, and is told why."""
    open_named = [i for i in named if i.status in (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID)]
    same_currency = [i for i in open_named if i.currency == payment.currency]
    accounts = {i.account_id for i in same_currency}
    if same_currency and len(accounts) == 1:
        return Match(same_currency, f"{how} in the remittance", account=session.get(Account, accounts.pop()))
    if not open_named:
        return Match([], f"the invoices {who} names are already settled", candidates=named)
    if not same_currency:
        return Match([], f"the invoices {who} names are not in {payment.currency}", candidates=named)
    return Match([], f"{who} names invoices of several customers", candidates=same_currency)


def match_payment(session: Session, payment: Payment, numbers: tuple[str, ...] = ()) -> Match:
    referenced = _invoices_referenced(session, payment.reference, numbers)
    if referenced:
        return _named_match(
            session, payment, referenced, how="RF creditor reference", who="its RF creditor reference"
        )
    named = _invoices_named(session, payment.reference, numbers)
    if named:
        return _named_match(session, payment, named, how="invoice number", who="it")

    account = payer_account(session, payment)
    if account is None:
        exact = [
            i
            for i in session.exec(
                select(Invoice).where(
                    col(Invoice.status).in_([InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID]),
                    Invoice.currency == payment.currency,
                )
            )
            if open_balance(session, i) == payment.amount
        ]
        return Match([], "no invoice number, and the payer is not a known customer", candidates=exact[:10])

    invoices = [i for i in open_invoices(session, account.id or 0) if i.currency == payment.currency]
    exact = [i for i in invoices if open_balance(session, i) == payment.amount]
    if len(exact) == 1:
        return Match(exact, "the payer's only open invoice of exactly this amount", account=account)
    if len(exact) > 1:
        return Match([], "several open invoices of the payer have exactly this amount", exact, account)
    balances = [(i, _cents(open_balance(session, i))) for i in invoices[:GROUP_SEARCH_LIMIT]]
    sets = _sets_adding_up(balances, _cents(payment.amount))
    if len(sets) == 1:
        return Match(sets[0], "the payer's open invoices that add up to exactly this amount", account=account)
    if len(sets) > 1:
        return Match([], "several sets of the payer's invoices add up to this amount", invoices, account)
    return Match(
        [], "no invoice number, and no open invoice or set of them of this amount", invoices, account
    )
