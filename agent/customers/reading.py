"""Read a customer's reply to a reminder, deterministically, in fr, en, de, es, it, nl and pt.

What a reply can say, the firmest first: a dispute (with its reason), "already paid" (with the date,
amount and reference it gives), a promise to pay (with its date), a request for a copy of the invoice,
a change of contact ("please write to ap@..."), a question. A reply may say several: each is kept,
with the sentence that says it, so every decision can be shown in the customer's own words. A
promise without a date we can read is kept as a promise but holds nothing: a person reads it.

Each sentence is read for its parts (patterns in `phrases.py`): a payment verb and its tense, a
document and a request to send it, a reason to dispute. A payment in the present tense is decided by
its date: "je fais le virement demain" is a promise, "pagamos el 3 de noviembre" was a payment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from agent.customers import phrases
from agent.customers.dates import find_dates, paid_date, promised_date
from agent.mail.autoreply import automatic_kind
from agent.mail.autoreply import fold as fold
from agent.mail.quoting import strip_quoted

MAX_PROMISE_DAYS = 120  # a "promise" further away than this is not one we can hold a plan for
DISPUTE, ALREADY_PAID, PROMISE = "dispute", "already_paid", "promise"
COPY_REQUEST, CONTACT_CHANGE, QUESTION, OTHER = "copy_request", "contact_change", "question", "other"
ORDER = (DISPUTE, ALREADY_PAID, PROMISE, COPY_REQUEST, CONTACT_CHANGE, QUESTION)
EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
PAY_WORD = re.compile(r"(?<![a-z])(?:" + phrases.PAY + r")(?![a-z])")
AMOUNT = re.compile(
    r"(?:(?:€|eur|usd|gbp|chf|£|\$)\s?)"
    r"(\d{1,3}(?:[ .,\u00a0\u202f]\d{3})*(?:[.,]\d{2})?|\d+(?:[.,]\d{2})?)"
    r"|(\d{1,3}(?:[ .,\u00a0\u202f]\d{3})*[.,]\d{2}|\d+[.,]\d{2})(?:\s?(?:€|eur|usd|gbp|chf|£|\$))?",
    re.IGNORECASE,
)
REFERENCE_WORDS = (
    r"ref(?:erence|erencia|erencia bancaria|erenz|\.)?|réf(?:érence)?\.?(?: bancaire)?|bank ?ref(?:erence)?"
    r"|remittance ref"
    r"|verwendungszweck|bankreferenz|concepto|riferimento|causale|cro|kenmerk|omschrijving|bankreferentie"
    r"|referência|referencia|descritivo|ref\. bancária|ref\. bancaria|réf\. bancaire"
    r"|confirmation (?:number|no\.?|code)|numéro de confirmation|bestätigungsnummer|número de confirmación"
    r"|numero di conferma|bevestigingsnummer|número de confirmação|transaction(?: id| number)?"
    r"|transaktion(?:snummer)?"
    r"|transacci[oó]n|transazione|transactie|transa[cç][aã]o"
)  # fmt: skip
REFERENCE_AFTER = re.compile(
    rf"(?:{REFERENCE_WORDS})"
    r"(?:\s+(?:is|est|es|ist|war|was|è|é|e|era|n°|nr\.?|no\.?|number|numéro|nummer)\b)?\s*[:#]?\s*"
    r"([A-Z0-9][\w/-]*\d[\w/-]*)",
    re.IGNORECASE,
)
REFERENCE_BEFORE = re.compile(
    r"\b([A-Z0-9][\w/-]*\d[\w/-]*)\s+(?:as|als|como|come|comme|en|in)\s+"
    rf"(?:(?:our|notre|unser|nuestro)\s+)?(?:{REFERENCE_WORDS})",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Finding:
    """One thing a reply says, with the sentence that says it."""

    intent: str
    words: str
    promised_for: date | None = None
    paid_on: date | None = None
    amount: Decimal | None = None
    reference: str | None = None
    address: str | None = None  # the new contact address a reply gives


@dataclass(frozen=True)
class ReplyReading:
    intent: str  # the decision on the plan: dispute | already_paid | promise (with a date) | other
    words: str  # the customer's sentence that decided it (or the start of the reply)
    promised_for: date | None = None
    findings: tuple[Finding, ...] = field(default=())

    @property
    def intents(self) -> tuple[str, ...]:
        return tuple(f.intent for f in self.findings)

    def finding(self, intent: str) -> Finding | None:
        return next((f for f in self.findings if f.intent == intent), None)


# A question joined to a statement by a comma ("the total is wrong, and why is there a fee?") is its own
# sentence: each part may say something else.
JOINED_QUESTION = re.compile(
    r",\s*(?=¿?\s*(?:and|et|und|y|e|en|ma|mais|but|aber|pero|maar|mas)?\s*¿?\s*"
    r"(?:why|what|how|who|when|where|pourquoi|comment|quand|warum|wieso|wie|wann|wer|por ?que|por qué|como"
    r"|cuando|perche|perché|come|quando|waarom|hoe|wanneer|porque|porquê)\b[^.!]*\?)",
    re.IGNORECASE,
)


def sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])(?<!\d\.)(?<!\b[a-z]\.)\s+|\n+", text)
    return [p.strip() for part in parts for p in JOINED_QUESTION.split(part) if p.strip()]


def _amount(text: str) -> Decimal | None:
    for match in AMOUNT.finditer(text):
        raw = match[1] or match[2]
        if re.fullmatch(r"\d{1,2}[.,]\d{2}", raw) and re.search(re.escape(raw) + r"[./-]\d", text):
            continue  # 13.11.2026 is a date
        digits = re.sub(r"[ \u00a0\u202f]", "", raw)
        if re.search(r"[.,]\d{2}$", digits):
            whole, cents = digits[:-3], digits[-2:]
            digits = re.sub(r"[.,]", "", whole) + "." + cents
        else:
            digits = re.sub(r"[.,]", "", digits)
        try:
            value = Decimal(digits)
        except InvalidOperation:
            continue
        if value > 0:
            return value
    return None


CODE_LIKE = re.compile(r"\b[A-Z]{2,6}-\d{3,}\b")  # "TX-4451", "AB-55120": a reference without its word


def _reference(text: str) -> str | None:
    for pattern in (REFERENCE_AFTER, REFERENCE_BEFORE, CODE_LIKE):
        match = pattern.search(text)
        found = match and (match.group(1) if match.groups() else match.group(0))
        if found and not re.fullmatch(r"\d{1,2}[./-]\d{1,2}(?:[./-]\d{2,4})?", found):
            return found.rstrip(".,;)")
    return None


def _tense(folded: str, written_on: date, *, month_first: bool) -> str | None:
    """promise | already_paid | None: what a sentence says about paying. A sentence that names no
    payment says nothing about it ("is the discount already applied?"); a question does not promise."""
    if phrases.WONT_PAY.search(folded) or not PAY_WORD.search(folded):
        return None
    past = bool(phrases.PAST_PAY.search(folded))
    future = bool(phrases.FUTURE_PAY.search(folded)) and "?" not in folded
    if past != future:
        return ALREADY_PAID if past else PROMISE
    named = [f for f in find_dates(folded, written_on, month_first=month_first)]
    if named and "?" not in folded:  # a payment in the present tense, or both tenses: the date decides
        return PROMISE if named[-1].day >= written_on else ALREADY_PAID
    return ALREADY_PAID if past else None


def _asks_for_copy(folded: str, *, dispute: bool) -> bool:
    """A request for the invoice itself. "A duplicate of invoice 2231" in a dispute is a double
    billing, not a request; "can you email it to me?" asks for the document the reply is about."""
    match = phrases.COPY.search(folded)
    if match and not (dispute and match.group(0).startswith("duplic")):
        return True
    return "?" in folded and bool(phrases.SEND.search(folded))


def _is_dispute(folded: str) -> bool:
    return (bool(phrases.DISPUTE.search(folded)) and not phrases.NOT_A_DISPUTE.search(folded)) or bool(
        phrases.WONT_PAY.search(folded)
    )


def read_reply(
    text: str, *, written_on: date, month_first: bool = False, sender: str = "", ours: tuple[str, ...] = ()
) -> ReplyReading:
    """What a customer's reply to a reminder says, with the words that say it. `sender` and `ours`
    are addresses that are not a new contact (the customer's own, ours)."""
    own = strip_quoted(text)
    findings: dict[str, Finding] = {}
    known = {a.lower() for a in (sender, *ours) if a}
    for sentence in sentences(own) or [own]:
        folded = fold(sentence)
        found_here: list[str] = []
        addresses = [a.lower() for a in EMAIL.findall(sentence) if a.lower() not in known]
        if _is_dispute(folded):
            found_here.append(DISPUTE)
            findings.setdefault(DISPUTE, Finding(DISPUTE, sentence))
        if addresses:  # "please send the invoices to ap@...": where to write, not a copy or a payment
            findings.setdefault(CONTACT_CHANGE, Finding(CONTACT_CHANGE, sentence, address=addresses[-1]))
            continue
        tense = None if DISPUTE in found_here else _tense(folded, written_on, month_first=month_first)
        if tense == ALREADY_PAID:
            findings.setdefault(ALREADY_PAID, Finding(ALREADY_PAID, sentence))
            found_here.append(tense)
        elif tense == PROMISE:
            when = promised_date(
                sentence, own, written_on, month_first=month_first, horizon_days=MAX_PROMISE_DAYS
            )
            if PROMISE not in findings or (findings[PROMISE].promised_for is None and when):
                findings[PROMISE] = Finding(PROMISE, sentence, promised_for=when)
            found_here.append(tense)
        if _asks_for_copy(folded, dispute=DISPUTE in found_here):
            findings.setdefault(COPY_REQUEST, Finding(COPY_REQUEST, sentence))
            found_here.append(COPY_REQUEST)
        if not found_here and "?" in sentence and not phrases.CHECK_REQUEST.search(folded):
            findings.setdefault(QUESTION, Finding(QUESTION, sentence))
    if ALREADY_PAID in findings:
        findings[ALREADY_PAID] = _payment_details(findings[ALREADY_PAID], own, written_on, month_first)
    ordered = tuple(findings[i] for i in ORDER if i in findings)
    if not ordered:
        return ReplyReading(OTHER, own[:300])
    first = ordered[0]
    undated_promise = first.intent == PROMISE and first.promised_for is None
    if first.intent not in (DISPUTE, ALREADY_PAID, PROMISE) or undated_promise:
        # A question, a copy request, a change of contact or a promise without a date: no decision on the
        # invoice's plan by itself (replies.py acts on each finding).
        return ReplyReading(OTHER, first.words, None, ordered)
    return ReplyReading(first.intent, first.words, first.promised_for, ordered)


def _payment_details(finding: Finding, own: str, written_on: date, month_first: bool) -> Finding:
    """The date, amount and reference an "already paid" gives, from its sentence or the reply."""
    sentence = finding.words
    paid_on = paid_date(sentence, written_on, month_first=month_first)
    return replace(
        finding,
        paid_on=paid_on,
        amount=_amount(sentence) or _amount(own),
        reference=_reference(sentence) or _reference(own),
    )


def is_out_of_office(subject: str, text: str, headers: dict[str, str] | None = None) -> bool:
    """An automatic answer whose wording says someone is away (kept for the callers of the graph)."""
    return automatic_kind(headers or {}, subject, strip_quoted(text) or text) == "out_of_office"


def return_date(text: str, written_on: date, *, month_first: bool = False) -> date | None:
    """The latest date an out-of-office names within 60 days: when the person is back."""
    own = strip_quoted(text) or text
    found = [f.day for f in find_dates(own, written_on, month_first=month_first)]
    plausible = [d for d in found if written_on < d <= written_on + timedelta(days=60)]
    return max(plausible) if plausible else None


def reconcile(rule: ReplyReading, model: ReplyReading | None, text: str, written_on: date) -> ReplyReading:
    """The LLM's reading, where the deterministic one does not contradict it; otherwise the safer one.

    The model must quote words that are really in the reply, and a promised date must be plausible.
    A dispute or "already paid" found by the rules is never overruled (either way a person reads it);
    a promise the two readings disagree about goes to a person. The rules' other findings are kept."""
    if model is None:
        return rule
    squashed = " ".join(text.split())
    if not model.words.strip() or " ".join(model.words.split()) not in squashed:
        return rule
    if rule.intent in (DISPUTE, ALREADY_PAID):
        return rule
    if model.intent == DISPUTE and DISPUTE not in rule.intents:
        dispute = Finding(DISPUTE, model.words)
        return ReplyReading(DISPUTE, model.words, None, (dispute, *rule.findings))
    if model.intent == PROMISE:
        plausible = model.promised_for is not None and (
            written_on <= model.promised_for <= written_on + timedelta(days=MAX_PROMISE_DAYS)
        )
        if not plausible or (rule.intent == PROMISE and rule.promised_for != model.promised_for):
            return ReplyReading(OTHER, model.words, None, rule.findings)
        promise = Finding(PROMISE, model.words, promised_for=model.promised_for)
        others = tuple(f for f in rule.findings if f.intent != PROMISE)
        return ReplyReading(PROMISE, model.words, model.promised_for, (promise, *others))
    if rule.intent == PROMISE and model.intent == OTHER:
        return ReplyReading(OTHER, rule.words, None, tuple(f for f in rule.findings if f.intent != PROMISE))
    if rule.intent != OTHER:
        return rule
    findings = model.findings or ((Finding(model.intent, model.words),) if model.intent != OTHER else ())
    return ReplyReading(model.intent, model.words, model.promised_for, findings)
