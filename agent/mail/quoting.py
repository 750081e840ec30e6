"""The new part of a reply: what its author wrote, without the quoted message or the signature.

Every reader of people's mail (finance's answers, customers' replies, review decisions) starts here, so
the text we sent (which may contain an example address or an amount) is never read as their answer.
"""

from __future__ import annotations

import re

QUOTE_HEADERS = re.compile(
    r"^(?:on .+ wrote:|le .+ a écrit\s?:|am .+ schrieb .+:|el .+ escribió:|il .+ ha scritto:"
    r"|op .+ schreef .+:|em .+ escreveu:"
    r"|-{2,}\s*(?:original message|message d'origine|ursprüngliche nachricht)\s*-{2,}"
    r"|from:\s.+|de\s?:\s.+|von:\s.+)$",
    re.IGNORECASE,
)


def strip_quoted(text: str) -> str:
    """The new part of a reply: stops at the first quote header, quoted line or signature marker."""
    kept: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if (
            stripped.startswith(">")
            or stripped == "--"
            or line.startswith("-- ")
            or QUOTE_HEADERS.match(stripped)
        ):
            break
        kept.append(line)
    return "\n".join(kept).strip()
