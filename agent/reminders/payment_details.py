"""How a customer pays one invoice: the company's IBAN and BIC, the invoice's RF creditor reference, the
SEPA transfer QR code (EPC069-12 "GiroCode") and a payment link. Pure functions of the settings and the
invoice, so a template, a statement page and a test all get the same figures.

The RF reference (ISO 11649) is derived from the invoice's id alone: `RF` + 2 check digits + the id on
ten digits (`RF18 0000 0000 42`). The same invoice always gets the same reference, two invoices never
share one (invoice numbers are unique per customer only), and the fixed width lets the payment matcher
find it in a bank's remittance text whatever spaces the bank put in or left out.

No QR code is made, and `qr_missing` says why, when a bank could not execute it: no IBAN configured, an
IBAN outside the SEPA scheme, an invoice not in euros, an amount outside 0.01-999 999 999.99, a
beneficiary name over 70 characters, or an IBAN outside the EEA without a BIC (EPC069-12 version 002
makes the BIC optional inside the EEA only). See docs/payment-details.md.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

import segno
from segno import helpers as segno_helpers
from stdnum import iban as stdnum_iban
from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

from agent.reminders.legal import EU_COUNTRIES
from agent.settings import CompanySettings

RF_BODY_DIGITS = 10  # invoice ids up to 9 999 999 999; a fixed width is what makes the reference findable
EPC_MIN_AMOUNT = Decimal("0.01")
EPC_MAX_AMOUNT = Decimal("999999999.99")
EPC_MAX_NAME = 70
QR_SCALE = 4  # 4 px per module: a version 6-8 code is about 200 px wide with its quiet zone

EEA_COUNTRIES = EU_COUNTRIES | {"IS", "LI", "NO"}
# IBAN country codes of the SEPA scheme (EPC409-09, list of countries in the SEPA schemes' geographical
# scope): the EEA, then Andorra, Switzerland, the United Kingdom, Gibraltar, Monaco, San Marino, the
# Vatican, and Albania, Moldova, Montenegro and North Macedonia (admitted by the EPC in November 2024).
# Overseas departments, the Channel Islands and the Isle of Man use their parent's IBAN prefix.
SEPA_COUNTRIES = EEA_COUNTRIES | {"AD", "CH", "GB", "GI", "MC", "SM", "VA", "AL", "MD", "ME", "MK"}


@dataclass(frozen=True)
class PaymentDetails:
    """What a reminder, a statement page or a test shows for paying one invoice."""

    beneficiary: str
    iban: str | None  # printed form, groups of four: "FR76 3000 6000 0112 3456 7890 189"
    bic: str | None
    reference: str  # printed form: "RF18 0000 0000 42"
    reference_compact: str  # electronic form, for a bank's structured-reference field: "RF180000000042"
    amount: Decimal
    currency: str
    qr_payload: str | None  # the EPC069-12 text the QR code holds
    qr_png: bytes | None
    qr_svg: str | None  # a standalone SVG document
    qr_missing: str | None  # why there is no QR code, in words, when there is none
    link: str | None  # the payment page, when payments.link_template is set

    @property
    def has_qr(self) -> bool:
        return self.qr_png is not None


def creditor_reference(invoice_id: int) -> str:
    """The invoice's ISO 11649 creditor reference, electronic form ("RF180000000042")."""
    if not 0 < invoice_id < 10**RF_BODY_DIGITS:
        raise ValueError(f"invoice id {invoice_id} does not fit an RF reference of {RF_BODY_DIGITS} digits")
    body = f"{invoice_id:0{RF_BODY_DIGITS}d}"
    # ISO 11649: the check digits make body + "RF" + digits equal 1 modulo 97, as an IBAN's do.
    return "RF" + mod_97_10.calc_check_digits(body + "RF") + body


def printed_reference(reference: str) -> str:
    return str(iso11649.format(reference))


# "RF" not glued to a preceding letter or digit, 2 check digits, then exactly the body's digits, any
# single spaces between them, and no letter or digit right after: a longer reference (someone else's)
# is not read as ours cut short.
_OUR_RF = re.compile(
    rf"(?<![0-9A-Z])R ?F ?(\d ?\d)((?: ?\d){{{RF_BODY_DIGITS}}})(?![0-9A-Z])",
)


def invoice_ids_in(text: str) -> list[int]:
    """Invoice ids whose RF reference the text quotes with valid check digits (any case, with or
    without spaces), in the order quoted, each once."""
    found: list[int] = []
    for match in _OUR_RF.finditer(text.upper()):
        check, body = match.group(1).replace(" ", ""), match.group(2).replace(" ", "")
        if iso11649.is_valid("RF" + check + body) and int(body) not in found and int(body) > 0:
            found.append(int(body))
    return found


def epc_payload(*, beneficiary: str, iban: str, bic: str | None, amount: Decimal, reference: str) -> str:
    """The EPC069-12 version 002 text: service tag, version, character set 1 (UTF-8), SEPA credit
    transfer, BIC, name, IBAN, amount in euros, no purpose code, the structured reference. The amount
    is written as segno writes it (no trailing zeros: "EUR1440", "EUR12.3"), which the standard allows."""
    amount_text = f"EUR{amount:.2f}".rstrip("0").rstrip(".")
    return "\n".join(["BCD", "002", "1", "SCT", bic or "", beneficiary, iban, amount_text, "", reference])


def qr_refusal(company: CompanySettings, amount: Decimal, currency: str) -> str | None:
    """Why no EPC QR code can be made for this payment, or None when it can."""
    if not company.iban:
        return "no company IBAN is configured (company.iban)"
    country = company.iban[:2]
    if country not in SEPA_COUNTRIES:
        return f"the company's IBAN is from {country}, outside the SEPA scheme"
    if currency != "EUR":
        return f"the invoice is in {currency}: an EPC QR code is for euro transfers only"
    if not EPC_MIN_AMOUNT <= amount <= EPC_MAX_AMOUNT:
        return f"the amount {amount} is outside what an EPC QR code holds ({EPC_MIN_AMOUNT}-{EPC_MAX_AMOUNT})"
    if len(company.name.strip()) > EPC_MAX_NAME:
        return f"the company name is longer than the {EPC_MAX_NAME} characters an EPC QR code holds"
    if country not in EEA_COUNTRIES and not company.bic:
        return f"an IBAN from {country} (outside the EEA) needs the bank's BIC (company.bic)"
    return None


def payment_link(
    template: str | None, *, invoice_number: str, amount: Decimal, currency: str, reference: str
) -> str | None:
    """The configured payment page for this invoice, each field percent-escaped (a number such as
    "FA 2026/118" or "A&B?1" cannot break out of its place in the URL)."""
    if not template:
        return None
    values = {
        "invoice_number": invoice_number,
        "amount": f"{amount:.2f}",
        "currency": currency,
        "reference": reference,
    }
    return template.format(**{key: quote(value, safe="") for key, value in values.items()})


def payment_details(
    *,
    company: CompanySettings,
    link_template: str | None,
    invoice_id: int,
    invoice_number: str,
    amount: Decimal,
    currency: str,
    with_qr: bool = True,
) -> PaymentDetails:
    """Everything a customer needs to pay `amount` (the invoice's open balance) of one invoice. The QR
    images are drawn only `with_qr` (a plain-text e-mail has no use for them, and they cost time)."""
    reference = creditor_reference(invoice_id)
    refusal = qr_refusal(company, amount, currency)
    payload = png = svg = None
    if refusal is None and company.iban and with_qr:
        beneficiary = company.name.strip()
        payload = epc_payload(
            beneficiary=beneficiary, iban=company.iban, bic=company.bic, amount=amount, reference=reference
        )
        # segno's helper writes the same text and enforces error correction M and version <= 13.
        qr = segno_helpers.make_epc_qr(
            name=beneficiary,
            iban=company.iban,
            amount=amount,
            reference=reference,
            bic=company.bic,
            encoding=1,
        )
        png, svg = _png(qr), _svg(qr)
    return PaymentDetails(
        beneficiary=company.name,
        iban=str(stdnum_iban.format(company.iban)) if company.iban else None,
        bic=company.bic,
        reference=printed_reference(reference),
        reference_compact=reference,
        amount=amount,
        currency=currency,
        qr_payload=payload,
        qr_png=png,
        qr_svg=svg,
        qr_missing=refusal,
        link=payment_link(
            link_template,
            invoice_number=invoice_number,
            amount=amount,
            currency=currency,
            reference=reference,
        ),
    )


def _png(qr: segno.QRCode) -> bytes:
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=QR_SCALE, border=4)
    return buffer.getvalue()


def _svg(qr: segno.QRCode) -> str:
    buffer = io.BytesIO()
    qr.save(buffer, kind="svg", scale=QR_SCALE, border=4, xmldecl=False, title="SEPA transfer (EPC QR code)")
    return buffer.getvalue().decode("utf-8")
