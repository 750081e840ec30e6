"""The new part of a reply: what its author wrote, without the quoted message or the signature.

Every reader of people's mail (finance's answers, customers' replies, review decisions) starts here, so
the text we sent (which may contain an example address, an amount or the words "already paid") is
never read as their answer. Replies come top-posted (the answer above "On ... wrote:", Outlook's
"From: / Sent:" block or an "-----Original Message-----" line) or bottom-posted (the quoted message
first, "> " lines, the answer below): the answer is the text before the quote when there is any, and
otherwise the unquoted lines after it. Attribution lines are recognised in the seven languages by
their shape (a line ending in "wrote:", "a écrit :", "schrieb:", "escribió:", "ha scritto:",
"schreef:", "escreveu:"), not by the exact layout of one mail client. `quotequail` and
`mail-parser-reply` were measured against the same corpus first (docs/benchmarks.md): neither knows
Outlook's localised header blocks, and both lose the answer of a bottom-posted German reply.
"""

from __future__ import annotations

import re

WROTE = r"(?:wrote|writes|a (?:é|e)crit|schrieb|escribi(?:ó|o)|ha scritto|schreef|escreveu|skrev)"
ATTRIBUTION = re.compile(
    rf"^(?:.{{0,300}}\s)?{WROTE}(?:\s+(?:am|on|op|le|el|em|il)\s.{{0,120}})?\s?:\s*$"
    rf"|^(?:on|le|am|el|il|op|em|il giorno)\s.{{4,300}}\s{WROTE}\b.{{0,200}}:\s*$",
    re.IGNORECASE,
)
SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(?:original message|message d'origine|ursprüngliche nachricht|urspr\.? nachricht"
    r"|mensaje original"
    r"|messaggio originale|oorspronkelijk bericht|origineel bericht|mensagem original|forwarded message"
    r"|message transféré|weitergeleitete nachricht|mensaje reenviado|messaggio inoltrato|doorgestuurd bericht"
    r"|mensagem encaminhada)\s*-{2,}\s*$|^\s*_{10,}\s*$",
    re.IGNORECASE,
)
HEADER_FROM = re.compile(r"^\*?(?:from|de|von|da|van|fra|från)\s?\*?:\s?\S.*$", re.IGNORECASE)
HEADER_OTHER = re.compile(
    r"^\*?(?:sent|envoy(?:é|e)|gesendet|enviado(?: el)?|inviato|verzonden|date|datum|fecha|data|to|à|a"
    r"|an|para|aan"
    r"|subject|objet|betreff|asunto|oggetto|onderwerp|assunto|cc)\s?\*?:",
    re.IGNORECASE,
)
QUOTE_HEADERS = ATTRIBUTION  # the name the callers of an earlier version import


def _is_header_block(lines: list[str], index: int) -> bool:
    """Outlook's quoted header: a From line followed closely by Sent/To/Subject lines."""
    if not HEADER_FROM.match(lines[index].strip()):
        return False
    following = [line.strip() for line in lines[index + 1 : index + 5] if line.strip()]
    return sum(1 for line in following if HEADER_OTHER.match(line)) >= 2


def _quote_start(lines: list[str], index: int) -> int:
    """How many lines the quote introduction at `index` takes (0: none). An attribution that a mail
    client wrapped over two lines counts as one."""
    stripped = lines[index].strip()
    if stripped.startswith(">") or SEPARATOR.match(stripped) or _is_header_block(lines, index):
        return 1
    if ATTRIBUTION.match(stripped):
        return 1
    if index + 1 < len(lines) and ATTRIBUTION.match(f"{stripped} {lines[index + 1].strip()}"):
        return 2 if re.match(r"^(?:on|le|am|el|il|op|em)\s", stripped, re.IGNORECASE) else 0
    return 0


def _without_signature(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        if line.strip() == "--" or line.startswith("-- ") or line.rstrip() == "-- ":
            return lines[:index]
    return lines


def strip_quoted(text: str) -> str:
    """The new part of a reply: above the quote when there is text there, else below it."""
    lines = text.splitlines()
    start = next((i for i in range(len(lines)) if _quote_start(lines, i)), None)
    if start is None:
        return "\n".join(_without_signature(lines)).strip()
    above = "\n".join(_without_signature(lines[:start])).strip()
    if above:
        return above
    # Bottom-posted: the unquoted lines after the quote, which is the ">" lines and their attributions.
    kept: list[str] = []
    index = start
    while index < len(lines):
        taken = _quote_start(lines, index)
        stripped = lines[index].strip()
        if taken and (stripped.startswith(">") or ATTRIBUTION.match(stripped) or taken == 2):
            index += taken
            continue
        if taken:  # an Outlook block or separator under the answer: the rest is the older message
            break
        kept.append(lines[index])
        index += 1
    return "\n".join(_without_signature(kept)).strip()
