"""Read finance's answer to the weekly digest: one order per line, "pause FA-2026-118", in seven languages.

    read_orders(text, known_numbers)  -> Orders(orders=[Order(verb, number, line)], refused=[Refusal])

Only three verbs, each with the words people use for it in fr, en, de, es, it, nl and pt: pause (hold the
invoice's reminders), resume, and skip (the next step that has not gone out). An order names one invoice
by its number, exactly as relance knows it; a line that names no known invoice, names several, or has no
verb is refused with the reason, never guessed. Quoted text (the digest itself, which lists invoice
numbers) is removed first, so the digest is never read as its own answer. Greetings and signatures are
lines without an invoice number and without a verb: they are passed over in silence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Literal

from agent.mail.quoting import strip_quoted

Verb = Literal["pause", "resume", "skip"]

# Longest first within each verb, compared on accent-free lower case words.
VERBS: dict[Verb, tuple[str, ...]] = {
    "pause": (
        "mettre en pause", "put on hold", "in pausa", "pause", "hold", "suspendre", "suspends", "suspendez",
        "pausieren", "anhalten", "pausar", "pausa", "sospendi", "sospendere", "pauzeer", "pauzeren",
        "pauze", "suspender", "suspenda",
    ),
    "resume": (
        "resume", "restart", "reprendre", "reprends", "reprenez", "fortsetzen", "fortfahren",
        "reanudar", "reanuda", "riprendi", "riprendere", "hervat", "hervatten", "retomar", "retome",
    ),
    "skip": (
        "sla over", "skip", "sauter", "saute", "sautez", "uberspringen", "auslassen", "omitir",
        "omite", "saltar", "salta", "saltare", "overslaan", "pular", "omita",
    ),
}  # fmt: skip
LETTERS = re.compile(r"[^\W\d_]+")
NUMBER_LIKE = re.compile(r"[A-Za-z0-9][A-Za-z0-9/._-]*\d[A-Za-z0-9/._-]*")


@dataclass(frozen=True)
class Order:
    verb: Verb
    number: str
    line: str


@dataclass(frozen=True)
class Refusal:
    """Why a line is not acted on: a key the e-mail templates word in each language, and its value."""

    line: str
    why: Literal["no_verb", "several_verbs", "several_invoices", "unknown_invoice", "no_invoice"]
    number: str | None = None  # the number that names no invoice we know

    def in_english(self) -> str:  # for the audit trail and the tests; e-mails use the templates
        return {
            "no_verb": "no order word (pause, resume, skip)",
            "several_verbs": "more than one order on one line",
            "several_invoices": "several invoices on one line: one order per line",
            "unknown_invoice": f"no invoice known by the number {self.number}",
            "no_invoice": "no invoice number",
        }[self.why]


@dataclass
class Orders:
    orders: list[Order] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


def candidate_numbers(text: str) -> set[str]:
    """Every word of the reply's own part that could be an invoice number: what to look up."""
    return {token for line in strip_quoted(text).splitlines() for token in _tokens(line)}


def read_orders(text: str, known_numbers: Collection[str]) -> Orders:
    """The orders in finance's own words (quoted digest removed), each checked against known invoices."""
    known = {number.casefold(): number for number in known_numbers}
    result = Orders()
    for raw in strip_quoted(text).splitlines():
        line = raw.strip()
        if not line:
            continue
        verbs = _verbs_in(line)
        numbers = _numbers_in(line, known)
        candidates = _tokens(line)
        if not verbs and not numbers:
            continue  # a greeting, a thank-you, a signature
        if len(verbs) != 1:
            result.refused.append(Refusal(line, "no_verb" if not verbs else "several_verbs"))
        elif len(numbers) > 1:
            result.refused.append(Refusal(line, "several_invoices"))
        elif not numbers:
            unknown = [c for c in candidates if c.casefold() not in known]
            result.refused.append(
                Refusal(line, "unknown_invoice", unknown[0]) if unknown else Refusal(line, "no_invoice")
            )
        else:
            result.orders.append(Order(verbs[0], numbers[0], line))
    return result


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _verbs_in(line: str) -> list[Verb]:
    words = " " + " ".join(LETTERS.findall(_fold(line))) + " "
    return [verb for verb, phrases in VERBS.items() if any(f" {phrase} " in words for phrase in phrases)]


def _tokens(line: str) -> list[str]:
    """What could be an invoice number, without the punctuation that ends a sentence."""
    return [token.rstrip("._-/") for token in NUMBER_LIKE.findall(line)]


def _numbers_in(line: str, known: dict[str, str]) -> list[str]:
    found = [known[token.casefold()] for token in _tokens(line) if token.casefold() in known]
    return list(dict.fromkeys(found))
