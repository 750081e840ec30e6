"""How a reminder greets its reader: the formal salutation of a business letter in each language.

Gender-neutral by default ("Sehr geehrte Damen und Herren", "Madame, Monsieur", "Dear Sir or Madam");
"Herr Müller" or "Madame" only when finance gave the contact's salutation. A name is used only when it
looks like a person's: "Buchhaltung", "Accounts Payable" or "ap@acme.example" never open a letter. The
words are the `greeting` phrase of each language's catalog (templates/email/<lang>/_phrases.txt.j2).
"""

from __future__ import annotations

import re

from agent.templating import Said

SALUTATIONS = ("mr", "ms")  # what a contact may carry; None: not known, the neutral greeting
# How finance may write a salutation in any of the seven languages, folded to lower case, no final dot.
_SALUTATION_WORDS = {
    "mr": "mr", "mister": "mr", "sir": "mr", "herr": "mr", "hr": "mr", "m": "mr", "monsieur": "mr",
    "sr": "mr", "señor": "mr", "senor": "mr", "sig": "mr", "signor": "mr", "signore": "mr", "dhr": "mr",
    "heer": "mr", "de heer": "mr", "senhor": "mr", "exmo": "mr",
    "ms": "ms", "mrs": "ms", "miss": "ms", "madam": "ms", "frau": "ms", "fr": "ms", "mme": "ms",
    "madame": "ms", "mlle": "ms", "sra": "ms", "señora": "ms", "senora": "ms", "sig.ra": "ms",
    "signora": "ms", "mevr": "ms", "mevrouw": "ms", "senhora": "ms", "exma": "ms",
}  # fmt: skip
# Words that name a team, a role or a company, not a person.
_NOT_A_PERSON = re.compile(
    r"\b(?:accounts?|payables?|receivables?|billing|finance|financial|team|department|dept|service|"
    r"support|office|admin\w*|info|contact|invoices?|compta\w*|facturation|buchhaltung|rechnungs\w*|"
    r"abteilung|contabilidad|contabilit\w*|amministrazione|administra\w*|boekhouding|financi\w*|"
    r"gmbh|ag|sarl|sas|sa|ltd|llc|inc|plc|bv|nv|srl|spa|slu?|lda|co|company)\b",
    re.IGNORECASE,
)
_NAME_WORD = re.compile(r"^[^\W\d_]+(?:[-'’][^\W\d_]+)*\.?$")
_PARTICLES = {
    "de",
    "du",
    "des",
    "van",
    "von",
    "der",
    "den",
    "da",
    "di",
    "del",
    "della",
    "dos",
    "le",
    "la",
    "ten",
}


def salutation_of(words: str | None) -> str | None:
    """ "Herr", "Mme", "Sra." → "mr" / "ms"; anything else → None (the neutral greeting)."""
    if not words:
        return None
    folded = words.strip().lower().rstrip(".").strip()
    return folded if folded in SALUTATIONS else _SALUTATION_WORDS.get(folded)


def looks_like_a_person(name: str | None) -> bool:
    """Two to five words of letters, each capitalised (particles aside), naming no team or company."""
    if not name or "@" in name or _NOT_A_PERSON.search(name):
        return False
    words = name.split()
    if not 2 <= len(words) <= 5 or not all(_NAME_WORD.match(word) for word in words):
        return False
    return all(word[0].isupper() or word.lower() in _PARTICLES for word in words)


def surname_of(name: str) -> str:
    """The family name: the last words from the first particle ("Ludwig van Beethoven" → "van
    Beethoven"), else the last word."""
    words = name.split()
    for index, word in enumerate(words[1:], start=1):
        if word.lower() in _PARTICLES:
            return " ".join(words[index:])
    return words[-1]


def greeting(name: str | None, salutation: str | None) -> Said:
    """The greeting `Said` for a contact: neutral unless the salutation is known and the name a
    person's; with a person's name and no salutation, the languages that can use a full name
    without a gender (English, Italian, Dutch) do, the others stay neutral."""
    person = name.strip() if name and looks_like_a_person(name) else None
    kind = salutation_of(salutation)
    return Said(
        "greeting",
        salutation=kind if person else None,
        name=person,
        surname=surname_of(person) if person else None,
    )
