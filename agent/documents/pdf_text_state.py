"""The text state of a PDF content stream, as pypdf's layout mode keeps it: the matrices (cm, text,
rendering offsets), the font and the spacing, and where each string shown lands on the page.

Ported from pypdf's `_layout_mode` (BSD licence) to plain tuples and floats; `pdf_layout.py` walks the
operators and lays the strings out. The arithmetic is pypdf's to the last float, so that the layout
text is the same: `tests/test_pdf_layout.py` compares them page for page.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pypdf.errors import PdfReadError
from pypdf.generic._font import Font  # private module: pinned in constraints.txt, checked by tests

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
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


class TextState:
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
