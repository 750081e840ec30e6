"""A PDF page as layout text: each line of the page, its columns kept as runs of spaces.

This is pypdf's layout mode (`page.extract_text(extraction_mode="layout")`, BSD licence), ported to work on
plain tuples and floats: the same rules, so the same text, in about a third of the time. pypdf builds a
dataclass, a ChainMap and several 3×3 matrix products for every string a page shows, and parses the
content stream into PDF objects (`pdf_content.py` replaces that part). The text path is the extractor's
hot spot, and issue 4 sets 35 ms a document.

What is kept from pypdf: its `Font` (encodings, ToUnicode maps, glyph widths), which is the hard part to
get right. `tests/test_pdf_layout.py` checks this text against pypdf's own layout mode, so a pypdf
upgrade that changes either side shows up; `read_pages` falls back to pypdf's layout mode if this port
meets something it cannot read, so a document is never lost to it.

The rules, in short (pypdf's `_layout_mode`): every string shown between BT and ET is placed by the text
and graphics matrices; strings of one BT/ET block on one line are joined, with spaces for the gaps;
blocks are grouped into lines by their y coordinate; each line is laid out at a fixed character width,
the page's average, so that columns line up as runs of spaces.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from pypdf import PageObject
from pypdf.errors import PdfReadError
from pypdf.generic import DictionaryObject, IndirectObject, NullObject
from pypdf.generic._font import Font  # private module: pinned in constraints.txt, checked by tests

from agent.documents.pdf_content import Operation, operations, page_content

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
NEW_BLOCK_SPACE_WIDTHS = 5  # a string this many spaces left of the previous one starts a new block
SCALE_WEIGHT = 1.25  # pypdf's weight of a block's length in the page's average character width
WHITESPACE_LIMIT, NEWLINE_LIMIT = 10_000, 1_000  # pypdf's bounds on the spaces and blank lines it prints
NO_FONT = Font("Unknown", encoding={}, interpretable=False)


@dataclass(slots=True)
class Shown:
    """One string shown on the page: its text, where it starts and ends, and the line metrics."""

    text: str
    tx: float
    ty: float
    displaced_tx: float
    space_tx: float
    font_height: float
    horizontal_scale: float  # transform[0]: page-space size of one text-space unit
    flip_vertical: bool
    readable: bool  # upright, in a font whose codes map to characters


@dataclass(frozen=True, slots=True)
class Block:
    """The strings of one BT/ET block on one line, joined."""

    text: str
    tx: float
    ty: float
    displaced_tx: float
    font_height: float
    flip_sort: int


def multiply(m: Matrix, n: Matrix) -> Matrix:
    return (
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    )


def _glyphs(font: Font, value: bytes | str) -> tuple[str, str, float]:
    """A shown string's text, its characters before the ToUnicode map (which the widths are keyed by),
    and its width in thousandths of the font size."""
    if isinstance(value, bytes):
        if isinstance(font.encoding, str):
            try:
                raw = value.decode(font.encoding, "surrogatepass")
            except UnicodeDecodeError:
                raw = value.decode(font.encoding, "replace")
            decoded = ""
        else:
            raw = value.decode("latin-1")
            encoding = font.encoding
            decoded = "".join([encoding.get(byte, chr(byte)) for byte in value])
        character_map = font.character_map
        text = "".join([character_map.get(c, c) for c in (decoded or raw)])
    else:
        raw = text = value
    widths, default = font.character_widths, font.character_widths["default"]
    space_char, space_width = font.space_char, font.space_width
    width = sum([space_width if c == space_char else widths.get(c, default) for c in raw], 0.0)
    return text, raw, width


def _orientation(m: Matrix) -> int:
    if m[3] > 1e-6:
        return 0
    if m[3] < -1e-6:
        return 180
    return 90 if m[1] > 0 else 270


def _number(value: Any, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _matrix(operands: list[Any]) -> Matrix:
    """A matrix operator's operands (the six nearest to it; Td's two as a translation)."""
    values = [1.0, 0.0, 0.0, 1.0, *operands] if len(operands) == 2 else operands[-6:]
    padded = [*values, *IDENTITY[len(values) :]]  # missing operands keep the identity's values
    return tuple(_number(v, d) for v, d in zip(padded, IDENTITY, strict=True))  # type: ignore[return-value]


class _TextState:
    """pypdf's TextStateManager: a stack of matrices (cm, then text, then rendering), fonts, spacing."""

    def __init__(self) -> None:
        # (matrix, is text matrix, is rendering offset, the product of it and every matrix under it)
        self.stack: list[tuple[Matrix, bool, bool, Matrix]] = [(IDENTITY, False, False, IDENTITY)]
        self.cm_count: Counter[int] = Counter()
        self.q_depth = [0]
        self.font_stack: list[tuple[Font | None, float]] = []
        self.font: Font | None = None
        self.font_size = 0.0
        self.spacing = {b"Tc": 0.0, b"Tw": 0.0, b"Tz": 100.0, b"TL": 0.0, b"Ts": 0.0}
        self.last_raw, self.last_width = "", 0.0
        self.glyphs: dict[tuple[int, bytes | str], tuple[str, str, float]] = {}
        self.space_widths: dict[tuple[int, float, float, float, float], float] = {}

    def set_parameter(self, op: bytes, operands: list[Any]) -> None:
        if op in self.spacing:
            self.spacing[op] = _number(operands[0] if operands else None, self.spacing[op])

    def reset_text(self) -> None:
        while len(self.stack) > 1 and (self.stack[-1][1] or self.stack[-1][2]):
            self.stack.pop()

    def reset_render(self) -> None:
        while len(self.stack) > 1 and self.stack[-1][2]:
            self.stack.pop()

    def push_q(self) -> None:
        self.font_stack.append((self.font, self.font_size))
        self.q_depth.append(len(self.q_depth))

    def pop_q(self) -> None:
        self.font, self.font_size = self.font_stack.pop() if self.font_stack else (None, 0.0)
        self.reset_text()
        count = self.cm_count.pop(self.q_depth.pop() if len(self.q_depth) > 1 else 0, 0)
        if count:  # the cm operators of this q level end with it
            del self.stack[max(1, len(self.stack) - count) :]

    def add_cm(self, operands: list[Any]) -> None:
        self.reset_text()
        self.cm_count.update(self.q_depth[-1:])
        self._push(_matrix(operands), False, False)

    def add_tm(self, operands: list[Any]) -> None:
        new = _matrix(operands)
        top, is_text, is_render, _ = self.stack[-1]
        if is_text and not is_render:
            self.stack.pop()
            self._push(multiply(new, top), True, False)
        else:
            self._push(new, True, False)

    def _push(self, matrix: Matrix, is_text: bool, is_render: bool) -> None:
        # The running product spares re-multiplying the whole stack for every string: a TJ array pushes
        # one offset per number, so that would grow with the square of the array's length.
        self.stack.append((matrix, is_text, is_render, multiply(matrix, self.stack[-1][3])))

    def show(self, value: bytes | str) -> Shown:
        """The string as placed now; its characters are kept for a TJ offset that follows it."""
        font = self.font
        if not isinstance(font, Font):
            raise PdfReadError("font not set: is PDF missing a Tf operator?")
        key = (id(font), value)
        glyphs = self.glyphs.get(key)
        if glyphs is None:  # a page shows the same strings (digits, words) many times in one font
            glyphs = self.glyphs[key] = _glyphs(font, value)
        text, raw, width = glyphs
        t = self.stack[-1][3]
        rotated = False
        if not t[3] > 1e-6:  # not upright: pypdf's orient() and its turns back
            if _orientation(t) in (90, 270):
                t = multiply((1.0, -t[1], -t[2], 1.0, 0.0, 0.0), t)
                rotated = True
            if _orientation(t) == 180 and t[0] < -1e-6:
                t = multiply((-1.0, 0.0, 0.0, -1.0, 0.0, 0.0), t)
                rotated = True
        space_tx = self._space_tx(font)
        self.last_raw, self.last_width = raw, width
        return Shown(
            text=text,
            tx=t[4],
            ty=self.spacing[b"Ts"] * t[3] + t[5],
            displaced_tx=t[4] + self._advance(width, raw, 0.0) * t[0],
            space_tx=space_tx,
            font_height=self.font_size * math.sqrt(t[1] ** 2 + t[3] ** 2),
            horizontal_scale=t[0],
            flip_vertical=t[3] < -1e-6,
            readable=font.interpretable and not rotated,
        )

    def show_array(self, items: list[Any]) -> list[Shown]:
        """A TJ array: its strings, each moved by the offset before it. Within one array only the
        translation changes, so upright text takes a fast path: the same arithmetic as `show` and
        `offset_after_last`, with the font, spacing and axes read once (a page has thousands of these)."""
        self.show("")  # pypdf starts from an empty string: a leading offset moves from the array's start
        font = self.font
        assert isinstance(font, Font)
        a, b, c, d, e, f = self.stack[-1][3]
        if not d > 1e-6:  # rotated or flipped: the general path
            turned: list[Shown] = []
            for item in items:
                if isinstance(item, bytes):
                    turned.append(self.show(item))
                elif isinstance(item, (int, float)) and not isinstance(item, bool):
                    self.offset_after_last(item)
            return turned
        spacing, size = self.spacing, self.font_size
        tc, tw, scale = spacing[b"Tc"], spacing[b"Tw"], spacing[b"Tz"] / 100.0
        ty_rise, height = spacing[b"Ts"] * d, size * math.sqrt(b**2 + d**2)
        space_tx, space_char, readable = self._space_tx(font), font.space_char, font.interpretable
        glyph_cache, font_id, stack = self.glyphs, id(font), self.stack
        raw, width = "", 0.0
        shown: list[Shown] = []
        for item in items:
            if isinstance(item, bytes):
                glyphs = glyph_cache.get((font_id, item))
                if glyphs is None:
                    glyphs = glyph_cache[(font_id, item)] = _glyphs(font, item)
                text, raw, width = glyphs
                advance = (size * (width / 1000.0) + len(raw) * tc + raw.count(space_char) * tw) * scale
                shown.append(
                    Shown(text, e, ty_rise + f, e + advance * a, space_tx, height, a, False, readable)
                )
            elif isinstance(item, (int, float)) and not isinstance(item, bool):
                tx = (size * ((width - item) / 1000.0) + len(raw) * tc + raw.count(space_char) * tw) * scale
                e, f = tx * a + e, tx * b + f
                stack.append(((1.0, 0.0, 0.0, 1.0, tx, 0.0), True, True, (a, b, c, d, e, f)))
        self.last_raw, self.last_width = raw, width
        return shown

    def _space_tx(self, font: Font) -> float:
        """A space's advance in this state (pypdf's space_tx), remembered per font, size and spacing."""
        spacing = self.spacing
        key = (id(font), self.font_size, spacing[b"Tc"], spacing[b"Tw"], spacing[b"Tz"])
        space_tx = self.space_widths.get(key)
        if space_tx is None:
            space_tx = round(self._advance(font.space_width, font.space_char, 0.0), 3)
            if space_tx < 1e-6:
                space_tx = round(self._advance(0.0, "", -font.space_width), 3)
            self.space_widths[key] = space_tx
        return space_tx

    def offset_after_last(self, offset: float) -> None:
        """A TJ number: pypdf moves by the last string's width less the offset, from that string's start."""
        tx = self._advance(self.last_width, self.last_raw, offset)
        # pushing a translation: the running product moves by tx along the current x axis (the same
        # floats `multiply` gives, without its zero terms)
        a, b, c, d, e, f = self.stack[-1][3]
        self.stack.append(((1.0, 0.0, 0.0, 1.0, tx, 0.0), True, True, (a, b, c, d, tx * a + e, tx * b + f)))

    def _advance(self, width: float, raw: str, offset: float) -> float:
        """pypdf's word_tx: a string's advance in text space, with character and word spacing."""
        assert self.font is not None
        spacing = self.spacing
        return (
            self.font_size * ((width - offset) / 1000.0)
            + len(raw) * spacing[b"Tc"]
            + raw.count(self.font.space_char) * spacing[b"Tw"]
        ) * (spacing[b"Tz"] / 100.0)

    def set_font(self, fonts: dict[str, Font], operands: list[Any]) -> None:
        name = operands[0] if operands else ""
        self.font = fonts.get(name, NO_FONT) if isinstance(name, str) else NO_FONT
        self.font_size = _number(operands[1] if len(operands) > 1 else None, self.font_size)


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
    state, blocks = _TextState(), []
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
    ops: Iterator[Operation], state: _TextState, end: bytes, fonts: dict[str, Font], blocks: list[Block]
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
