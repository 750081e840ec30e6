"""E-invoice XML: UN/CEFACT CII (Factur-X, ZUGFeRD 2.x and 1.0) and OASIS UBL (Invoice, CreditNote).

The XML is the most trusted source: each field it carries is mapped exactly, with confidence 1.0.
Paths use local names only, so every namespace version of a syntax reads the same way.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from agent.documents.schema import ExtractedDocument, Line, Party, VatRate
from agent.templating import Said

# UNTDID 1001 document type codes that mean "credit note" (381 credit note, 261/262/396/532 variants).
CREDIT_NOTE_CODES = {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"}

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class NotAnEInvoice(ValueError):
    pass


def _path(steps: str) -> str:
    """'A/B' -> './*[local-name()="A"]/*[local-name()="B"]'; a leading '//' searches all descendants."""
    prefix = ".//" if steps.startswith("//") else "./"
    parts = [f'*[local-name()="{name}"]' for name in steps.strip("/").split("/")]
    return prefix + "/".join(parts)


def _nodes(node: etree._Element, steps: str) -> list[etree._Element]:
    return list(node.xpath(_path(steps)))


def _node(node: etree._Element | None, steps: str) -> etree._Element | None:
    if node is None:
        return None
    found = _nodes(node, steps)
    return found[0] if found else None


def _first_node(node: etree._Element | None, *alternatives: str) -> etree._Element | None:
    """The first path that exists (CII 1.0 and 2.x name the same thing differently)."""
    for steps in alternatives:
        found = _node(node, steps)
        if found is not None:
            return found
    return None


def _text(node: etree._Element | None, steps: str) -> str | None:
    found = _node(node, steps)
    if found is None or found.text is None:
        return None
    return " ".join(found.text.split()) or None  # names may be wrapped over several lines


def _first_amount(*amounts: Decimal | None) -> Decimal | None:
    """The first amount that is present; 0.00 is present (a prepaid invoice owes nothing)."""
    return next((amount for amount in amounts if amount is not None), None)


def _amount(node: etree._Element | None, steps: str, currency: str | None = None) -> Decimal | None:
    if node is None:
        return None
    candidates = _nodes(node, steps)
    # CII may give TaxTotalAmount twice (invoice and accounting currency): prefer the invoice's.
    if currency:
        preferred = [c for c in candidates if c.get("currencyID") in (None, currency)]
        candidates = preferred or candidates
    for candidate in candidates:
        if candidate.text:
            try:
                return Decimal(candidate.text.strip())
            except InvalidOperation:
                continue
    return None


def _cii_date(node: etree._Element | None, steps: str) -> date | None:
    found = _node(node, steps)
    if found is None:
        return None
    value = (found.text or "").strip()
    if len(value) == 8 and value.isdigit():  # format 102: CCYYMMDD
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def parse_einvoice(xml: bytes) -> ExtractedDocument:
    try:
        root = etree.fromstring(xml, _PARSER)
    except etree.XMLSyntaxError as error:
        raise NotAnEInvoice(f"not well-formed XML: {error}") from error
    name = etree.QName(root).localname
    if name in ("CrossIndustryInvoice", "CrossIndustryDocument"):
        return _parse_cii(root)
    if name in ("Invoice", "CreditNote"):
        return _parse_ubl(root)
    raise NotAnEInvoice(f"XML root <{name}> is not a CII or UBL invoice")


def _join(*parts: str | None) -> str | None:
    kept = [p for p in parts if p]
    return ", ".join(kept) if kept else None


def _cii_party(party: etree._Element | None) -> Party:
    if party is None:
        return Party()
    address = _node(party, "PostalTradeAddress")
    vat = next(
        (
            (reg.text or "").strip()
            for reg in _nodes(party, "SpecifiedTaxRegistration/ID")
            if reg.get("schemeID") == "VA"
        ),
        None,
    )
    city_line = _join(_text(address, "PostcodeCode"), _text(address, "CityName"))
    return Party(
        name=_text(party, "Name"),
        address=_join(
            _text(address, "LineOne"),
            _text(address, "LineTwo"),
            _text(address, "LineThree"),
            city_line.replace(", ", " ") if city_line else None,
        ),
        country=_text(address, "CountryID"),
        vat_id=vat,
        email=_text(party, "URIUniversalCommunication/URIID")
        or _text(party, "DefinedTradeContact/EmailURIUniversalCommunication/URIID"),
    )


def _parse_cii(root: etree._Element) -> ExtractedDocument:
    header = _first_node(root, "ExchangedDocument", "HeaderExchangedDocument")
    transaction = _first_node(root, "SupplyChainTradeTransaction", "SpecifiedSupplyChainTradeTransaction")
    if header is None or transaction is None:
        raise NotAnEInvoice("CII document without header or trade transaction")
    settlement = _first_node(
        transaction, "ApplicableHeaderTradeSettlement", "ApplicableSupplyChainTradeSettlement"
    )
    currency = _text(settlement, "InvoiceCurrencyCode")
    summation = _first_node(
        settlement,
        "SpecifiedTradeSettlementHeaderMonetarySummation",
        "SpecifiedTradeSettlementMonetarySummation",
    )
    type_code = _text(header, "TypeCode") or "380"
    lines = []
    for item in _nodes(transaction, "IncludedSupplyChainTradeLineItem"):
        lines.append(
            Line(
                description=_text(item, "SpecifiedTradeProduct/Name") or "",
                quantity=_amount(item, "//BilledQuantity"),
                unit_price=_amount(item, "//NetPriceProductTradePrice/ChargeAmount"),
                amount=_amount(item, "//LineTotalAmount"),
            )
        )
    gross = _amount(summation, "GrandTotalAmount", currency)
    document = ExtractedDocument(
        source="facturx",
        document_type="credit_note" if type_code in CREDIT_NOTE_CODES else "invoice",
        number=_text(header, "ID"),
        issue_date=_cii_date(header, "IssueDateTime/DateTimeString"),
        due_date=_cii_date(settlement, "SpecifiedTradePaymentTerms/DueDateDateTime/DateTimeString"),
        currency=currency,
        total_net=_amount(summation, "TaxBasisTotalAmount", currency),
        total_tax=_amount(summation, "TaxTotalAmount", currency),
        total_gross=gross,
        amount_due=_first_amount(_amount(summation, "DuePayableAmount", currency), gross),
        vat_breakdown=_cii_vat_breakdown(settlement),
        customer=_cii_party(_node(transaction, "//BuyerTradeParty")),
        supplier=_cii_party(_node(transaction, "//SellerTradeParty")),
        referenced_invoice=_text(settlement, "InvoiceReferencedDocument/IssuerAssignedID"),
        lines=lines,
        language=None,
    )
    return _with_full_confidence(document)


def _cii_vat_breakdown(settlement: etree._Element | None) -> list[VatRate]:
    """The document-level ApplicableTradeTax entries (the lines' own are under each line item)."""
    breakdown = []
    for tax in _nodes(settlement, "ApplicableTradeTax") if settlement is not None else []:
        taxable, amount = _amount(tax, "BasisAmount"), _amount(tax, "CalculatedAmount")
        if taxable is None or amount is None:
            continue
        rate = _first_amount(_amount(tax, "RateApplicablePercent"), _amount(tax, "ApplicablePercent"))
        breakdown.append(
            VatRate(
                rate=rate or Decimal("0"), taxable=taxable, tax=amount, category=_text(tax, "CategoryCode")
            )
        )
    return breakdown


def _ubl_vat_breakdown(root: etree._Element, currency: str | None) -> list[VatRate]:
    """The TaxSubtotals of the TaxTotal in the document's currency (a second one may give the tax in
    the accounting currency, with no subtotals or with converted ones)."""
    tax_totals = _nodes(root, "TaxTotal")
    in_currency = [total for total in tax_totals if _currency_of(total) in (None, currency)]
    breakdown = []
    for subtotal in _nodes((in_currency or tax_totals or [root])[0], "TaxSubtotal"):
        taxable, amount = _amount(subtotal, "TaxableAmount"), _amount(subtotal, "TaxAmount")
        if taxable is None or amount is None:
            continue
        rate = _amount(subtotal, "TaxCategory/Percent") or _amount(subtotal, "Percent") or Decimal("0")
        category = _text(subtotal, "TaxCategory/ID")
        breakdown.append(VatRate(rate=rate, taxable=taxable, tax=amount, category=category))
    return breakdown


def _currency_of(tax_total: etree._Element) -> str | None:
    amount = _node(tax_total, "TaxAmount")
    return amount.get("currencyID") if amount is not None else None


def _ubl_party(party: etree._Element | None) -> Party:
    if party is None:
        return Party()
    address = _node(party, "PostalAddress")
    city_line = _join(_text(address, "PostalZone"), _text(address, "CityName"))
    return Party(
        name=_text(party, "PartyLegalEntity/RegistrationName") or _text(party, "PartyName/Name"),
        address=_join(
            _text(address, "StreetName"),
            _text(address, "AdditionalStreetName"),
            city_line.replace(", ", " ") if city_line else None,
        ),
        country=_text(address, "Country/IdentificationCode"),
        vat_id=_text(party, "PartyTaxScheme/CompanyID"),
        email=_text(party, "Contact/ElectronicMail"),
    )


def _iso_date(node: etree._Element | None, steps: str) -> date | None:
    value = _text(node, steps)
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _parse_ubl(root: etree._Element) -> ExtractedDocument:
    is_credit = etree.QName(root).localname == "CreditNote"
    type_code = _text(root, "CreditNoteTypeCode") or _text(root, "InvoiceTypeCode") or "380"
    currency = _text(root, "DocumentCurrencyCode")
    totals = _node(root, "LegalMonetaryTotal")
    lines = []
    for item in _nodes(root, "CreditNoteLine") + _nodes(root, "InvoiceLine"):
        lines.append(
            Line(
                description=_text(item, "Item/Name") or "",
                quantity=_first_amount(_amount(item, "CreditedQuantity"), _amount(item, "InvoicedQuantity")),
                unit_price=_amount(item, "Price/PriceAmount"),
                amount=_amount(item, "LineExtensionAmount"),
            )
        )
    gross = _amount(totals, "TaxInclusiveAmount")
    tax_totals = [_amount(t, "TaxAmount", currency) for t in _nodes(root, "TaxTotal")]
    document = ExtractedDocument(
        source="ubl",
        document_type="credit_note" if is_credit or type_code in CREDIT_NOTE_CODES else "invoice",
        number=_text(root, "ID"),
        issue_date=_iso_date(root, "IssueDate"),
        due_date=_iso_date(root, "DueDate") or _iso_date(root, "PaymentMeans/PaymentDueDate"),
        currency=currency,
        total_net=_amount(totals, "TaxExclusiveAmount"),
        total_tax=next((t for t in tax_totals if t is not None), None),
        total_gross=gross,
        amount_due=_first_amount(_amount(totals, "PayableAmount"), gross),
        vat_breakdown=_ubl_vat_breakdown(root, currency),
        customer=_ubl_party(_node(root, "AccountingCustomerParty/Party")),
        supplier=_ubl_party(_node(root, "AccountingSupplierParty/Party")),
        referenced_invoice=_text(root, "BillingReference/InvoiceDocumentReference/ID"),
        lines=lines,
    )
    return _with_full_confidence(document)


def _positive(document: ExtractedDocument) -> ExtractedDocument:
    """Amounts are positive; the document type carries the direction (the product's convention)."""
    if document.total_gross is not None and document.total_gross < 0:
        document.document_type = "credit_note"
        document.warnings.append(Said("negative_totals"))
        for name in ("total_net", "total_tax", "total_gross", "amount_due"):
            value = getattr(document, name)
            if value is not None:
                setattr(document, name, -value)
        for rate in document.vat_breakdown:
            rate.taxable, rate.tax = -rate.taxable, -rate.tax
    if document.amount_due is not None and document.amount_due < 0:
        document.warnings.append(Said("prepaid_more", amount=-document.amount_due))
        document.amount_due = Decimal("0.00")
    return document


def _with_full_confidence(document: ExtractedDocument) -> ExtractedDocument:
    values = {
        "document_type": document.document_type,
        "number": document.number,
        "issue_date": document.issue_date,
        "due_date": document.due_date,
        "currency": document.currency,
        "total_gross": document.total_gross,
        "amount_due": document.amount_due,
        "customer_name": document.customer.name,
    }
    document.confidence = {field: 1.0 for field, value in values.items() if value is not None}
    return _positive(document)


EMBEDDED_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "zugferd_invoice.xml")


def embedded_xml(reader: object) -> bytes | None:
    """The e-invoice XML attached inside a PDF (PDF/A-3 associated file), if any."""
    attachments: dict[str, list[bytes]] = getattr(reader, "attachments", {}) or {}
    by_lower = {name.lower(): data for name, data in attachments.items()}
    for name in EMBEDDED_NAMES:
        if by_lower.get(name):
            return by_lower[name][0]
    for name, data in by_lower.items():
        if name.endswith(".xml") and data:
            return data[0]
    return None
