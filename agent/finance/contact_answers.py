"""Read finance's free-text answer to a contact request, deterministically.

"Marie Dupont, marie.dupont@acme.fr, français", "contact is John Smith <john@acme.co.uk>, English" or a
bare address all work. Quoted text and signatures are removed first, so the request we sent (which
contains an example address) is never mistaken for the answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from agent.ledger.accounts import COUNTRY_LANGUAGE
from agent.mail.quoting import strip_quoted

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
LANGUAGE_WORDS = {
    "fr": ("français", "francais", "french", "französisch", "francés", "francese", "frans", "francês", "fr"),
    "en": ("english", "anglais", "englisch", "inglés", "ingles", "inglese", "engels", "inglês", "en"),
    "de": ("deutsch", "german", "allemand", "alemán", "aleman", "tedesco", "duits", "alemão", "de"),
    "es": ("español", "espanol", "spanish", "espagnol", "spanisch", "spagnolo", "spaans", "espanhol", "es"),
    "it": ("italiano", "italian", "italien", "italienisch", "italiaans", "it"),
    "nl": ("nederlands", "dutch", "néerlandais", "niederländisch", "holandés", "olandese", "nl"),
    "pt": ("português", "portugues", "portuguese", "portugais", "portugiesisch", "portoghese", "pt"),
}
FILLER = re.compile(
    r"(?:c['’]est|it['’]s|voici|here is|hier ist)\s"
    r"|\b(?:contact(?:o)?|is|est|ist|es|è|le|la|the|name|nom|ansprechpartner(?:in)?|bitte|please|merci|thanks"
    r"|danke|language|langue|sprache|:)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ContactAnswer:
    email: str | None
    name: str | None
    language: str | None

    def missing(self) -> list[str]:
        return [field for field, value in (("email", self.email),) if not value]


def find_language(text: str) -> str | None:
    words = re.findall(r"[^\W\d_]+", text.lower())
    # Full language names first: "en" and "de" are also common words in French, Spanish and Dutch.
    for language, names in LANGUAGE_WORDS.items():
        if any(word in names[:-1] for word in words):
            return language
    for language, names in LANGUAGE_WORDS.items():
        code = names[-1]
        if re.search(rf"(?:^|[,;(\s])(?:{code}|{code.upper()})\s*\)?\s*$", text.strip(), re.MULTILINE):
            return language
    return None


def parse_contact_answer(text: str) -> ContactAnswer:
    answer = strip_quoted(text)
    emails = EMAIL.findall(answer)
    email = emails[0].lower() if emails else None
    language = find_language(EMAIL.sub(" ", answer))
    name = None
    if email:
        for line in answer.splitlines():
            if email in line.lower():
                before = line[: line.lower().index(email)]
                before = re.sub(r"[<(\[]\s*$", "", before)
                candidate = FILLER.sub(" ", before)
                candidate = " ".join(re.sub(r"[,;:<>()\[\]\"|]", " ", candidate).split()).strip(" -–—")
                if candidate and not EMAIL.search(candidate) and find_language(candidate) is None:
                    name = candidate
                break
    return ContactAnswer(email=email, name=name or None, language=language)


def language_for_country(country: str | None) -> str | None:
    return COUNTRY_LANGUAGE.get((country or "").upper())


def combine_answers(rule: ContactAnswer, model: ContactAnswer | None, text: str) -> ContactAnswer:
    """The rules' reading, completed by the LLM's where it is checkable: an address or a name the
    model gives must be written in the answer, a language must be one we know. An address the rules
    found is never replaced."""
    if model is None:
        return rule
    own = strip_quoted(text)
    lowered = own.lower()
    email = rule.email
    if email is None and model.email and EMAIL.fullmatch(model.email) and model.email.lower() in lowered:
        email = model.email.lower()
    name = rule.name
    if name is None and model.name and model.name.lower() in lowered:
        name = model.name
    language = rule.language
    if language is None and model.language in LANGUAGE_WORDS:
        language = model.language
    return ContactAnswer(email=email, name=name, language=language)


ContactReader = Callable[[str], ContactAnswer | None]  # an answer's text in, the LLM's reading out


def read_contact_answer(text: str, model_reader: ContactReader | None = None) -> ContactAnswer:
    """Finance's answer to a contact request: the rules first; the LLM, when configured, only for what
    they missed (the address or the language)."""
    rule = parse_contact_answer(text)
    if model_reader is None or (rule.email is not None and rule.language is not None):
        return rule
    return combine_answers(rule, model_reader(text), text)
