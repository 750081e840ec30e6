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
# A self-billed invoice (the customer writes it): in German also headed "Gutschrift", but an invoice.
SELF_BILLED = r"selbst\s*ausgestellte\s*rechnung|self-?billed|autofacturation|autofactura|autofattura"

NUMBER = (
    r"(?:facture|affactur[ée]e|avoir|invoice|credit(?:\s*(?:note|memo))?|rechnung|gutschrift|factura|fattura|factuur|fatura"
    r"|nota de cr[ée]dito|nota di credito|creditnota)"
    r"[\s-]*(?:n[°ºo]\.?|n\.(?:\s*[°º])?|nr\.?|no\.?|number|nummer|num[ée]ro|#)"
    r"|(?:n[°ºo]|num[ée]ro|number|no\.?)\s*(?:de\s+|d['’]\s*)?(?:la\s+)?(?:facture|avoir|invoice)"
    r"|rechnungs-?\s*(?:nr\.?|nummer)|gutschrifts-?\s*(?:nr\.?|nummer)|invoice\s*(?:id|ref(?:erence)?)"
    r"|n[úu]mero de factura|numero (?:di )?fattura|factuurnummer|factuurnr\.?|n[úu]mero da fatura"
    r"|beleg-?(?:nr\.?|nummer)"
)
# Bare number labels, used only when no label above and no number on the title line is found: "Numéro",
# "Nr.", "#", "Doc. n.", "N° de pièce" head other numbers too, so the value must look like a document
# number (`text.find_number`).
NUMBER_WEAK = (
    r"n[úu]m[ée]ro|number|nummer|n[úu]m\.?|nr\.|no\.|#|n[°º]\.?\s*(?:de\s*)?pi[èe]ce|doc(?:ument)?\.?\s*(?:n[°º.]?\s*|no\.?|nr\.?)"
    r"|n\.\s*documento|documento\s*n\.?\s*[°º]?|belegnummer|document\s*number|fatura\s*n\.?\s*[°º]"
    r"|n[°º]\s*(?:de\s*)?(?:factura|fattura|fatura|rectificativa|abono)|fattura\s*n\.|factuurnr\.?"
)
# A customer's number or code: a field of its own, never the document's number nor the customer's name.
CUSTOMER_NUMBER = (
    r"n[°º.]*\s*(?:de\s*)?client|code\s*client|customer\s*(?:id|no\.?|number)|account\s*(?:no\.?|number)"
    r"|kunden-?\s*(?:nr\.?|nummer)|kundennummer|c[óo]digo\s*(?:de\s*)?cliente|n[°º.]*\s*cliente"
    r"|codice\s*cliente|klantnummer|debiteurnummer|n\.?[°º]\s*cliente"
)
ISSUE_DATE = (
    r"date de (?:la )?facture|date d['’]?(?:[ée]mission|avoir)|date de facturation|invoice date|date of issue"
    r"|issue date|date issued|rechnungsdatum|beleg-?datum|gutschriftsdatum|ausstellungsdatum"
    r"|fecha de (?:factura|emisi[óo]n|expedici[óo]n)|data (?:(?:della )?fattura|(?:di )?emissione)"
    r"|factuurdatum|data (?:da fatura|de emiss[ãa]o)|issued(?:\s*on)?|data\s*(?:del\s*)?documento"
    r"|fecha\s*documento|documentdatum|dokumentdatum"
)
# Used only when no label above is printed: "Date", "Datum" also head delivery or order dates.
ISSUE_DATE_WEAK = r"datum|date|fecha|data"
DUE_DATE = (
    r"date d['’]?[ée]ch[ée]ance|[ée]ch[ée]ance|[àa] payer avant le|payable (?:avant|le|by|until)|due date"
    r"|payment due|due by|due on|f[äa]llig(?:keitsdatum|keitstag|keit)?(?: am)?|zahlbar bis|zahlungsziel"
    r"|fecha de vencimiento|vencimiento|(?:data\s*(?:di\s*)?)?scadenza|vervaldatum|uiterste betaaldatum|due"
    r"|data de vencimento|vencimento|date limite de (?:paiement|r[èe]glement)|payment deadline|zahlungsfrist"
    r"|fecha l[íi]mite de pago|data limite (?:di|de) pagamento"
)
# A total's kind said in parentheses after its word: "Total (gross)", "Gesamtbetrag (Netto)", "Rechnungssumme
# Brutto (inkl. USt.)". Tried first: the bare word alone would stop at the parenthesis, which is no filler.
_TOTAL_WORD = (
    r"(?:total|gesamtbetrag|gesamtsumme|rechnungssumme|rechnungsbetrag|summe|totale|totaal|importe|montant)"
)
_GROSS_KIND = (
    r"\((?:gross|brutto|incl\.?[^)]{0,20}|inkl\.?[^)]{0,20}|including[^)]{0,20}|ttc|iva\s*incl[^)]{0,12}"
    r"|con\s*iva|com\s*iva|tax\s*incl[^)]{0,12})\)"
)
_NET_KIND = (
    r"\((?:net|netto|excl\.?[^)]{0,20}|exkl\.?[^)]{0,20}|excluding[^)]{0,20}|ohne[^)]{0,20}|ht|hors\s*taxes?"
    r"|sin\s*iva|senza\s*iva|sem\s*iva|before\s*tax)\)"
)
TOTAL_GROSS = (
    rf"{_TOTAL_WORD}(?: ?(?:brutto|gross|ttc))? ?{_GROSS_KIND}|rechnungssumme\s*brutto|"
    r"total\s*ttc|montant\s*(?:eur\s*)?ttc|net\s*ttc|total\s*(?:amount|incl\.?\s*(?:vat|tax)|invoice|g[ée]n[ée]ral)"
    r"|invoice\s*(?:total|amount)|grand\s*total|gesamtbetrag\s*brutto|brutto(?:summe|betrag)|rechnungsbetrag"
    r"|rechnungssumme(?:\s*brutto)?|endbetrag|gesamtsumme|total\s*factura|importe\s*total|total\s*documento"
    r"|totale\s*(?:fattura|documento)|totaal\s*(?:incl\.?\s*btw|factuur|bedrag)|total\s*(?:a\s*pagar|da\s*fatura)"
    r"|valor\s*total"
)
# Used only when no label above is printed: a bare "Total" may head a table column or a subtotal.
TOTAL_GROSS_WEAK = r"total|gesamt(?:betrag)?|brutto|totale|totaal"
TOTAL_NET = (
    rf"{_TOTAL_WORD}(?: ?(?:netto|net|ht))? ?{_NET_KIND}|(?:rechnungssumme|gesamtbetrag)\s*netto|"
    r"total\s*h\.?t\.?|montant\s*h\.?t\.?|total\s*hors\s*taxes?|sous-?total|subtotal|net\s*(?:amount|total)"
    r"|total\s*(?:net|excl\.?\s*(?:vat|tax)|before\s*tax)|nettobetrag|netto(?:summe|betrag)?|summe\s*netto"
    r"|gesamt\s*netto|rechnungssumme\s*ohne\s*ust\.?|base\s*imponible|imponibile|totale\s*imponibile"
    r"|totaal\s*excl\.?\s*btw|subtotaal|valor\s*l[íi]quido|total\s*il[íi]quido"
    r"|zwischensumme|importe\s*neto|totale\s*netto|total\s*sem\s*iva|exclusief\s*btw|excl\.?\s*btw|grondslag"
    r"|(?:summe\s*)?exkl\.?\s*(?:mwst|ust)\.?|hors\s*taxes?|excl(?:uding|\.)?\s*(?:vat|tax)|tax\s*base"
)
TOTAL_TAX = (
    r"(?:vat|tax|mwst\.?|ust\.?|iva|tva|btw|umsatzsteuer|steuer) ?(?:total|gesamt|totale|totaal)|"
    r"total\s*tva|montant\s*(?:de\s*la\s*)?tva|tva|total\s*(?:vat|tax(?:es)?)|tax\s*total|vat(?:\s*amount)?"
    r"|sales\s*tax|tax(?:\s*amount)?|mwst\.?|ust\.?|mehrwertsteuer|umsatzsteuer|steuerbetrag|iva|btw"
    r"|(?:zzgl\.?|zuz[üu]glich|plus)\s*(?:\d{1,2}(?:[.,]\d{1,2})?\s*%\s*)?(?:ust|mwst|vat|mehrwertsteuer|umsatzsteuer)\.?"
    r"|btw[-\s]?bedrag|imposta|cuota\s*iva|total\s*iva|impuesto"
    r"|totale\s*iva|cuota\s*iva"
)
AMOUNT_DUE = (
    r"reste\s*[àa]\s*payer|(?:somme|montant\s*total|total)\s*[àa]\s*payer|solde\s*(?:d[ûu]|[àa]\s*payer)|montant\s*(?:d[ûu]|[àa]\s*payer)|net\s*[àa]\s*payer"
    r"|restant\s*d[ûu]|amount\s*(?:due|payable|to\s*pay)|balance\s*(?:due|to\s*pay)?|total\s*due|residual"
    r"|zahlbetrag|zu\s*zahlen(?:der betrag)?|offener\s*betrag|restbetrag|importe\s*a\s*pagar"
    r"|total\s*a\s*pagar"
    r"|importo\s*(?:dovuto|da\s*pagare)|netto\s*a\s*pagare|te\s*betalen|valor\s*a\s*pagar"
    r"|openstaand\s*bedrag|nog\s*te\s*betalen|valor\s*em\s*d[íi]vida|saldo\s*(?:pendiente|a\s*pagar)"
)
PREPAID = (
    r"acompte(?:\s*(?:vers[ée]|re[çc]u|pay[ée]|r[ée]gl[ée]))?|d[ée]j[àa] (?:pay[ée]|r[ée]gl[ée])|prepaid"
    r"|(?:deposit|advance)(?:\s*(?:paid|received))?|already paid"
    r"|(?:erhaltene\s*)?anzahlung(?:en)?(?:\s*erhalten)?"
    r"|bereits bezahlt|anticipo(?:\s*pagado)?|acconto(?:\s*versato)?|aanbetaling|adiantamento"
    r"|(?:less\s*)?payments?\s*received|abz[üu]glich\s*(?:anzahlung|akonto)|reeds\s*betaald|al\s*betaald"
    r"|montant\s*d[ée]j[àa]\s*vers[ée]|valor\s*(?:j[áa]\s*)?pago"
)
CUSTOMER_BLOCK = (
    r"factur[ée] [àa]|adresse (?:du|de) client|adresse de facturation|destinataire|acheteur|client"
    r"|k[äa]ufer(?:\s*/\s*leistungsempf[äa]nger)?|leistungsempf[äa]nger|buyer|bill(?:ed)?\s*to"
    r"|invoice\s*to|sold\s*to|customer|rechnungs(?:empf[äa]nger|adresse|anschrift)|kunde|cliente|facturar a"
    r"|klant|factuuradres|faturar a|datos del cliente|datos de facturaci[óo]n|facturado a|spett\.?\s*le"
    r"|dati (?:del )?cliente|intestat(?:ario|o a)|klantgegevens|factuur aan|aan|dados do cliente"
    r"|exmos?\.?\s*(?:\(s\)\s*)?sr\.?\s*(?:\(s\)|es|a)?\.?|rechnung an|bill(?:ing)? address"
)
DELIVERY_BLOCK = (
    r"adresse de livraison|livr[ée] [àa]|delivery address|ship(?:ped)?\s*to|deliver(?:ed)?\s*to|lieferadresse"
    r"|lieferanschrift|(?:abweichender\s*)?warenempf[äa]nger|direcci[óo]n de (?:entrega|env[íi]o)"
    r"|indirizzo di (?:consegna|spedizione)|afleveradres|leveringsadres|morada de entrega"
)
SUPPLIER_HINTS = (
    r"vendeur|fournisseur|seller|supplier|lieferant|verk[äa]ufer|proveedor|fornitore|leverancier"
    r"|(?:abweichender\s*)?zahlungsempf[äa]nger"
)
VAT_LABEL = (
    r"\b(?:tva|vat|mwst|iva|btw|nif|cif|uid|nipc|p\.?\s*iva|partita\s*iva)\b|\bust\.?\s*-?\s*id"
    r"|umsatzsteuer-?id"
)
CUSTOMER_VAT = (
    r"n[°º]\s*(?:de\s*)?tva\s*(?:intracommunautaire\s*)?(?:du\s*)?(?:client|acheteur)|tva\s*client"
    r"|votre\s*n[°º]\s*(?:de\s*)?tva|(?:customer|buyer|client)(?:'s)?\s*vat(?:\s*(?:number|no\.?|id|reg\.?))?"
    r"|vat\s*(?:number|no\.?|id)\s*(?:of\s*the\s*)?(?:customer|buyer)|ihre\s*ust-?id(?:-?nr)?\.?"
    r"|ust-?id(?:-?nr)?\.?\s*(?:des\s*)?(?:kunden|k[äa]ufers|leistungsempf[äa]ngers)|kunden-?ust-?id(?:-?nr)?\.?"
    r"|nif\s*(?:del\s*)?cliente|(?:p\.?\s*iva|partita\s*iva)\s*(?:del\s*)?cliente|btw-?nummer\s*(?:van\s*de\s*)?klant"
    r"|nif\s*do\s*cliente"
)
REFERENCED_INVOICE = (
    r"(?:sur|relative [àa]|concernant|r[ée]f[ée]rence)\s*(?:la\s*)?facture(?:\s*n[°ºo])?|facture d['’]origine"
    r"|(?:original|related|referenced)\s*invoice(?:\s*(?:no\.?|number|#))?|credit for invoice"
    r"|zu(?:r)?\s*rechnung(?:\s*nr\.?)?|bezogen auf rechnung|ursprungsrechnung"
    r"|factura (?:rectificada|original)|rectifica (?:a )?la factura|(?:for|relates to|against)\s*invoice"
    r"|annule et remplace la facture|avoir sur facture|relativ[oa] alla fattura|creditering van factuur"
    r"|referente [àa] fatura|korrektur zu(?:r)? rechnung"
    r"|fattura (?:di riferimento|originale)|originele factuur|fatura original"
)
PAYMENT_TERMS = re.compile(
    # "net 30", never "Netto 27.099,08" (an amount) nor "Summe netto 1.234,56"
    r"(?<![\w])(?:net|netto)\s*(\d{1,3})(?![\d.,'’]?\d)"
    r"|(\d{1,3})\s*(?:jours|days|tage[n]?|d[íi]as|giorni|dagen|dias)(\s*fin de mois|\s*end of month)?"
    r"|(?:innerhalb|within|sous|dans les|en|entro|binnen)\s*(?:von\s*)?(\d{1,3})"
    r"\s*(?:tage[n]?|days|jours|d[íi]as|giorni|dagen)",
    re.IGNORECASE,
)

# A due date given in a sentence: "avant le 23 octobre 2025", "Bitte überweisen Sie bis zum 30.05.2017",
# "payable by 12 March 2025"; the date follows one of these words, on a line that speaks of paying.
DUE_SENTENCE_BEFORE = (
    r"(?:avant|au plus tard|jusqu['’]au|d['’]ici)\s*(?:le|au)?|by|before|no later than|until|not later than"
    r"|bis\s*(?:zum|sp[äa]testens(?:\s*zum)?)?|sp[äa]testens\s*(?:am|zum)?|antes\s*del?|hasta\s*el|entro\s*il"
    r"|v[óo][óo]r|uiterlijk(?:\s*op)?|at[ée](?:\s*(?:ao|a|o))?|entro e non oltre il"
)
PAYING = (
    r"pa(?:y|id|ie|iement|yable|yment)|r[ée]gl|vers|zahl|[üu]berweis|begleich|pag[oa]r?|pagamento|bonifico"
    r"|betal|overmak|transfer|remit|liquidar|abonar"
)

# Words typical of an invoice in each language, counted to tell the document's language.
LANGUAGE_WORDS = {
    "fr": (
        "facture",
        "avoir",
        "montant",
        "total ttc",
        "échéance",
        "tva",
        "client",
        "date de",
        "règlement",
        "paiement",
    ),
    "en": (
        "invoice",
        "amount",
        "due date",
        "bill to",
        "total",
        "payment",
        "vat",
        "customer",
        "subtotal",
        "thank you",
    ),
    "de": (
        "rechnung",
        "betrag",
        "fällig",
        "mwst",
        "ust",
        "kunde",
        "gesamt",
        "zahlbar",
        "datum",
        "netto",
        "brutto",
        "gutschrift",
    ),
    "es": ("factura", "importe", "vencimiento", "iva", "cliente", "fecha", "pago", "base imponible"),
    "it": ("fattura", "importo", "scadenza", "iva", "cliente", "data", "pagamento", "imponibile", "totale"),
    "nl": ("factuur", "bedrag", "vervaldatum", "btw", "klant", "datum", "betaling", "totaal"),
    "pt": ("fatura", "montante", "vencimento", "iva", "cliente", "data", "pagamento", "valor"),
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
PERSON_LINE = r"^(?:attn|attention|[àa] l['’]attention|z\.\s*hd\.?|c/o)\b|\bcontact\b|ansprechpartner"
# A customer number heading a block ("Nummer: 16259", "Kunden-Nr.: 4711") is not the customer's name.
NUMBER_FIELD = (
    r"^(?:nummer|number|no\.|kunden-?nr\.?|kundennummer|customer\s*(?:no\.?|number|id)|client\s*(?:no\.?|number|id)"
    r"|n[°º]\s*(?:de\s*)?client)\s*:"
)
# A party's registry identifier on a line of its own in its block ("GLN 4304171000002", "SIRET: 123...").
_REGISTRY = r"gln|iln|ean|gtin|duns|eori|siret|siren|kvk(?:-?nummer)?|leitweg-?id"
PARTY_ID = rf"^(?:{_REGISTRY})\s*(?:nr\.?|no\.?)?\s*[:#]?\s*\d"
ADDRESS_PREFIX = r"^(?:anschrift|adresse|address|direcci[óo]n|indirizzo|adres|morada)\s*:\s*"
FIELD_PREFIX = r"^(?:name|nom|raison sociale|firma|company|soci[ée]t[ée])\s*:\s*"
SALUTATION = (
    r"^(?:herrn?|frau|firma|m\.|mme|mlle|monsieur|madame|mr\.?|mrs\.?|ms\.?|sr\.|sra\.|sig\.(?:ra)?"
    r"|dhr\.|mevr\.)$"
)
# Legal forms that mark a company's name in a letterhead.
LEGAL_FORM = (
    r"\b(?:SAS|SASU|SARL|EURL|SA|SNC|SCI|GmbH|AG|KG|OHG|UG|e\.?\s?K\.|Ltd|Limited|LLP|PLC|Inc|LLC|Corp"
    r"|S\.?L\.?|S\.?A\.?U?|S\.?p\.?A\.?|S\.?r\.?l\.?|B\.?V\.?|N\.?V\.?|Lda|Unipessoal)\b\.?"
)
