"""Which lines of a document may hold a label: a fast pre-pass before the label patterns run.

A label vocabulary is a regular expression of dozens of alternatives, tried case-insensitively at
every word of every line; Python's engine does that one alternative at a time, which made the label
search half of the extractor's time. Most alternatives begin with plain letters ("total", "montant",
"rechnungs"...), so a plain search for those beginnings over the case-folded text finds the few lines
worth the full pattern, about ten times faster. It only ever narrows to lines that could match: a
vocabulary with an alternative that begins with a pattern (a group, a class) gets no pre-pass.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Iterator
from itertools import pairwise

_LITERAL = re.compile(r"[^\\\[\](){}?*+.|^$]*")  # letters, digits, spaces, punctuation with no regex meaning
_FOLD = str.maketrans({"ı": "i"})  # the re module matches a dotless i to i; casefold() does not


@functools.cache
def literal_starts(vocabulary: str) -> re.Pattern[str] | None:
    """A plain pattern of the letters the vocabulary's matches begin with, case-folded; None when some
    alternative begins with something else (\\w, a lookaround, a class with ranges)."""
    starts = _starts(vocabulary)
    if starts is None:
        return None
    return re.compile("|".join(map(re.escape, sorted({_fold(start) for start in starts}))))


def _starts(pattern: str) -> set[str] | None:
    result: set[str] = set()
    for alternative in _alternatives(pattern):
        starts = _alternative_starts(alternative)
        if starts is None:
            return None
        result |= starts
    return result


def _alternative_starts(pattern: str) -> set[str] | None:
    """How one alternative may begin: "(?:abweichender\\s*)?warenempf[äa]nger" gives "abweichender",
    "warenempfänger" and "warenempfanger"."""
    while pattern.startswith(("^", "\\b")):  # zero-width at the start: they constrain, not consume
        pattern = pattern[1:] if pattern[0] == "^" else pattern[2:]
    if pattern.startswith("(?:"):
        end = _group_end(pattern)
        if end < 0:
            return None
        inner, after = pattern[3:end], pattern[end + 1 :]
        starts = _starts(inner)
        if starts is None or after[:1] not in ("?", "*"):
            return starts
        rest = _alternative_starts(after[1:])  # an optional group: the text may begin after it
        return None if rest is None else starts | rest
    prefixes = [""]
    while pattern and len(prefixes) <= 16:
        if pattern[0] == "[":
            end = pattern.find("]")
            chars = pattern[1:end] if end > 0 else ""
            if (
                not chars
                or chars[0] == "^"
                or "\\" in chars
                or "-" in chars
                or pattern[end + 1 : end + 2] in ("?", "*", "{")
            ):
                break
            prefixes = [prefix + char for prefix in prefixes for char in chars]
            pattern = pattern[end + 1 :]
            continue
        literal = _LITERAL.match(pattern).group(0)  # type: ignore[union-attr]
        if pattern[len(literal) : len(literal) + 1] in ("?", "*", "{"):
            literal = literal[:-1]  # "totals?": the s is optional, so it ends the prefix
            pattern = ""
        else:
            pattern = pattern[len(literal) :]
        prefixes = [prefix + literal for prefix in prefixes]
        if not literal or not pattern or pattern[0] != "[":
            break
    return None if "" in prefixes else set(prefixes)


def _group_end(pattern: str) -> int:
    """The index of the parenthesis that closes the group opening the pattern, or -1."""
    return next((index for index, char, depth in _syntax(pattern) if char == ")" and depth == 0), -1)


def candidate_lines(lines: list[str], vocabulary: str) -> list[int] | range:
    """The indexes of the lines in which the vocabulary may match (all of them when it has no pre-pass)."""
    starts = literal_starts(vocabulary)
    if starts is None:
        return range(len(lines))
    text, line_starts = _folded(lines)
    return sorted({bisect_right(line_starts, found.start()) - 1 for found in starts.finditer(text)})


def _fold(text: str) -> str:
    return text.casefold().translate(_FOLD)


# The lines last folded and their folded text: a document's label searches share one folding. One
# tuple, replaced whole, so that two threads reading two documents never mix theirs.
_last: list[tuple[list[str], tuple[str, list[int]]] | None] = [None]


def _folded(lines: list[str]) -> tuple[str, list[int]]:
    """The lines case-folded into one text, and where each line starts in it (folding can change a
    line's length, "ß" becoming "ss", so offsets are those of the folded lines)."""
    cached = _last[0]
    if cached is not None and cached[0] is lines:
        return cached[1]
    folded = [_fold(line) for line in lines]
    starts, offset = [], 0
    for line in folded:
        starts.append(offset)
        offset += len(line) + 1
    result = ("\n".join(folded), starts)
    _last[0] = (lines, result)
    return result


def _alternatives(vocabulary: str) -> list[str]:
    """The vocabulary's top-level alternatives (a | inside a group or a class does not split)."""
    cuts = [index for index, char, depth in _syntax(vocabulary) if char == "|" and depth == 0]
    bounds = [-1, *cuts, len(vocabulary)]
    return [vocabulary[start + 1 : end] for start, end in pairwise(bounds)]


def _syntax(pattern: str) -> Iterator[tuple[int, str, int]]:
    """The pattern's characters that are syntax (neither escaped nor inside a class), each with its index
    and the depth of groups it stands in (a group's own parentheses count as outside it)."""
    depth, in_class, index = 0, False, 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        else:
            depth -= char == ")"
            yield index, char, depth
            depth += char == "("
        index += 1
