"""Payments from ISO 20022 bank-to-customer messages: CAMT.053 statements and CAMT.054 notifications.

Read by element name whatever the version (001.02 to 001.13 differ in namespaces and in a few
wrappers such as `Sts/Cd` and `Dbtr/Pty`, which are both tried). Kept: booked credit entries; each
transaction of a batch booking is its own payment. Not kept, and counted as skipped: debits,
pending or informational entries, reversals.

The same transfer is often notified intraday (054) and then reported in the statement (053): both
carry the bank's reference (`AcctSvcrRef`), which is the payment's identity, so it is counted once.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from agent.payments.lines import ImportReport, PaymentLine

NOT_PROVIDED = "NOTPROVIDED"  # the ISO placeholder for a missing end-to-end id


def _text(element: etree._Element | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def _all_texts(element: etree._Element, path: str) -> list[str]:
    return [(e.text or "").strip() for e in element.iterfind(path) if (e.text or "").strip()]


def _first(element: etree._Element | None, *paths: str) -> str:
    for path in paths:
        value = _text(element, path)
        if value:
            return value
    return ""


def is_camt(data: bytes) -> bool:
    head = data[:2048]
    return b"camt.05" in head and (b"BkToCstmr" in head or b"Document" in head)


def parse_root(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"not well-formed XML: {error}") from error
    if root.find("{*}BkToCstmrStmt") is None and root.find("{*}BkToCstmrDbtCdtNtfctn") is None:
        raise ValueError("XML but not a CAMT.053 statement or CAMT.054 notification")
    return root


def _amount(element: etree._Element | None) -> tuple[Decimal, str] | None:
    if element is None or not (element.text or "").strip():
        return None
    try:
        return Decimal(element.text.strip()), element.get("Ccy", "")
    except InvalidOperation:
        return None


def _transaction_amount(tx: etree._Element) -> tuple[Decimal, str] | None:
    return _amount(tx.find("{*}Amt")) or _amount(tx.find("{*}AmtDtls/{*}TxAmt/{*}Amt"))


def _entry_status(entry: etree._Element) -> str:
    return _first(entry, "{*}Sts/{*}Cd", "{*}Sts") or "BOOK"


def _booking_date(entry: etree._Element) -> date | None:
    value = _first(entry, "{*}BookgDt/{*}Dt", "{*}BookgDt/{*}DtTm", "{*}ValDt/{*}Dt", "{*}ValDt/{*}DtTm")
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _remittance(tx: etree._Element | None, entry: etree._Element) -> tuple[str, tuple[str, ...]]:
    """The remittance text as the payer wrote it, and the invoice numbers given in structured form."""
    if tx is None:
        return _text(entry, "{*}AddtlNtryInf"), ()
    numbers = tuple(_all_texts(tx, "{*}RmtInf/{*}Strd/{*}RfrdDocInf/{*}Nb"))
    creditor_refs = _all_texts(tx, "{*}RmtInf/{*}Strd/{*}CdtrRefInf/{*}Ref")
    parts = [*_all_texts(tx, "{*}RmtInf/{*}Ustrd"), *creditor_refs, _text(tx, "{*}AddtlTxInf")]
    text = " ".join(p for p in parts if p) or _text(entry, "{*}AddtlNtryInf")
    return text, numbers


def _payer(tx: etree._Element | None) -> tuple[str | None, str | None]:
    if tx is None:
        return None, None
    parties = tx.find("{*}RltdPties")
    name = _first(
        parties, "{*}Dbtr/{*}Nm", "{*}Dbtr/{*}Pty/{*}Nm", "{*}UltmtDbtr/{*}Nm", "{*}UltmtDbtr/{*}Pty/{*}Nm"
    )
    iban = _first(parties, "{*}DbtrAcct/{*}Id/{*}IBAN", "{*}DbtrAcct/{*}Id/{*}Othr/{*}Id")
    return name or None, iban.replace(" ", "").upper() or None


def _identity(tx: etree._Element | None, entry: etree._Element, index: int, fallback: str) -> str:
    """The bank's reference for the transaction, else the entry's (with the rank in a batch)."""
    if tx is not None:
        reference = _text(tx, "{*}Refs/{*}AcctSvcrRef")
        if reference:
            return f"camt:{reference}"
    entry_reference = _first(entry, "{*}AcctSvcrRef", "{*}NtryRef")
    if entry_reference:
        return f"camt:{entry_reference}" + (f"/{index}" if index else "")
    end_to_end = _text(tx, "{*}Refs/{*}EndToEndId")
    if end_to_end and end_to_end != NOT_PROVIDED:
        return f"camt:e2e:{end_to_end}:{fallback}"
    return "camt:" + hashlib.sha256(f"{fallback}#{index}".encode()).hexdigest()[:32]


def read_camt(data: bytes, report: ImportReport) -> list[PaymentLine]:
    root = parse_root(data)
    lines: list[PaymentLine] = []
    for entry in root.iter("{*}Ntry"):
        entry_amount = _amount(entry.find("{*}Amt"))
        booked_on = _booking_date(entry)
        if _text(entry, "{*}CdtDbtInd") != "CRDT" or _text(entry, "{*}RvslInd").lower() == "true":
            report.skipped += 1  # money going out, or a reversal: not a customer payment
            continue
        if _entry_status(entry) != "BOOK":
            report.skipped += 1  # pending or informational: it is imported when the bank books it
            continue
        if entry_amount is None or booked_on is None:
            report.errors.append(f"entry {_text(entry, '{*}AcctSvcrRef') or '?'}: no amount or date")
            continue
        transactions = list(entry.iterfind("{*}NtryDtls/{*}TxDtls"))
        amounts = [_transaction_amount(tx) for tx in transactions]
        if len(transactions) > 1 and all(amounts):
            parts = list(zip(transactions, amounts, strict=True))
        else:  # one transaction, or a batch without amounts per transaction: the entry as one payment
            parts = [(transactions[0] if transactions else None, entry_amount)]
        for index, (tx, amount) in enumerate(parts):
            assert amount is not None
            value, currency = amount
            text, numbers = _remittance(tx, entry)
            payer, iban = _payer(tx)
            fallback = f"{booked_on}|{value}|{currency}|{text}|{payer}|{iban}"
            lines.append(
                PaymentLine(
                    external_id=_identity(tx, entry, index if len(parts) > 1 else 0, fallback),
                    received_on=booked_on,
                    amount=value,
                    currency=currency or entry_amount[1],
                    reference=text,
                    payer=payer,
                    payer_account=iban,
                    invoice_numbers=numbers,
                    method="transfer",
                )
            )
    return lines
