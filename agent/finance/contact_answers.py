"""Read finance's free-text answer to a contact request, deterministically.

"Marie Dupont, marie.dupont@acme.fr, français", "contact is John Smith <john@acme.co.uk>, English",
"Herr Lukas Schmitt aus der Buchhaltung, l.schmitt@…" or a bare address all work. Quoted text and
signatures are removed first, so the request we sent (which contains an example address) is never
mistaken for the answer. An automatic reply (an out-of-office of finance's colleague) is no answer.

The address is one the answer does not reject: "the address on file, info@…, is not read; write to
contabilidad@…" gives contabilidad@…. The name is a name: a run of two to four capitalised words
(with their particles: "Jan de Vries", "Ana dos Santos"), titles set apart ("Herr", "Sra.", "dott." go
to `salutation`), and never the words around it ("use", "Hola hay que escribir a", "Perdona en ficha
aparece"). What does not look like a name is left empty: the greeting then falls back to the
neutral salutation, which is always right.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from agent.ledger.accounts import COUNTRY_LANGUAGE
from agent.mail.autoreply import automatic_kind, fold
from agent.mail.quoting import strip_quoted

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
LANGUAGE_WORDS = {
    "fr": ("français", "francais", "french", "französisch", "francés", "francese", "frans", "francês",
           "francesa", "fr"),
    "en": ("english", "anglais", "englisch", "inglés", "ingles", "inglese", "engels", "inglês", "inglesa",
           "en"),
    "de": ("deutsch", "german", "allemand", "alemán", "aleman", "tedesco", "duits", "alemão", "alemana",
           "de"),
    "es": ("español", "espanol", "spanish", "espagnol", "spanisch", "spagnolo", "spaans", "espanhol",
           "castellano", "española", "es"),
    "it": ("italiano", "italian", "italien", "italienisch", "italiaans", "italiana", "it"),
    "nl": ("nederlands", "dutch", "néerlandais", "niederländisch", "holandés", "olandese", "holandês", "nl"),
    "pt": ("português", "portugues", "portuguese", "portugais", "portugiesisch", "portoghese", "portugués",
           "portuguesa", "pt"),
}  # fmt: skip
# Words around an address that say not to use it: a negation before it, "is not read" after it, or
# "the one on file" (the address we have, which the answer is correcting).
REJECTED_BEFORE = re.compile(
    r"(?:not|never|don't use|do not use|instead of|rather than|pas (?:a|à)|plutot que|nicht (?:an|die|"
    r"mehr)|statt|"
    r"anstatt|no (?:a|usen|uséis|escribais)|en vez de|non (?:a|usate|scrivete)|invece di|niet (?:naar|aan|"
    r"meer)|"
    r"in plaats van|nao (?:usem|para|a)|não (?:usem|para|a)|em vez de|on file|que tenéis|que teneis|"
    r"en ficha|de la ficha"
    r"|que vous avez|die sie haben|in der kartei|in anagrafica|in ons systeem|na ficha|"
    r"que têm)\W+(?:\w+\W+){0,4}$",
    re.IGNORECASE,
)  # fmt: skip
REJECTED_AFTER = re.compile(
    r"^\W*(?:\w+\W+){0,6}?(?:(?:is|es|est|ist|è|e|é) (?:not|no|pas|nicht|non|niet|não|nao)\b|not (?:read|"
    r"monitored|used)"
    r"|nobody|no one|no lo lee|no la lee|no lo leen|nadie|personne|niemand|nessuno|ninguém|ninguem|"
    r"n'est (?:plus|pas)"
    r"|wird nicht|non (?:è|e) (?:letta|più)|wordt niet|não é lid|is (?:old|outdated|wrong)|es de marketing|"
    r"is for marketing)",
    re.IGNORECASE,
)  # fmt: skip
TITLES = {
    "mr", "mrs", "ms", "miss", "dr", "mr.", "mrs.", "ms.", "dr.", "herr", "frau", "m.", "mme", "mme.", "mlle",
    "monsieur", "madame", "sr.", "sra.", "sr", "sra", "srta.", "d.", "dña.", "dª", "don", "doña", "dott.",
    "dott",
    "dott.ssa", "sig.", "sig.ra", "signor", "signora", "ing.", "avv.", "dhr.", "dhr", "mevr.", "mevr",
    "mevrouw",
    "meneer", "de heer", "sr.ª", "srª", "exmo.", "exma.",
}  # fmt: skip
PARTICLES = {
    "de",
    "da",
    "do",
    "dos",
    "das",
    "del",
    "della",
    "di",
    "van",
    "von",
    "der",
    "den",
    "ter",
    "le",
    "la",
    "du",
    "y",
    "e",
    "zu",
}
# Capitalised words that are not names: greetings, openings, departments, languages, common nouns.
NOT_NAMES = {
    fold(w)
    for w in [
        "hi",
        "hello",
        "hey",
        "dear",
        "please",
        "thanks",
        "thank",
        "use",
        "contact",
        "it's",
        "its",
        "the",
        "our",
        "your",
        "we",
        "they",
        "accounts",
        "payable",
        "finance",
        "team",
        "billing",
        "department",
        "english",
        "french",
        "german",
        "spanish",
        "italian",
        "dutch",
        "portuguese",
        "not",
        "no",
        "yes",
        "ok",
        "bonjour",
        "salut",
        "merci",
        "c'est",
        "voici",
        "le",
        "la",
        "les",
        "il",
        "elle",
        "contact",
        "comptabilité",
        "service",
        "facturation",
        "madame",
        "monsieur",
        "hallo",
        "guten",
        "tag",
        "bitte",
        "danke",
        "ansprechpartner",
        "ansprechpartnerin",
        "ist",
        "die",
        "der",
        "das",
        "buchhaltung",
        "abteilung",
        "kontakt",
        "sprache",
        "deutsch",
        "neue",
        "adresse",
        "rechnung",
        "rechnungen",
        "firma",
        "kunde",
        "e-mail",
        "mail",
        "leiterin",
        "leiter",
        "finanzen",
        "hola",
        "buenos",
        "días",
        "buenas",
        "gracias",
        "perdona",
        "perdone",
        "el",
        "los",
        "las",
        "es",
        "contacto",
        "contabilidad",
        "persona",
        "idioma",
        "correo",
        "ciao",
        "buongiorno",
        "salve",
        "grazie",
        "il",
        "lo",
        "gli",
        "è",
        "referente",
        "amministrazione",
        "lingua",
        "signora",
        "hoi",
        "goedemorgen",
        "goedendag",
        "dag",
        "het",
        "is",
        "er",
        "geen",
        "stuur",
        "administratie",
        "taal",
        "olá",
        "ola",
        "boa",
        "tarde",
        "bom",
        "dia",
        "obrigado",
        "obrigada",
        "o",
        "os",
        "as",
        "é",
        "contabilidade",
        "língua",
        "pode",
        "usar",
        "email",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
}
NAME_WORD = re.compile(r"^[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]+(?:[-'’][A-ZÀ-ÖØ-Þa-zà-öø-ÿ][a-zà-öø-ÿ]+)*$")
TOKEN = re.compile(r"[\w.'’-]+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class ContactAnswer:
    email: str | None
    name: str | None
    language: str | None
    salutation: str | None = None  # the title the answer gives the person ("Herr", "Sra.", "Mme")
    automatic: bool = False  # an automatic reply: no answer at all

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
        if re.search(rf"(?:^|[,;(\s])(?:{code}|{code.upper()})\s*\)?\s*\.?\s*$", text.strip(), re.MULTILINE):
            return language
    return None


def usable_addresses(text: str) -> list[str]:
    """The addresses the answer gives, without those it says not to use."""
    kept = []
    for match in EMAIL.finditer(text):
        before = re.split(r"[.;:!?\n]\s", text[: match.start()])[-1][-60:]
        after = re.split(r"(?<=[^\w@])[.;!?\n]|:\s", text[match.end() :])[0][:80]
        if REJECTED_BEFORE.search(before) or REJECTED_AFTER.search(after):
            continue
        kept.append(match.group(0).lower().rstrip("."))
    return list(dict.fromkeys(kept))


def looks_like_name(candidate: str | None) -> bool:
    """Two to four name-shaped words (particles allowed inside), none of them a common word."""
    if not candidate:
        return False
    words = candidate.split()
    if not 2 <= len(words) <= 5 or words[0].lower() in PARTICLES or words[-1].lower() in PARTICLES:
        return False
    named = [w for w in words if w.lower() not in PARTICLES]
    return len(named) <= 4 and all(NAME_WORD.match(w) and fold(w) not in NOT_NAMES for w in named)


def _name_runs(text: str) -> list[tuple[int, str, str | None]]:
    """(position, name, title) for every run of name-shaped words in the text."""
    runs: list[tuple[int, str, str | None]] = []
    tokens = [(m.start(), m.group(0)) for m in TOKEN.finditer(text)]
    index = 0
    while index < len(tokens):
        title = None
        lowered = tokens[index][1].lower()
        if lowered in TITLES or (
            f"{lowered}." in TITLES and index + 1 < len(tokens) and tokens[index + 1][1] == "."
        ):
            title = tokens[index][1] + (
                "." if index + 1 < len(tokens) and tokens[index + 1][1] == "." else ""
            )
            index += 2 if title.endswith(".") and not tokens[index][1].endswith(".") else 1
        run: list[str] = []
        start = tokens[index][0] if index < len(tokens) else len(text)
        while index < len(tokens):
            word = tokens[index][1]
            if (NAME_WORD.match(word) and fold(word) not in NOT_NAMES) or (
                word.lower() in PARTICLES
                and run
                and index + 1 < len(tokens)
                and NAME_WORD.match(tokens[index + 1][1])
            ):
                run.append(word)
            else:
                break
            index += 1
        if looks_like_name(" ".join(run)):
            runs.append((start, " ".join(run), title))
        index += 1 if not run else 0
    return runs


def find_name(text: str, address: str | None) -> tuple[str | None, str | None]:
    """The name (and title) nearest to the chosen address, in the answer without its addresses."""
    position = text.lower().find(address) if address else -1
    runs = _name_runs(EMAIL.sub(lambda m: " " * len(m.group(0)), text))
    if not runs:
        return None, None
    _start, name, title = min(runs, key=lambda run: abs(run[0] - position) if position >= 0 else run[0])
    return name, title


def parse_contact_answer(text: str) -> ContactAnswer:
    answer = strip_quoted(text) or text.strip()
    if automatic_kind({}, "", answer) is not None:  # an out-of-office or a ticket: nobody answered
        return ContactAnswer(email=None, name=None, language=None, automatic=True)
    addresses = usable_addresses(answer)
    email = addresses[0] if addresses else None
    language = find_language(EMAIL.sub(" ", answer))
    name, title = find_name(answer, email)
    return ContactAnswer(email=email, name=name, language=language, salutation=title)


def language_for_country(country: str | None) -> str | None:
    return COUNTRY_LANGUAGE.get((country or "").upper())


def combine_answers(rule: ContactAnswer, model: ContactAnswer | None, text: str) -> ContactAnswer:
    """The rules' reading, completed by the LLM's where it is checkable: an address or a name the
    model gives must be written in the answer (and the address not one it rejects, the name shaped
    like one), a language must be one we know. An address the rules found is never replaced."""
    if model is None or rule.automatic:
        return rule
    own = strip_quoted(text) or text
    lowered = own.lower()
    email = rule.email
    if (
        email is None
        and model.email
        and EMAIL.fullmatch(model.email)
        and model.email.lower() in usable_addresses(own)
    ):
        email = model.email.lower()
    name = rule.name
    if name is None and model.name and model.name.lower() in lowered and looks_like_name(model.name):
        name = model.name
    language = rule.language
    if language is None and model.language in LANGUAGE_WORDS:
        language = model.language
    return ContactAnswer(email=email, name=name, language=language, salutation=rule.salutation)


ContactReader = Callable[[str], ContactAnswer | None]  # an answer's text in, the LLM's reading out


def read_contact_answer(text: str, model_reader: ContactReader | None = None) -> ContactAnswer:
    """Finance's answer to a contact request: the rules first; the LLM, when configured, only for what
    they missed (the address or the language)."""
    rule = parse_contact_answer(text)
    if model_reader is None or rule.automatic or (rule.email is not None and rule.language is not None):
        return rule
    return combine_answers(rule, model_reader(text), text)
