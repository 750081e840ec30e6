"""Label vocabularies of printed invoices, per field, in fr, en, de, es, it, nl, pt.

They are regular-expression fragments matched case-insensitively against layout text. Adding a
language is adding words here; the extractor's logic does not change.
"""

from __future__ import annotations

import re

CREDIT_NOTE_TITLES = (
    r"avoir|facture d'avoir|note de cr[ée]dit|credit\s*note|credit\s*memo|gutschrift|rechnungskorrektur"
    r"|nota de cr[ée]dito|factura rectificativa|nota di credito|creditnota|creditfactuur"
)
INVOICE_TITLES = r"facture|invoice|rechnung|factura|fattura|factuur|fatura"

NUMBER = (
    r"(?:facture|affactur[ée]e|avoir|invoice|credit\s*note|rechnung|gutschrift|factura|fattura|factuur|fatura"
    r"|nota de cr[ée]dito|nota di credito|creditnota)\s*(?:n[°ºo]\.?|nr\.?|no\.?|number|nummer|num[ée]ro|#)"
    r"|(?:n[°ºo]|num[ée]ro|number|no\.?)\s*(?:de\s+|d['’]\s*)?(?:la\s+)?(?:facture|avoir|invoice)"
    r"|rechnungs-?\s*(?:nr\.?|nummer)|gutschrifts-?\s*(?:nr\.?|nummer)|invoice\s*(?:id|ref(?:erence)?)"
    r"|n[úu]mero de factura|numero (?:di )?fattura|factuurnummer|factuurnr\.?|n[úu]mero da fatura"
    r"|beleg-?(?:nr\.?|nummer)"
)
ISSUE_DATE = (
    r"date de (?:la )?facture|date d['’]?(?:[ée]mission|avoir)|date de facturation|invoice date|date of issue"
    r"|issue date|rechnungsdatum|belegdatum|gutschriftsdatum|fecha(?: de (?:factura|emisi[óo]n))?"
    r"|data (?:(?:della )?fattura|emissione)|factuurdatum|data (?:da fatura|de emiss[ãa]o)|datum|date"
)
DUE_DATE = (
    r"date d['’]?[ée]ch[ée]ance|[ée]ch[ée]ance|[àa] payer avant le|payable (?:avant|le|by|until)|due date"
    r"|payment due|due by|due on|f[äa]llig(?:keitsdatum|keit)?(?: am)?|zahlbar bis|zahlungsziel"
    r"|fecha de vencimiento|vencimiento|(?:data di )?scadenza|vervaldatum|uiterste betaaldatum"
    r"|data de vencimento|vencimento"
)
TOTAL_GROSS = (
    r"total\s*ttc|montant\s*ttc|total\s*(?:amount|due|incl\.?\s*vat|invoice)"
    r"|invoice\s*total|grand\s*total|gesamt(?:betrag|summe)?(?:\s*brutto)?|brutto(?:betrag)?|rechnungsbetrag"
    r"|endbetrag|total\s*factura|importe\s*total|totale\s*(?:fattura|documento)?|totaal(?:\s*incl\.?\s*btw)?"
    r"|total\s*a\s*pagar|valor\s*total|total"
)
TOTAL_NET = (
    r"total\s*h\.?t\.?|montant\s*h\.?t\.?|sous-?total|subtotal|net\s*amount|total\s*(?:net|excl\.?\s*vat)"
    r"|nettobetrag|netto(?:summe|betrag)?|summe\s*netto|gesamt\s*netto|base\s*imponible|imponibile"
    r"|totaal\s*excl\.?\s*btw|subtotaal|valor\s*l[íi]quido"
)
TOTAL_TAX = (
    r"total\s*tva|montant\s*tva|tva|total\s*vat|vat(?:\s*amount)?|sales\s*tax|tax|mwst\.?|ust\.?"
    r"|mehrwertsteuer|umsatzsteuer|iva|btw"
)
AMOUNT_DUE = (
    r"reste\s*[àa]\s*payer|solde\s*d[ûu]|montant\s*d[ûu]|net\s*[àa]\s*payer|amount\s*due|balance\s*due"
    r"|total\s*due|zahlbetrag|zu\s*zahlen(?:der betrag)?|offener\s*betrag|importe\s*a\s*pagar"
    r"|importo\s*dovuto|netto\s*a\s*pagare|te\s*betalen|valor\s*a\s*pagar"
)
PREPAID = r"acompte|d[ée]j[àa] (?:pay[ée]|r[ée]gl[ée])|prepaid|deposit|already paid|anzahlung|bereits bezahlt"
CUSTOMER_BLOCK = (
    r"factur[ée] [àa]|adresse (?:du|de) client|adresse de facturation|destinataire|acheteur|client"
    r"|k[äa]ufer(?:\s*/\s*leistungsempf[äa]nger)?|leistungsempf[äa]nger|buyer|bill(?:ed)?\s*to"
    r"|invoice\s*to|sold\s*to|customer|rechnungs(?:empf[äa]nger|adresse)|kunde|cliente|facturar a"
    r"|klant|factuuradres|faturar a"
)
SUPPLIER_HINTS = (
    r"vendeur|fournisseur|seller|supplier|from|lieferant|verk[äa]ufer|proveedor|fornitore|leverancier"
)
REFERENCED_INVOICE = (
    r"(?:sur|relative [àa]|concernant|r[ée]f[ée]rence)\s*(?:la\s*)?facture(?:\s*n[°ºo])?|facture d['’]origine"
    r"|(?:original|related|referenced)\s*invoice(?:\s*(?:no\.?|number|#))?|credit for invoice"
    r"|zu(?:r)?\s*rechnung(?:\s*nr\.?)?|bezogen auf rechnung|ursprungsrechnung"
    r"|factura (?:rectificada|original)"
    r"|fattura (?:di riferimento|originale)|originele factuur|fatura original"
)
PAYMENT_TERMS = re.compile(
    r"(?:net|netto)\s*(\d{1,3})(?!\d)"
    r"|(\d{1,3})\s*(?:jours|days|tage[n]?|d[íi]as|giorni|dagen|dias)(\s*fin de mois|\s*end of month)?"
    r"|(?:innerhalb|within|sous|dans les|en|entro|binnen)\s*(?:von\s*)?(\d{1,3})"
    r"\s*(?:tage[n]?|days|jours|d[íi]as|giorni|dagen)",
    re.IGNORECASE,
)

LANGUAGE_WORDS = {
    "fr": r"\b(?:facture|avoir|montant|total ttc|échéance|tva|client|date de|règlement|paiement)\b",
    "en": r"\b(?:invoice|amount|due date|bill to|total|payment|vat|customer|subtotal|thank you)\b",
    "de": r"\b(?:rechnung|betrag|fällig|mwst|ust|kunde|gesamt|zahlbar|datum|netto|brutto|gutschrift)\b",
    "es": r"\b(?:factura|importe|vencimiento|iva|cliente|fecha|pago|base imponible)\b",
    "it": r"\b(?:fattura|importo|scadenza|iva|cliente|data|pagamento|imponibile|totale)\b",
    "nl": r"\b(?:factuur|bedrag|vervaldatum|btw|klant|datum|betaling|totaal)\b",
    "pt": r"\b(?:fatura|montante|vencimento|iva|cliente|data|pagamento|valor)\b",
}

COUNTRY_NAMES = {
    "FR": r"france",
    "DE": r"germany|deutschland|allemagne",
    "GB": r"united kingdom|england|\buk\b|royaume-uni",
    "ES": r"spain|espa[ñn]a|espagne",
    "IT": r"italy|italia|italie",
    "NL": r"netherlands|nederland|pays-bas",
    "BE": r"belgium|belgique|belgi[ëe]",
    "CH": r"switzerland|schweiz|suisse",
    "AT": r"austria|[öo]sterreich",
    "PT": r"portugal",
    "US": r"united states|\busa\b",
    "IE": r"ireland",
    "LU": r"luxembourg",
}

# A number marker on the document's title line ("Handelsrechnung ... Nr. TX-471102", "INVOICE # 42").
TITLE_WORD = r"\w*(?:rechnung|gutschrift)\b|\b(?:facture|avoir|invoice|factura|fattura|factuur|fatura)\b"
NUMBER_MARKER = r"(?<![\w])(?:nr\.?|n[°º]|no\.|#|number|nummer|num[ée]ro)\s*[:.]?\s*"
# Lines that open an address block but are not the company's name.
PERSON_LINE = r"^(?:contact|attn|attention|[àa] l['’]attention|z\.\s*hd\.?|c/o)\b"
FIELD_PREFIX = r"^(?:name|nom|raison sociale|firma|company|soci[ée]t[ée])\s*:\s*"
SALUTATION = (
    r"^(?:herrn?|frau|firma|m\.|mme|mlle|monsieur|madame|mr\.?|mrs\.?|ms\.?|sr\.|sra\.|sig\.(?:ra)?"
    r"|dhr\.|mevr\.)$"
)
