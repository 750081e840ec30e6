"""Read a customer's reply to a reminder, deterministically, in fr, en, de, es, it, nl and pt.

The intents, the firmest first: a dispute ("we never received the goods", "wir bestreiten"), a claim
that it is already paid, a promise to pay with a date ("je paierai le 15", "payment will be made next
Friday"), and anything else. Each reading keeps the sentence that caused it, so the decision can be
shown with the customer's own words. A promise without a date we can read is not a promise: it goes to
a person like anything else we are unsure about.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from agent.documents.parsing import MONTHS_FOLDED
from agent.mail.quoting import strip_quoted

MAX_PROMISE_DAYS = 120  # a "promise" further away than this is not one we can hold a plan for


def fold(text: str) -> str:
    """Lower case without accents: 'Déjà réglé' -> 'deja regle'."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


# Folded phrases. A phrase is matched on word boundaries; the order of intents is the order of trust.
DISPUTE = (
    # en
    "dispute", "disagree", "not received", "never received", "haven't received", "have not received",
    "wrong amount", "incorrect", "damaged", "defective", "complaint", "did not order", "didn't order",
    "will not pay", "won't pay", "refuse to pay", "not pay this",
    # fr
    "conteste", "contestons", "litige", "pas recu", "jamais recu", "errone", "erronee", "defectueux",
    "endommage", "reclamation", "pas commande", "desaccord", "ne paierons pas", "ne payerons pas",
    "refusons de payer", "ne reglerons pas",
    # de
    "widerspruch", "widersprechen", "reklamation", "nicht erhalten", "nie erhalten", "fehlerhaft",
    "beschadigt", "mangelhaft", "nicht bestellt", "bestreiten", "nicht zahlen", "nicht bezahlen",
    # es
    "disputa", "reclamacion", "no hemos recibido", "no recibimos", "incorrecta", "incorrecto",
    "defectuoso", "danado", "no pedimos", "desacuerdo", "no pagaremos",
    # it
    "contestazione", "contestiamo", "reclamo", "non abbiamo ricevuto", "non ricevuto", "errata", "errato",
    "difettoso", "danneggiato", "non ordinato", "non pagheremo",
    # nl
    "betwist", "betwisten", "klacht", "niet ontvangen", "nooit ontvangen", "onjuist", "beschadigd",
    "niet besteld", "niet betalen",
    # pt
    "contestamos", "contestacao", "reclamacao", "nao recebemos", "nao recebido", "incorreto",
    "defeituoso", "danificado", "nao encomendamos", "nao pagaremos",
)  # fmt: skip
ALREADY_PAID = (
    # en
    "already paid", "already been paid", "have paid", "has been paid", "was paid", "were paid",
    "payment was made", "paid it on", "we paid", "already settled", "been settled", "already transferred",
    # fr
    "deja paye", "deja payee", "deja regle", "deja reglee", "avons paye", "avons regle", "a ete paye",
    "a ete payee", "a ete regle", "a ete reglee", "virement a ete effectue", "paiement a ete effectue",
    "avons effectue le virement", "avons effectue le paiement", "deja vire",
    # de
    "bereits bezahlt", "bereits uberwiesen", "schon bezahlt", "schon uberwiesen", "haben bezahlt",
    "haben uberwiesen", "wurde bezahlt", "wurde uberwiesen", "ist bezahlt", "bereits beglichen",
    # es
    "ya pagado", "ya pagada", "ya hemos pagado", "ya se pago", "ha sido pagada", "ha sido pagado",
    "realizamos el pago", "transferencia realizada", "ya abonada",
    # it
    "gia pagato", "gia pagata", "abbiamo pagato", "e stata pagata", "e stato pagato", "bonifico effettuato",
    "gia saldato", "gia saldata",
    # nl
    "al betaald", "reeds betaald", "hebben betaald", "is betaald", "al overgemaakt", "reeds overgemaakt",
    # pt
    "ja pago", "ja paga", "ja pagamos", "foi paga", "foi pago", "transferencia efetuada",
    "pagamento efetuado", "ja liquidada",
)  # fmt: skip
PROMISE = (
    # en
    "will pay", "will be paid", "will make the payment", "payment will be made", "will transfer",
    "will send the payment", "will settle", "we'll pay", "i'll pay", "going to pay", "plan to pay",
    "expect to pay", "payment is scheduled", "scheduled for payment", "will be settled",
    # fr
    "paierai", "paierons", "payerai", "payerons", "reglerai", "reglerons", "sera paye", "sera payee",
    "sera regle", "sera reglee", "sera effectue", "virement sera", "paiement sera", "procederons au",
    "effectuerons", "ferons le virement", "ferons le paiement", "programme pour le",
    # de
    "werden bezahlen", "werden zahlen", "werde bezahlen", "werde zahlen", "wird bezahlt",
    "wird uberwiesen", "werden uberweisen", "werde uberweisen", "uberweisen wir", "zahlen wir",
    "werden begleichen", "wird beglichen", "begleichen wir",
    # es
    "pagaremos", "pagare", "se pagara", "sera pagada", "sera pagado", "realizaremos el pago",
    "haremos la transferencia", "transferiremos", "abonaremos",
    # it
    "pagheremo", "paghero", "sara pagata", "sara pagato", "effettueremo", "provvederemo al pagamento",
    "faremo il bonifico", "salderemo",
    # nl
    "zullen betalen", "zal betalen", "wordt betaald", "zal worden betaald", "maken over",
    "zullen overmaken", "betalen we", "maken we over",
    # pt
    "pagaremos", "pagarei", "sera paga", "sera pago", "efetuaremos", "faremos a transferencia",
    "liquidaremos",
)  # fmt: skip

# "Already" and the verb apart ("a déjà été réglée", "wurde bereits am 3. überwiesen").
ALREADY_PAID_PATTERNS = (
    re.compile(
        r"\b(?:deja|already|bereits|schon|ya|gia|al|reeds|ja)\b.{0,30}?\b(?:paye|payee|regle|reglee|vire"
        r"|paid|settled|transferred|bezahlt|uberwiesen|beglichen|pagad[oa]|abonad[oa]|pagat[oa]"
        r"|saldat[oa]|betaald|overgemaakt|pag[oa]|liquidad[oa])\b"
    ),
)
# Promises whose verb comes at the end of the sentence (German, Dutch): "wir werden am 20. überweisen".
PROMISE_PATTERNS = (
    re.compile(r"\b(?:wir|ich)\s+werden?\b.{0,80}?\b(?:uberweisen|zahlen|bezahlen|begleichen)\b"),
    re.compile(r"\b(?:werden|werde)\s+wir\b.{0,80}?\b(?:uberweisen|zahlen|bezahlen|begleichen)\b"),
    re.compile(r"\b(?:wij|we|ik)\s+(?:zullen|zal)\b.{0,80}?\b(?:betalen|overmaken|voldoen)\b"),
)

WEEKDAYS = {
    0: ("monday", "lundi", "montag", "lunes", "lunedi", "maandag", "segunda"),
    1: ("tuesday", "mardi", "dienstag", "martes", "martedi", "dinsdag", "terca"),
    2: ("wednesday", "mercredi", "mittwoch", "miercoles", "mercoledi", "woensdag", "quarta"),
    3: ("thursday", "jeudi", "donnerstag", "jueves", "giovedi", "donderdag", "quinta"),
    4: ("friday", "vendredi", "freitag", "viernes", "venerdi", "vrijdag", "sexta"),
    5: ("saturday", "samedi", "samstag", "sabado", "sabato", "zaterdag"),
    6: ("sunday", "dimanche", "sonntag", "domingo", "domenica", "zondag"),
}
TOMORROW = ("tomorrow", "demain", "morgen", "manana", "domani", "amanha")
NEXT_WEEK = (
    "next week", "semaine prochaine", "nachste woche", "nachsten woche", "proxima semana",
    "settimana prossima", "prossima settimana", "volgende week",
)  # fmt: skip
END_OF_MONTH = (
    "end of the month", "end of month", "fin du mois", "fin de mois", "ende des monats", "monatsende",
    "fin de mes", "final de mes", "finales de mes", "final del mes",
    "fine mese", "fine del mese", "eind van de maand", "final do mes",
    "fim do mes",
)  # fmt: skip
IN_DAYS = re.compile(
    r"\b(?:in|dans|en|tra|fra|binnen|em|dentro de|d'ici)\s+(\d{1,3})\s+"
    r"(days?|jours?|tagen?|dias?|giorni|dagen|weeks?|semaines?|wochen?|semanas?|settimane|weken)\b"
)
DAY_OF_MONTH = re.compile(
    r"\b(?:le|on the|the|am|el|il|op de|op|dia|a|au|by the|before the|avant le|bis zum|bis)\s+"
    r"(\d{1,2})(?:er|st|nd|rd|th|e|\.|º|°)?(?!\s*[./-]?\d)(?!\s*(?:%|eur|€|jours|days|tage))"
)
NUMERIC = re.compile(r"\b(\d{1,2})[./-](\d{1,2})(?:[./-](\d{2,4}))?\b")
ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
MONTH_NAME = re.compile(
    r"\b(\d{1,2})(?:er|st|nd|rd|th|\.|º)?\s+(?:de\s+)?([a-z]+)(?:\s+(?:de\s+)?(\d{4}))?\b"
    r"|\b([a-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?\b"
)


@dataclass(frozen=True)
class ReplyReading:
    intent: str  # dispute | already_paid | promise | other
    words: str  # the customer's sentence that decided it (or the start of the reply)
    promised_for: date | None = None


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])(?<!\d\.)\s+|\n+", text) if s.strip()]


def _has(phrases: tuple[str, ...], folded: str) -> bool:
    return any(re.search(rf"(?<![a-z]){re.escape(p)}(?![a-z])", folded) for p in phrases)


def _next_day_of_month(day: int, after: date) -> date | None:
    year, month = after.year, after.month
    for _ in range(2):
        if day <= calendar.monthrange(year, month)[1]:
            candidate = date(year, month, day)
            if candidate >= after:
                return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _with_year(day: int, month: int, year: int | None, after: date) -> date | None:
    try:
        if year is not None:
            return date(year + 2000 if year < 100 else year, month, day)
        candidate = date(after.year, month, day)
        return candidate if candidate >= after else date(after.year + 1, month, day)
    except ValueError:
        return None


def find_date(text: str, after: date, *, month_first: bool = False) -> date | None:
    """The first date the text names on or after `after` (the day the customer wrote)."""
    folded = fold(text)
    for match in ISO.finditer(folded):
        found = _with_year(int(match[3]), int(match[2]), int(match[1]), after)
        if found:
            return found
    for match in MONTH_NAME.finditer(folded):
        if match[1] and match[2] in MONTHS_FOLDED:
            day, month, year = int(match[1]), MONTHS_FOLDED[match[2]], match[3]
        elif match[4] and match[4] in MONTHS_FOLDED:
            day, month, year = int(match[5]), MONTHS_FOLDED[match[4]], match[6]
        else:
            continue
        found = _with_year(day, month, int(year) if year else None, after)
        if found:
            return found
    for match in NUMERIC.finditer(folded):
        first, second = int(match[1]), int(match[2])
        day, month = (second, first) if month_first else (first, second)
        if month > 12 >= day:
            day, month = month, day
        found = _with_year(day, month, int(match[3]) if match[3] else None, after) if month <= 12 else None
        if found:
            return found
    if _has(TOMORROW, folded):
        return after + timedelta(days=1)
    match = IN_DAYS.search(folded)
    if match:
        count, unit = int(match[1]), match[2]
        weeks = unit.startswith(("week", "semai", "woche", "seman", "settim", "weken"))
        return after + timedelta(days=count * (7 if weeks else 1))
    if _has(END_OF_MONTH, folded):
        return date(after.year, after.month, calendar.monthrange(after.year, after.month)[1])
    if _has(NEXT_WEEK, folded):
        return after + timedelta(days=(4 - after.weekday()) % 7 + 7)  # Friday of next week
    for weekday, names in WEEKDAYS.items():
        if _has(names, folded):
            return after + timedelta(days=(weekday - after.weekday() - 1) % 7 + 1)
    match = DAY_OF_MONTH.search(folded)
    if match:
        return _next_day_of_month(int(match[1]), after)
    return None


def read_reply(text: str, *, written_on: date, month_first: bool = False) -> ReplyReading:
    """What a customer's reply to a reminder says, with the words that say it."""
    own = strip_quoted(text)
    parts = sentences(own) or [own]
    for intent, phrases in (("dispute", DISPUTE), ("already_paid", ALREADY_PAID), ("promise", PROMISE)):
        for sentence in parts:
            folded = fold(sentence)
            patterns = {"promise": PROMISE_PATTERNS, "already_paid": ALREADY_PAID_PATTERNS}.get(intent, ())
            said = _has(phrases, folded) or any(p.search(folded) for p in patterns)
            if not said:
                continue
            if intent != "promise":
                return ReplyReading(intent, sentence)
            # The date is in the promise's sentence, or failing that anywhere in the reply.
            promised = find_date(sentence, written_on, month_first=month_first) or find_date(
                own, written_on, month_first=month_first
            )
            if promised and promised <= written_on + timedelta(days=MAX_PROMISE_DAYS):
                return ReplyReading("promise", sentence, promised)
            return ReplyReading("other", sentence)  # a promise without a date we can hold
    return ReplyReading("other", own[:300])


OUT_OF_OFFICE = (
    "out of office", "out of the office", "away from the office", "on leave", "on holiday", "on vacation",
    "absent", "absence", "conges", "abwesend", "abwesenheit", "abwesenheitsnotiz",
    "urlaub", "nicht im buro", "ausser haus", "fuera de la oficina",
    "ausente", "vacaciones", "fuori ufficio", "fuori sede", "assente", "ferie", "afwezig", "met vakantie",
    "ausencia", "fora do escritorio", "de ferias", "automatic reply", "automatische antwort",
    "reponse automatique", "respuesta automatica", "risposta automatica", "automatisch antwoord",
    "resposta automatica",
)  # fmt: skip


def is_out_of_office(subject: str, text: str) -> bool:
    return _has(OUT_OF_OFFICE, fold(subject)) or _has(OUT_OF_OFFICE, fold(text[:600]))


def return_date(text: str, written_on: date, *, month_first: bool = False) -> date | None:
    """The latest date an out-of-office names within 60 days: when the person is back."""
    own = fold(strip_quoted(text))
    found: list[date] = []
    rest = own
    while rest:
        when = find_date(rest, written_on, month_first=month_first)
        if when is None:
            break
        found.append(when)
        # Look for later dates after the first numeric or named date in the text.
        cut = re.search(r"\d", rest)
        rest = rest[cut.end() + 2 :] if cut else ""
    plausible = [d for d in found if written_on < d <= written_on + timedelta(days=60)]
    return max(plausible) if plausible else None


def reconcile(rule: ReplyReading, model: ReplyReading | None, text: str, written_on: date) -> ReplyReading:
    """The LLM's reading, where the deterministic one does not contradict it; otherwise the safer one.

    The model must quote words that are really in the reply, and a promised date must be plausible.
    A dispute or "already paid" found by the rules is never overruled (either way a person reads it);
    a promise the two readings disagree about goes to a person."""
    if model is None:
        return rule
    squashed = " ".join(text.split())
    if not model.words.strip() or " ".join(model.words.split()) not in squashed:
        return rule
    if rule.intent in ("dispute", "already_paid"):
        return rule
    if model.intent == "promise":
        plausible = model.promised_for is not None and (
            written_on <= model.promised_for <= written_on + timedelta(days=MAX_PROMISE_DAYS)
        )
        if not plausible or (rule.intent == "promise" and rule.promised_for != model.promised_for):
            return ReplyReading("other", model.words)
        return model
    if rule.intent == "promise" and model.intent == "other":
        return ReplyReading("other", rule.words)
    return model
