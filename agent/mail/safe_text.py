"""Text from strangers, made safe to show: control and bidirectional-override characters escaped.

A subject, a file name or a sender's name is written by whoever sent the mail. A CR/LF in it would
print a forged line ("Bcc: …") in the operator's terminal or in an e-mail to finance, and a
right-to-left override (U+202E) turns "invoice‮fdp.exe" into "invoiceexe.pdf" on screen. What is
shown and stored in rows is cleaned here; the raw bytes stay untouched in the raw store.
"""

from __future__ import annotations

import re
import unicodedata

# Bidirectional embeddings, overrides and isolates, marks, and the invisible separators that reorder or
# hide text on screen (Unicode TR #9, and the "Trojan Source" list, CVE-2021-42574).
BIDI = "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
LINE_BREAKS = "\r\n\v\f\x85\u2028\u2029"
_BIDI = re.compile(f"[{BIDI}]")


def _escaped(char: str) -> str:
    return f"<U+{ord(char):04X}>"


def valid_unicode(text: str) -> str:
    """Text that can be encoded: raw 8-bit header bytes (kept by the parser as surrogate escapes) read
    as UTF-8 where they are, else replaced by U+FFFD; any other lone surrogate replaced too."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def clean_line(text: str | None) -> str:
    """One line to show: line breaks and tabs become spaces, other controls and bidi characters are
    escaped as <U+XXXX>, so they are visible and inert."""
    if not text:
        return ""
    out = []
    for char in valid_unicode(str(text)):
        if char in LINE_BREAKS or char == "\t":
            out.append(" ")
        elif char in BIDI or unicodedata.category(char) == "Cc":
            out.append(_escaped(char))
        else:
            out.append(char)
    return "".join(out)


def clean_text(text: str | None) -> str:
    """A multi-line text to show (a reply's words): line breaks kept (CR/LF normalised), other controls
    and bidi characters escaped."""
    if not text:
        return ""
    text = valid_unicode(str(text)).replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for char in text:
        if char in ("\n", "\t"):
            out.append(char)
        elif char in BIDI or unicodedata.category(char) == "Cc" or char in LINE_BREAKS:
            out.append(_escaped(char))
        else:
            out.append(char)
    return "".join(out)


def has_hidden_characters(text: str) -> bool:
    return bool(_BIDI.search(text)) or any(unicodedata.category(char) == "Cc" for char in text)
