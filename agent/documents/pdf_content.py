"""A PDF page's content stream as a list of operations, read by one regular expression.

Why not pypdf's `ContentStream`: it reads the stream a byte at a time in Python and builds a PDF object
for every number of every rectangle and line, which is most of the time pypdf's layout text takes (27 ms
of a page's 62 ms here). The text path needs only the operators and plain Python operands, so this lexer
keeps numbers as `int`/`float`, names as `str` ("/F1"), strings as `bytes`, arrays as `list`; it
measures about a quarter of that time. Inline images (BI … ID … EI) are skipped whole; dictionaries
(marked-content properties) become lists, since no text operator reads them.
"""

from __future__ import annotations

import re
from typing import Any

from pypdf import PageObject
from pypdf.generic import ArrayObject, StreamObject

Operation = tuple[list[Any], bytes]

_DELIMITERS = rb"\x00\t\n\x0c\r ()<>\[\]{}/%"
# Operators no text reading needs (paths, colours, line styles, marked content without properties),
# with their number and name operands: one match skips each, which is most of a page's drawing.
_DRAWING = (
    rb"re|m|l|c|v|y|h|f\*|f|F|S|s|B\*|B|b\*|b|n|W\*|W|rg|RG|g|G|k|K|w|J|j|M|i|"
    rb"sc|scn|SC|SCN|cs|CS|gs|ri|sh|EMC|BMC|MP"
)
_SPACE = rb"[\x00\t\n\x0c\r ]"
_NUMBER = rb"[+-]?(?:\d+\.?\d*|\.\d+)"
_NAME = rb"/[^" + _DELIMITERS + rb"]*"
_SIMPLE_OPERANDS = rb"(?:" + _SPACE + rb"*(?:" + _NUMBER + rb"|" + _NAME + rb"))*+" + _SPACE + rb"*"
_FLAT_STRING = rb"\((?:[^()\\]|\\[\s\S])*\)"  # a (string) without nested parentheses
_HEX = rb"<[0-9A-Fa-f\x00\t\n\x0c\r ]*>"
_TOKEN = re.compile(
    # A TJ array of flat strings and numbers, the bulk of a page's text: one match, read by findall.
    rb"\[(?P<shown>(?:"
    + _SPACE
    + rb"*(?:"
    + _FLAT_STRING
    + rb"|"
    + _HEX
    + rb"|"
    + _NUMBER
    + rb"))*+)"
    + _SPACE
    + rb"*\]"
    + _SPACE
    + rb"*(?P<tj>TJ)(?![^"
    + _DELIMITERS
    + rb"])"
    # A run of drawing operators with their operands, and of marked-content tags with a plain property
    # dictionary (/P <</MCID 3>> BDC): skipped in one match.
    rb"|(?:" + _SIMPLE_OPERANDS + rb"(?:(?:" + _DRAWING + rb")|<<[^<>()\[\]]*>>" + _SPACE + rb"*(?:BDC|DP))"
    rb"(?![^" + _DELIMITERS + rb"]))++" + _SPACE + rb"*"
    # An operator whose operands are all numbers and names (BT, Tf, Tm, cm, q...): one match.
    rb"|(?P<simple>" + _SIMPLE_OPERANDS + rb")"
    rb"(?P<operator>(?!(?:true|false|null|BI)(?![^" + _DELIMITERS + rb"]))[^" + _DELIMITERS + rb"]+)"
    rb"|" + _SPACE + rb"+|%[^\r\n]*"
    rb"|(?P<number>" + _NUMBER + rb")(?![^" + _DELIMITERS + rb"])"
    rb"|(?P<name>" + _NAME + rb")"
    rb"|(?P<string>\()"
    rb"|(?P<hex><(?!<)[0-9A-Fa-f\x00\t\n\x0c\r ]*>)"
    rb"|(?P<open>\[|<<)"
    rb"|(?P<close>\]|>>)"
    rb"|(?P<word>[^" + _DELIMITERS + rb"]+)"
)
_OPERAND = re.compile(_NUMBER + rb"|" + _NAME)
_TJ_ITEM = re.compile(rb"\(((?:[^()\\]|\\[\s\S])*)\)|<([0-9A-Fa-f\x00\t\n\x0c\r ]*)>|(" + _NUMBER + rb")")
_STRING_SPECIAL = re.compile(rb"[()\\]")
_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}
_OCTAL = re.compile(rb"[0-7]{1,3}")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_INLINE_IMAGE_END = re.compile(rb"\sEI(?=[\x00\t\n\x0c\r ]|$)")
_KEYWORDS = {b"true": True, b"false": False, b"null": None}


def page_content(page: PageObject) -> bytes:
    """The page's content streams, decoded and joined (a page may split its drawing across several)."""
    contents = page.get("/Contents")
    if contents is None:
        return b""
    contents = contents.get_object()
    if isinstance(contents, ArrayObject):
        parts = [part.get_object() for part in contents]
        return b"\n".join(part.get_data() for part in parts if isinstance(part, StreamObject))
    return contents.get_data() if isinstance(contents, StreamObject) else b""


def operations(data: bytes) -> list[Operation]:
    """Every operator of a content stream with its operands, in order."""
    found: list[Operation] = []
    operands: list[Any] = []
    outer: list[list[Any]] = []  # the operand lists an open array or dictionary interrupted
    position, end = 0, len(data)
    match = _TOKEN.match
    while position < end:
        token = match(data, position)
        if token is None:  # a stray delimiter such as ')' or '{': skip it, as viewers do
            position += 1
            continue
        position = token.end()
        kind = token.lastgroup
        if kind is None:
            continue  # whitespace, a comment, or a drawing operator
        if kind == "tj":  # inline, not a function per item: a page's TJ arrays hold thousands
            shown = [
                (literal if b"\\" not in literal else _unescape(literal))
                if literal
                else float(number)  # an offset: pypdf reads it as a number either way
                if number
                else _hex(hexadecimal)
                for literal, hexadecimal, number in _TJ_ITEM.findall(token.group("shown"))
            ]
            operands.append(shown)
            found.append((operands, b"TJ"))
            operands, outer = [], []
        elif kind == "operator":
            simple = token.group("simple")
            if not simple.isspace() and simple:
                operands.extend([_operand(text) for text in _OPERAND.findall(simple)])
            found.append((operands, token.group("operator")))
            operands, outer = [], []
        elif kind == "number":
            text = token.group()
            operands.append(float(text) if b"." in text else int(text))
        elif kind == "name":
            operands.append(_name(token.group()))
        elif kind == "string":
            value, position = _literal_string(data, position)
            operands.append(value)
        elif kind == "hex":
            operands.append(_hex(token.group()[1:-1]))
        elif kind == "open":
            outer.append(operands)
            operands = []
        elif kind == "close":
            if outer:
                inner, operands = operands, outer.pop()
                operands.append(inner)
        else:
            word = token.group()
            if word in _KEYWORDS:
                operands.append(_KEYWORDS[word])
            elif word == b"BI":
                position = _skip_inline_image(data, position)
                operands, outer = [], []
            else:
                found.append((operands, word))
                operands, outer = [], []
    return found


def _hex(digits: bytes) -> bytes:
    digits = re.sub(rb"[^0-9A-Fa-f]", b"", digits)
    return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode())


def _unescape(raw: bytes) -> bytes:
    if b"\\" not in raw:
        return raw
    value, position = bytearray(), 0
    while (slash := raw.find(b"\\", position)) >= 0:
        value += raw[position:slash]
        position = _escape(raw, slash + 1, value)
    value += raw[position:]
    return bytes(value)


def _operand(text: bytes) -> int | float | str:
    if text[0] == 0x2F:  # /
        return _name(text)
    return float(text) if b"." in text else int(text)


def _name(token: bytes) -> str:
    if b"#" in token:
        token = _NAME_ESCAPE.sub(lambda m: bytes.fromhex(m.group(1).decode()), token)
    return token.decode("latin-1")


def _literal_string(data: bytes, position: int) -> tuple[bytes, int]:
    """A (string) from just after its opening parenthesis: balanced parentheses, escapes decoded."""
    value = bytearray()
    depth = 1
    while True:
        special = _STRING_SPECIAL.search(data, position)
        if special is None:  # unterminated: take the rest, as a lenient reader would
            value += data[position:]
            return bytes(value), len(data)
        value += data[position : special.start()]
        position = special.end()
        char = data[special.start()]
        if char == 0x28:  # (
            depth += 1
            value.append(char)
        elif char == 0x29:  # )
            depth -= 1
            if depth == 0:
                return bytes(value), position
            value.append(char)
        else:
            position = _escape(data, position, value)


def _escape(data: bytes, position: int, value: bytearray) -> int:
    """One backslash escape starting at `position` (just after the backslash), appended to value."""
    if position >= len(data):
        return position
    char = data[position]
    if char in _ESCAPES:
        value += _ESCAPES[char]
        return position + 1
    octal = _OCTAL.match(data, position)
    if octal:
        value.append(int(octal.group(), 8) & 0xFF)
        return octal.end()
    if char == 0x0D:  # a backslash at the end of a line continues the string on the next
        return position + (2 if data[position + 1 : position + 2] == b"\n" else 1)
    if char == 0x0A:
        return position + 1
    value.append(char)  # \( \) \\ and any other character stand for themselves
    return position + 1


def _skip_inline_image(data: bytes, position: int) -> int:
    """Past an inline image's EI: its binary data may hold any byte, so the lexer must not read it."""
    start = data.find(b"ID", position)
    if start < 0:
        return len(data)
    end = _INLINE_IMAGE_END.search(data, start + 3)
    return end.end() if end else len(data)
