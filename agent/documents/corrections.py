"""A person's check of a doubtful document: the values they are shown, the corrections they give, and the
document that results.

Finance answers a review e-mail in plain words ("OK", "Due date: 15/12/2026", "ignore"), or uses
`relance documents confirm 12 --set due_date=2026-12-15`. Both come here. Values are read with the
extractor's own parsers (the seven languages' date and number formats), and the corrected document is
validated again: a correction that breaks a check (a due date before the issue date, an amount due over
the total) is refused with the reason, never recorded.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from babel.dates import format_date
from babel.numbers import format_decimal

from agent.documents.locations import field_value
from agent.documents.parsing import AMOUNT_RE, parse_amount, parse_date
from agent.documents.schema import ExtractedDocument
from agent.documents.validate import is_iso_currency, validate
from agent.templating import Said

PERSON = 1.0  # the confidence of a value a person confirmed or gave
AMOUNTS = ("total_net", "total_tax", "total_gross", "amount_due")
DATES = ("issue_date", "due_date")
SHOWN = (  # what a review shows, in this order; each may be corrected
    "document_type",
    "number",
    "issue_date",
    "due_date",
    "currency",
    "total_net",
    "total_tax",
    "total_gross",
    "amount_due",
    "customer_name",
    "customer_vat_id",
    "referenced_invoice",
)
REQUIRED = ("number", "issue_date", "due_date", "currency", "total_gross", "amount_due", "customer_name")

FIELD_NAMES: dict[str, tuple[str, ...]] = {  # per language, in the order of SHOWN
    "en": ("Type", "Number", "Issue date", "Due date", "Currency", "Net total", "Tax total", "Gross total",
           "Amount due", "Customer", "Customer VAT id", "Invoice referred to"),
    "fr": ("Type", "Numéro", "Date d'émission", "Échéance", "Devise", "Total HT", "Total TVA", "Total TTC",
           "Montant dû", "Client", "N° TVA du client", "Facture d'origine"),
    "de": ("Art", "Nummer", "Rechnungsdatum", "Fälligkeit", "Währung", "Nettobetrag", "Steuerbetrag",
           "Bruttobetrag", "Offener Betrag", "Kunde", "USt-IdNr. des Kunden", "Bezugsrechnung"),
    "es": ("Tipo", "Número", "Fecha de emisión", "Vencimiento", "Moneda", "Base imponible", "Total IVA",
           "Total factura", "Importe pendiente", "Cliente", "NIF-IVA del cliente", "Factura rectificada"),
    "it": ("Tipo", "Numero", "Data di emissione", "Scadenza", "Valuta", "Imponibile", "Totale IVA",
           "Totale documento", "Importo dovuto", "Cliente", "Partita IVA del cliente",
           "Fattura di riferimento"),
    "nl": ("Soort", "Nummer", "Factuurdatum", "Vervaldatum", "Valuta", "Totaal excl. btw", "Totaal btw",
           "Totaal incl. btw", "Te betalen", "Klant", "Btw-nummer klant", "Oorspronkelijke factuur"),
    "pt": ("Tipo", "Número", "Data de emissão", "Vencimento", "Moeda", "Total sem IVA", "Total IVA",
           "Total com IVA", "Valor em dívida", "Cliente", "NIF do cliente", "Fatura de origem"),
}  # fmt: skip
TYPE_NAMES: dict[str, tuple[str, str]] = {  # invoice, credit note
    "en": ("invoice", "credit note"),
    "fr": ("facture", "avoir"),
    "de": ("Rechnung", "Gutschrift"),
    "es": ("factura", "nota de crédito"),
    "it": ("fattura", "nota di credito"),
    "nl": ("factuur", "creditnota"),
    "pt": ("fatura", "nota de crédito"),
}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# A line that confirms what was read ("OK", "c'est bon", "Alles richtig, danke") or sets the document
# aside ("ignore") holds such words and courtesy only: "Correct the amount" confirms nothing.
CONFIRM_WORDS = _words(
    "ok okay yes confirmed confirm correct right fine good oui confirme valide exact bon "
    "ja bestatigt bestatige richtig stimmt passt si correcto confirmado conforme vale "
    "confermato confermo corretto giusto bene klopt akkoord bevestigd juist sim certo"
)
REJECT_WORDS = _words(
    "ignore ignored reject rejected ignorer rejeter ignorieren ablehnen ignorar rechazar rejeitar "
    "ignora ignorare rifiutare negeren afwijzen"
)
COURTESY = _words(
    "thanks thank you please all is it s that c est tout pour moi merci svp danke bitte alles ist es "
    "gracias por favor todo esta grazie tutto e va bedankt dank alles is obrigado tudo esta and et und y"
)


def fold(text: str) -> str:
    """Lower case, accents and punctuation gone: "Échéance :" -> "echeance"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.findall(r"[a-z0-9]+", plain))


_NAME_OF: dict[str, str] = {fold(name.replace("_", " ")): name for name in SHOWN}
for _names in FIELD_NAMES.values():
    _NAME_OF.update({fold(label): name for label, name in zip(_names, SHOWN, strict=True)})
_NAME_OF.update(  # what else people call them
    {
        fold(words): name
        for name, synonyms in {
            "number": "invoice number, invoice no, numéro de facture, n° de facture, rechnungsnummer",
            "issue_date": "invoice date, date, date de facture, datum, fecha, data, rechnungsdatum",
            "due_date": "date d'échéance, fälligkeitsdatum, fällig am, payment due, fecha de vencimiento",
            "amount_due": "amount, balance due, montant, reste à payer, net à payer, zahlbetrag, importe",
            "total_gross": "total, total amount, gesamtbetrag, totale, totaal",
            "customer_name": "customer name, client name, kunde name, nom du client",
        }.items()
        for words in synonyms.split(", ")
    }
)
_TYPE_OF = {
    fold(word): kind
    for names in TYPE_NAMES.values()
    for word, kind in zip(names, ("invoice", "credit_note"), strict=True)
}


class CorrectionError(ValueError):
    """A value a person gave that cannot be used; the message says why, in words they understand (a
    `Said`, which a reply e-mail says in its reader's language)."""

    @property
    def said(self) -> str:
        return self.args[0] if self.args else str(self)


Value = str | date | Decimal


def field_named(words: str) -> str | None:
    """The field a person named, in any of the seven languages ("Échéance", "due date", "due_date")."""
    return _NAME_OF.get(fold(words))


def read_value(name: str, text: str, *, month_first: bool = False) -> Value:
    """A value as a person typed it, for field `name`; CorrectionError says what is wrong with it."""
    text = text.strip()
    if not text:
        raise CorrectionError(Said("no_value", field=name))
    if name == "document_type":
        kind = _TYPE_OF.get(fold(text))
        if kind is None:
            raise CorrectionError(Said("not_a_type", text=text))
        return kind
    if name in DATES:
        value = parse_date(text, month_first)
        if value is None:
            raise CorrectionError(Said("not_a_date", text=text))
        return value
    if name in AMOUNTS:
        printed = AMOUNT_RE.search(text)
        amount = parse_amount(printed.group(0)) if printed else None
        if amount is None or amount < 0:
            raise CorrectionError(Said("not_an_amount", text=text))
        return amount
    if name == "currency":
        if not is_iso_currency(text.upper()):
            raise CorrectionError(Said("not_a_currency", text=text))
        return text.upper()
    return text


@dataclass
class ReviewAnswer:
    """What a person's reply says: confirm (with corrections or none), reject, or unclear (and why)."""

    decision: Literal["confirm", "reject", "unclear"]
    corrections: dict[str, Value] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


_FIELD_LINE = re.compile(r"^\s*[-*•]?\s*([^:=]{2,40}?)\s*[:=]\s*(.+?)\s*$")


def read_review_answer(text: str, *, month_first: bool = False) -> ReviewAnswer:
    """A review reply's new part (quotes removed by the caller), line by line: "Field: value" lines
    correct, a first word of CONFIRM_WORDS confirms, of REJECT_WORDS sets aside. Greetings and
    signatures are ignored; a line naming no field is not guessed at."""
    corrections: dict[str, Value] = {}
    problems: list[str] = []
    confirm = reject = False
    for line in text.splitlines():
        if match := _FIELD_LINE.match(line):
            name = field_named(match.group(1))
            if name is not None:
                try:
                    corrections[name] = read_value(name, match.group(2), month_first=month_first)
                except CorrectionError as error:
                    problems.append(error.said)
                continue
        confirm |= _only(fold(line).split(), CONFIRM_WORDS)
        reject |= _only(fold(line).split(), REJECT_WORDS)
    if problems:
        return ReviewAnswer("unclear", corrections, problems)
    if reject and (confirm or corrections):
        return ReviewAnswer("unclear", problems=[Said("reply_both")])
    if reject:
        return ReviewAnswer("reject")
    if confirm or corrections:
        return ReviewAnswer("confirm", corrections)
    return ReviewAnswer("unclear", problems=[Said("reply_neither")])


def _only(words: list[str], decisive: frozenset[str]) -> bool:
    return any(word in decisive for word in words) and all(w in decisive or w in COURTESY for w in words)


def apply_corrections(
    document: ExtractedDocument, corrections: dict[str, Value]
) -> tuple[ExtractedDocument, list[str]]:
    """The document with a person's corrections, every value they were shown now vouched for; and the
    problems that forbid recording it (a missing key value, a check the values fail). Empty: it may go."""
    checked = document.model_copy(deep=True)
    if (
        "total_gross" in corrections
        and "amount_due" not in corrections
        and document.amount_due == document.total_gross
    ):
        corrections = {**corrections, "amount_due": corrections["total_gross"]}  # nothing was prepaid
    for name, value in corrections.items():
        if name.startswith("customer_"):
            setattr(checked.customer, name.removeprefix("customer_"), value)
        else:
            setattr(checked, name, value)
    checked.warnings = []
    checked.confidence.update(dict.fromkeys(SHOWN, PERSON))
    needed = [n for n in REQUIRED if not (n == "due_date" and checked.document_type == "credit_note")]
    missing: list[str] = [
        Said("missing_value", field=name) for name in needed if field_value(checked, name) in (None, "")
    ]
    if missing:
        return checked, missing
    validate(checked)  # no plausibility window: an old issue date is the person's call
    if any(checked.confidence.get(name, 0.0) < PERSON for name in needed):
        return checked, list(checked.warnings)
    return checked, []


def field_labels(language: str) -> dict[str, str]:
    """Each shown field's name in `language` (English for a language without names)."""
    return dict(zip(SHOWN, FIELD_NAMES.get(language, FIELD_NAMES["en"]), strict=True))


def shown_fields(document: ExtractedDocument, language: str) -> list[tuple[str, str, str]]:
    """The values a review shows (field, label, value), written as the person would type them back."""
    names = field_labels(language)
    shown = []
    for name in SHOWN:
        value = field_value(document, name)
        if value is None and name not in REQUIRED:
            continue
        shown.append((name, names[name], show(name, value, language)))
    return shown


def show(name: str, value: object, language: str) -> str:
    if value is None or value == "":
        return "—"
    if name == "document_type":
        return TYPE_NAMES.get(language, TYPE_NAMES["en"])[value == "credit_note"]
    if isinstance(value, date):
        return format_date(value, format="long", locale=language)
    if isinstance(value, Decimal):
        return format_decimal(value, format="#,##0.00", locale=language)
    return str(value)
