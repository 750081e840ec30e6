"""A PDF page as layout text: each line of the page, its columns kept as runs of spaces.

This is pypdf's layout mode (`page.extract_text(extraction_mode="layout")`, BSD licence), ported to work on
plain tuples and floats: the same rules, so the same text, in about a quarter of the time. pypdf builds a
dataclass, a ChainMap and several 3×3 matrix products for every string a page shows (`pdf_text_state.py`
keeps that state instead), and parses the content stream into PDF objects (`pdf_content.py` replaces that
part). The text path is the extractor's hot spot, and issue 4 sets 35 ms a document.

What is kept from pypdf: its `Font` (encodings, ToUnicode maps, glyph widths), which is the hard part to
get right. `tests/test_pdf_layout.py` checks this text against pypdf's own layout mode, so a pypdf
upgrade that changes either side shows up; `extract.pdf_pages` falls back to pypdf's layout mode if this
port meets something it cannot read, so a document is never lost to it.

The rules, in short (pypdf's `_layout_mode`): every string shown between BT and ET is placed by the text
and graphics matrices; strings of one BT/ET block on one line are joined, with spaces for the gaps;
blocks are grouped into lines by their y coordinate; each line is laid out at a fixed character width,
the page's average, so that columns line up as runs of spaces.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from pypdf import PageObject
from pypdf.generic import DictionaryObject, IndirectObject, NullObject
from pypdf.generic._font import Font  # private module: pinned in constraints.txt, checked by tests

from agent.documents.pdf_content import Operation, operations, page_content
from agent.documents.pdf_text_state import Shown, TextState

NEW_BLOCK_SPACE_WIDTHS = 5  # a string this many spaces left of the previous one starts a new block
SCALE_WEIGHT = 1.25  # pypdf's weight of a block's length in the page's average character width
WHITESPACE_LIMIT, NEWLINE_LIMIT = 10_000, 1_000  # pypdf's bounds on the spaces and blank lines it prints


@dataclass(frozen=True, slots=True)
class Block:
    """The strings of one BT/ET block on one line, joined."""

    text: str
    tx: float
    ty: float
    displaced_tx: float
    font_height: float
    flip_sort: int


FontCache = dict[int, Font]  # a document's fonts by object number: its pages share them


def page_fonts(page: PageObject, cache: FontCache | None = None) -> dict[str, Font]:
    """The fonts a page may select, from its resources and its parents' (pypdf's order: a parent's
    font of the same name wins, as in pypdf's layout mode)."""
    fonts: dict[str, Font] = {}
    cache = {} if cache is None else cache
    node: Any = page
    seen: set[int] = set()
    while isinstance(node, DictionaryObject) and id(node) not in seen:
        seen.add(id(node))
        resources = node.get("/Resources", DictionaryObject()).get_object()
        declared = resources.get("/Font") if isinstance(resources, DictionaryObject) else None
        declared = declared.get_object() if declared is not None else None
        if isinstance(declared, DictionaryObject) and page.pdf is not None:
            for name in declared:
                reference = declared.raw_get(name)
                number = reference.idnum if isinstance(reference, IndirectObject) else None
                if number is not None and number in cache:
                    fonts[name] = cache[number]
                    continue
                resource = reference.get_object()
                if isinstance(resource, DictionaryObject):
                    fonts[name] = Font.from_font_resource(resource)
                    if number is not None:
                        cache[number] = fonts[name]
        node = node.get("/Parent", NullObject()).get_object()
    return fonts


def page_text(page: PageObject, font_cache: FontCache | None = None) -> str:
    """The page's layout text, as pypdf's layout mode prints it."""
    state, blocks = TextState(), list[Block]()
    fonts = page_fonts(page, font_cache)
    ops = iter(operations(page_content(page)))
    for operands, op in ops:
        if op in (b"BT", b"q"):
            _walk(ops, state, b"ET" if op == b"BT" else b"Q", fonts, blocks)
        elif op == b"Tf":
            state.set_font(fonts, operands)
        else:
            state.set_parameter(op, operands)
    if not blocks:
        return ""
    return _fixed_width(_lines(_page_order(blocks)), _character_width(blocks))


def _walk(
    ops: Iterator[Operation], state: TextState, end: bytes, fonts: dict[str, Font], blocks: list[Block]
) -> list[Shown]:
    """The operators up to `end` (ET or Q), with the strings they show; an ET turns them into blocks."""
    shown: list[Shown] = []
    if end == b"Q":
        state.push_q()
    for operands, op in ops:
        if op == end:
            if op == b"Q":
                state.pop_q()
            elif shown:
                blocks.extend(_blocks(shown))
                state.reset_text()
            return shown
        if op == b"q" or (op == b"BT" and end == b"Q"):
            shown.extend(_walk(ops, state, b"ET" if op == b"BT" else b"Q", fonts, blocks))
        elif op == b"cm":
            state.add_cm(operands)
        elif op == b"BT":
            state.reset_text()  # text objects do not nest: a BT inside one restarts its matrix
        elif op == b"Tj" and operands and isinstance(operands[0], (str, bytes)):
            shown.append(state.show(operands[0]))
        elif op == b"TJ" and operands and isinstance(operands[0], list):
            shown.extend(state.show_array(operands[0]))
        elif op in (b"'", b'"'):
            text_at = 0 if op == b"'" else 2
            if op == b'"' and len(operands) < 3:
                continue
            state.reset_render()
            if op == b'"':
                state.set_parameter(b"Tw", operands[:1])
                state.set_parameter(b"Tc", operands[1:2])
            state.add_tm([0, -state.spacing[b"TL"]])
            if text_at < len(operands) and isinstance(operands[text_at], (str, bytes)):
                shown.append(state.show(operands[text_at]))
        elif op in (b"Td", b"Tm", b"TD", b"T*"):
            state.reset_render()
            if op == b"Tm":
                state.reset_text()
            elif op == b"TD" and len(operands) >= 2 and isinstance(operands[1], (int, float)):
                state.spacing[b"TL"] = -float(operands[1])
            elif op == b"T*":
                operands = [0, -state.spacing[b"TL"]]
            state.add_tm(operands)
        elif op == b"Tf":
            state.set_font(fonts, operands)
        else:
            state.set_parameter(op, operands)
    return shown


def _blocks(shown: list[Shown]) -> list[Block]:
    """One BT/ET block's strings joined per line; a string far left of the previous starts a new one."""
    blocks: list[Block] = []
    text, first = "", 0
    last_displaced, last_ty = shown[0].displaced_tx, shown[0].ty
    for index, string in enumerate(shown):
        if not string.readable:
            continue
        if abs(string.ty - last_ty) > string.font_height:
            if text.strip():
                blocks.append(_block(shown[first], text, last_displaced))
            first, text = index, ""
        if last_displaced - string.tx > string.space_tx * NEW_BLOCK_SPACE_WIDTHS:
            if text.strip():
                blocks.append(_block(shown[first], text, last_displaced))
            first, last_displaced, text = index, string.displaced_tx, ""
        gap = round(string.tx - last_displaced, 3) * (index != first)
        space = string.space_tx * abs(string.horizontal_scale)  # a space's width on the page
        spaces = round(gap / space) if gap > 0 and space else 0
        text += " " * min(spaces, WHITESPACE_LIMIT) + string.text
        last_ty, last_displaced = string.ty, string.displaced_tx
    if text:
        blocks.append(_block(shown[first], text, last_displaced))
    return blocks


def _block(first: Shown, text: str, displaced_tx: float) -> Block:
    flip_sort = -1 if first.flip_vertical else 1
    return Block(text, first.tx, first.ty, displaced_tx, first.font_height, flip_sort)


def _page_order(blocks: list[Block]) -> list[Block]:
    """Top to bottom, then left to right, with the leftmost text at x = 0."""
    left = min(block.tx for block in blocks)
    moved = [
        Block(b.text, b.tx - left, b.ty, b.displaced_tx - left, b.font_height, b.flip_sort) for b in blocks
    ]
    return sorted(moved, key=lambda b: (b.ty * b.flip_sort, -b.tx), reverse=True)


def _lines(blocks: list[Block]) -> dict[int, list[Block]]:
    """Blocks grouped by y; two near groups merge into one line unless they start text at the same x."""
    lines = {
        y: sorted(group, key=lambda b: b.tx)
        for y, group in groupby(blocks, key=lambda b: int(b.ty * b.flip_sort))
    }
    last_y = next(iter(lines))
    last_xs = {int(b.tx) for b in lines[last_y] if b.text.strip()}
    for y in list(lines)[1:]:
        height = min(lines[line][0].font_height for line in (y, last_y))
        xs = {int(b.tx) for b in lines[y] if b.text.strip()}
        if not (xs & last_xs) and abs(y - last_y) < height:
            lines[last_y] = sorted(lines.pop(y) + lines[last_y], key=lambda b: b.tx)
            last_xs |= xs
        else:
            last_y, last_xs = y, xs
    return lines


def _character_width(blocks: list[Block]) -> float:
    """The page's average character width, each block weighted by its length."""
    weighted = [
        ((b.displaced_tx - b.tx) / (len(b.text) * SCALE_WEIGHT), len(b.text) * SCALE_WEIGHT) for b in blocks
    ]
    return sum(width * length for width, length in weighted) / sum(length for _, length in weighted)


_CONTROL_TO_SPACE = str.maketrans(dict.fromkeys(range(14, 32), " "))


def _fixed_width(lines: dict[int, list[Block]], char_width: float) -> str:
    """Each line laid out at the fixed character width; gaps between lines become blank lines."""
    printed: list[str] = []
    last_y = 0
    for y, blocks in lines.items():
        if printed:
            height = blocks[0].font_height
            blank = 0 if height == 0 else int(abs(y - last_y) / height) - 1
            printed.extend([""] * min(blank, NEWLINE_LIMIT))
        parts: list[str] = []
        length, last_displaced = 0, 0.0
        for block in blocks:
            column = int(block.tx // char_width) if char_width else length
            if column > length and math.ceil(last_displaced) < int(block.tx):
                parts.append(" " * min(column - length, WHITESPACE_LIMIT))
                length += min(column - length, WHITESPACE_LIMIT)
            text = block.text.translate(_CONTROL_TO_SPACE)
            parts.append(text)
            length += len(text)
            last_displaced = block.displaced_tx
        line = "".join(parts).rstrip()
        if line.strip() or printed:
            printed.append(line)
        last_y = y
    return "\n".join(printed)
